import Glibc
import PCSCTypes
import PCSCWire
import Threading

/// A card handle's link to the daemon: the daemon's card number on one connection.
struct CardBinding: Sendable {
    var daemonCard: UInt32
    /// The name the application passed to `connect`; `status` looks the reader up by it.
    let readerName: ReaderName
    /// The connection generation the daemon card number belongs to.
    var generation: Int
}

/// The wait state of a context's `getStatusChange`, which `cancel` reads.
enum WaitState: Sendable {
    /// Not waiting: `cancel` succeeds without doing anything.
    case idle
    /// Waiting for the daemon's event signal: `cancel` sends the daemon, on a fresh
    /// connection, a cancel request for this daemon context.
    case waitingOnDaemon(daemonContext: UInt32)
    /// Waiting for a restarted daemon to accept connections: `cancel` sets the flag, and the waiting
    /// call returns `SCARD_E_CANCELLED` at its next check.
    case waitingForDaemon(cancelRequested: Bool)
}

/// The state of one context that calls change. Only touched under the context's lock.
struct Session: ~Copyable, Sendable {
    let scope: UInt32
    /// The socket to the daemon; nil after a transport failure closed it.
    var connection: DaemonConnection?
    var daemonContext: UInt32
    /// Incremented each time the context moves to a new daemon connection. Card handles
    /// of older generations belong to a daemon that is gone.
    var generation = 0
    var cards = CardBindings()
    var isReleased = false

    init(scope: UInt32, connection: DaemonConnection, daemonContext: UInt32) {
        self.scope = scope
        self.connection = connection
        self.daemonContext = daemonContext
    }

    /// Runs requests on the connection. A transport failure closes the connection,
    /// because the byte stream is out of step after it, and throws the failure's code.
    mutating func run<Result>(_ body: (inout DaemonConnection) throws(TransportFailure) -> Result) throws(PCSCError) -> Result {
        guard connection != nil else { throw .noService }
        do {
            return try body(&connection!)
        } catch {
            dropConnection()
            throw error.code
        }
    }

    mutating func dropConnection() {
        connection?.close()
        connection = nil
    }

    /// True when the connection is closed or the daemon closed its end.
    var connectionIsGone: Bool {
        connection.map { $0.isHungUp } ?? true
    }

    /// True when the card handle belongs to a connection that has been replaced.
    func isOrphaned(_ binding: CardBinding) -> Bool {
        binding.generation != generation
    }
}

/// One application context, shared by all threads that use it. Its `session` lock is held for the whole of every call except `cancel`, `isValidContext` and
/// `freeMemory`, as pcsc-lite's per-context mutex is.
final class ContextRecord: Sendable {
    let handle: ContextHandle
    /// The fork generation of the process that created the context. A forked child finds
    /// the record in its copy of the tables but must not use the shared socket.
    let ownerForkGeneration: Int
    let session: Locked<Session>
    let waitState = Locked<WaitState>(.idle)

    init(handle: ContextHandle, session: consuming Session) {
        self.handle = handle
        ownerForkGeneration = ForkGeneration.current
        self.session = Locked(session)
    }

    /// True in a process forked after the context was created.
    var belongsToOtherProcess: Bool {
        ForkGeneration.current != ownerForkGeneration
    }
}
