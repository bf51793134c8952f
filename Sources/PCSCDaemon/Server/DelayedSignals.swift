import Threading

/// Writes event signals that a 4:6 wait held back, once their hold time has passed.
///
/// One thread serves every connection, so clients that register and never read cannot
/// make the daemon start a thread per signal.
final class DelayedSignals: Sendable {
    struct Entry {
        let connection: ClientConnection
        let due: Int64
    }

    static let shared = DelayedSignals()

    private let pending = Locked([ConnectionID: Entry]())
    private let wake = WakeSignal()
    private let started = Locked(false)

    /// Asks for `connection`'s held signal to be flushed at `due` (monotonic ms). A later
    /// request for the same connection replaces the earlier one.
    func schedule(_ connection: ClientConnection, at due: Int64) {
        pending.withLock { $0[connection.id] = Entry(connection: connection, due: due) }
        startIfNeeded()
        wake.signal()
    }

    private func startIfNeeded() {
        let start = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        guard start else { return }
        let running = spawnThread(name: "signals", stackSize: 128 * 1024) { [self] in run() }
        if !running { started.withLock { $0 = false } }
    }

    private func run() {
        while true {
            let now = MonotonicClock.milliseconds
            let (due, next) = pending.withLock { pending -> ([Entry], Int64?) in
                let due = pending.values.filter { $0.due <= now }
                for entry in due { pending.removeValue(forKey: entry.connection.id) }
                return (due, pending.values.map { $0.due }.min())
            }
            for entry in due {
                entry.connection.flushHeldSignal()
            }
            let wait = next.map { Int(max(1, $0 - now)) } ?? 60_000
            _ = wake.wait(milliseconds: wait)
        }
    }
}
