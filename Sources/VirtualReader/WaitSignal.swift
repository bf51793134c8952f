import Glibc

/// A condition variable with a generation counter, for threads that wait for a change of
/// state kept elsewhere (in a `Mutex`).
///
/// A waiter reads `generation()` before it checks the state, then calls `wait(...)` with that
/// value. A change made after the read bumps the generation, so `wait` returns at once
/// instead of missing the wake-up. The condition variable uses `CLOCK_MONOTONIC`.
final class WaitSignal: @unchecked Sendable {
    // The pthread objects live in heap memory that never moves. They are only touched
    // with `mutex` held, which makes the class safe to share between threads.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private let counter: UnsafeMutablePointer<UInt64>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        counter = .allocate(capacity: 1)
        counter.initialize(to: 0)
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
        counter.deallocate()
    }

    /// Returns the current generation, to pass to `wait` later.
    func generation() -> UInt64 {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return counter.pointee
    }

    /// Starts a new generation and wakes every waiter.
    func broadcast() {
        pthread_mutex_lock(mutex)
        counter.pointee &+= 1
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Blocks while the generation is still `generation`, until `deadline` (monotonic
    /// nanoseconds) when it is given. Returns early on any broadcast.
    func wait(whileGenerationIs generation: UInt64, until deadline: UInt64?) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }

        while counter.pointee == generation {
            guard let deadline else {
                pthread_cond_wait(condition, mutex)
                continue
            }
            if MonotonicClock.now >= deadline { return }

            var time = timespec(
                tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            _ = pthread_cond_timedwait(condition, mutex, &time)
        }
    }
}

/// Nanoseconds of `CLOCK_MONOTONIC`, the clock of every deadline in the virtual reader.
enum MonotonicClock {
    static var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Returns the deadline `milliseconds` from now, or nil for 0 (no timeout, as in libusb).
    static func deadline(afterMilliseconds milliseconds: UInt32) -> UInt64? {
        milliseconds == 0 ? nil : now + UInt64(milliseconds) * 1_000_000
    }
}
