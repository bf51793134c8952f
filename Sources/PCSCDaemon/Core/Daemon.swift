import PCSCTypes
import Threading

/// Limits on client resources (pcscd's -t, -s and -r options).
public struct ClientLimits: Sendable, Equatable {
    /// Simultaneous client connections; extra connections are closed at once.
    public var maxConnections = 200
    /// Card handles per connection; more give `SCARD_E_NO_MEMORY`.
    public var maxHandlesPerConnection = 200
    /// Card handles per reader; more give `SCARD_F_INTERNAL_ERROR`.
    public var maxHandlesPerReader = 200

    public init() {}
}

/// The daemon's shared state: readers, contexts, handles and event registrations.
final class Daemon: Sendable {
    let registry: ReaderRegistry
    let notifier: EventNotifier
    let handles = HandleAllocator()
    let limits: ClientLimits
    /// The busy-polling policy of the connection threads (`--busy-poll`).
    let requestPolling: RequestPolling
    /// The owning connection of each context, for `SCARD_CANCEL` from another connection.
    private let contexts = Locked([UInt32: ClientConnection]())
    /// Open connections, to name the client that holds a card in log lines.
    private let connections = Locked([ConnectionID: ClientConnection]())

    init(limits: ClientLimits, requestPolling: RequestPolling = RequestPolling()) {
        let notifier = EventNotifier()
        self.notifier = notifier
        self.limits = limits
        self.requestPolling = requestPolling
        self.registry = ReaderRegistry(onChange: { notifier.signalAll() })
    }

    func registerContext(_ context: UInt32, connection: ClientConnection) {
        contexts.withLock { $0[context] = connection }
    }

    func unregisterContext(_ context: UInt32) {
        contexts.withLock { _ = $0.removeValue(forKey: context) }
        handles.release(context)
    }

    func connection(forContext context: UInt32) -> ClientConnection? {
        contexts.withLock { $0[context] }
    }

    func connectionOpened(_ connection: ClientConnection) {
        connections.withLock { $0[connection.id] = connection }
    }

    func connectionClosed(_ connection: ClientConnection) {
        connections.withLock { _ = $0.removeValue(forKey: connection.id) }
    }

    /// Describes a connection for a log line, such as "client 7 (pid 812 scdaemon)".
    func describe(_ id: ConnectionID) -> String {
        connections.withLock { $0[id]?.label } ?? "client \(id) (gone)"
    }
}
