import Threading

/// A condition variable with a generation counter, for threads that wait for a change of
/// state kept elsewhere (behind a `Locked`).
///
/// A waiter reads `generation()` before it checks the state, then calls `wait(...)` with that
/// value. A change made after the read bumps the generation, so `wait` returns at once
/// instead of missing the wake-up.
final class WaitSignal: @unchecked Sendable {
    private let lock = ConditionLock()
    // Only touched with `lock` held.
    private var counter: UInt64 = 0

    /// Returns the current generation, to pass to `wait` later.
    func generation() -> UInt64 {
        lock.withLock { counter }
    }

    /// Starts a new generation and wakes every waiter.
    func broadcast() {
        lock.withLock {
            counter &+= 1
            lock.broadcast()
        }
    }

    /// Blocks while the generation is still `generation`, until `deadline` (monotonic
    /// nanoseconds) when it is given. Returns early on any broadcast.
    func wait(whileGenerationIs generation: UInt64, until deadline: UInt64?) {
        lock.withLock {
            while counter == generation {
                guard let deadline else {
                    lock.wait()
                    continue
                }
                if MonotonicClock.nanoseconds >= deadline { return }
                lock.wait(untilNanoseconds: deadline)
            }
        }
    }
}

extension MonotonicClock {
    /// Returns the deadline `milliseconds` from now, or nil for 0 (no timeout, as in libusb).
    static func deadline(afterMilliseconds milliseconds: UInt32) -> UInt64? {
        milliseconds == 0 ? nil : nanoseconds(afterMilliseconds: Int(milliseconds))
    }
}
