import Glibc

/// A value protected by a plain pthread mutex, shared by the daemon and the client library.
///
/// `Synchronization.Mutex` is not used, for two reasons. On Linux it is built on
/// priority-inheritance futexes, so every contended unlock enters the kernel to hand the
/// lock over. With 200 clients on one reader, 28% of the daemon's CPU went into that slow
/// path (perf, `make bench` row 7). A plain mutex lets the running thread take the lock
/// again. And Embedded Swift, which builds `libpcsclite.so.1`, has no `Mutex`.
///
/// The value may be noncopyable (the client's sessions and handle table are).
public final class Locked<Value: ~Copyable>: @unchecked Sendable {
    // The mutex lives in memory that never moves; `value` is only touched with it held.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    public init(_ value: consuming Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held and the value passed in-out.
    @inlinable
    public func withLock<Result: ~Copyable, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
