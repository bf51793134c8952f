import Glibc

/// A value protected by a plain pthread mutex.
///
/// The daemon uses this instead of `Synchronization.Mutex`, which on Linux is built on
/// priority-inheritance futexes: every contended unlock enters the kernel to hand the lock
/// over. With 200 clients on one reader, 28% of the daemon's CPU went into that slow path
/// (perf, `make bench` row 7); a plain mutex lets the running thread take the lock again.
final class Locked<Value>: @unchecked Sendable {
    // The mutex lives in memory that never moves; `value` is only touched with it held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held and the value passed in-out.
    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
