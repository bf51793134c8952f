import Glibc

/// A pthread mutex with one condition variable on the monotonic clock, for state that
/// threads wait on. The state itself lives with the caller and is only touched inside
/// `withLock`.
public final class ConditionLock: @unchecked Sendable {
    // The pthread objects live in heap memory that never moves.
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)

        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    @inlinable
    public func withLock<Result: ~Copyable, Failure: Error>(
        _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every thread blocked in `wait`. Call it with the mutex held.
    public func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Blocks until `broadcast()`. Call it with the mutex held (inside `withLock`). It may
    /// also return spuriously, so callers check their condition again in a loop.
    public func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Blocks until `broadcast()` or until the monotonic time `deadline` (nanoseconds, as
    /// `MonotonicClock.nanoseconds`). Call it with the mutex held, in a loop as `wait()`.
    public func wait(untilNanoseconds deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &time)
    }
}
