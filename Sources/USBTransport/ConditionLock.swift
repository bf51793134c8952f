import Glibc

/// A pthread mutex with one condition variable on the monotonic clock.
///
/// Used for the state shared between the libusb event thread, the threads that wait for
/// transfers and `close()`.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
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

    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every thread blocked in `wait`. Call it with the lock held.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Blocks until `broadcast()` or, when `deadline` is given, until that monotonic time.
    /// Call it with the lock held (inside `withLock`); it may also return spuriously, so
    /// callers re-check their condition in a loop.
    func wait(until deadline: timespec? = nil) {
        if var deadline {
            pthread_cond_timedwait(condition, mutex, &deadline)
        } else {
            pthread_cond_wait(condition, mutex)
        }
    }
}

/// The monotonic clock in nanoseconds, for deadlines and measurements.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// The monotonic time `milliseconds` from now, as `ConditionLock.wait(until:)` expects it.
func monotonicDeadline(afterMilliseconds milliseconds: Int) -> timespec {
    let nanoseconds = monotonicNanoseconds() + UInt64(max(milliseconds, 0)) * 1_000_000
    return timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
}
