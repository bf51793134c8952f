import PCSCTypes
import Threading

/// Connections waiting for the next reader event (`CMD_WAIT_READER_STATE_CHANGE`).
///
/// Registrations are one-shot: an event signals every registered connection and empties
/// the list. After each registration exactly one 8-byte message reaches the connection:
/// the event signal, a cancel signal, or the reply to its STOP request.
final class EventNotifier: Sendable {
    private let registered = Locked([ConnectionID: ClientConnection]())

    func register(_ connection: ClientConnection) {
        registered.withLock { $0[connection.id] = connection }
    }

    /// Removes a registration; returns false when it was already consumed by a signal.
    func unregister(_ connection: ClientConnection) -> Bool {
        registered.withLock { $0.removeValue(forKey: connection.id) != nil }
    }

    /// Signals every registered connection that something changed.
    func signalAll() {
        let waiting = registered.withLock { table -> [ClientConnection] in
            let connections = Array(table.values)
            table.removeAll()
            return connections
        }
        for connection in waiting {
            connection.deliverSignal(rv: 0)
        }
    }

    /// Cancels the wait of `connection`; returns false when it was not waiting.
    func cancel(_ connection: ClientConnection) -> Bool {
        guard unregister(connection) else { return false }
        connection.deliverSignal(rv: PCSCError.cancelled.rawValue)
        return true
    }
}
