import Glibc
import PCSCTypes
import PCSCWire
import Threading

/// The client side of pcsc-lite: application contexts and card handles on top of the
/// daemon's UNIX-socket protocol (versions 4:4, 4:5 and 4:6), with the semantics, checks
/// and result codes of pcsc-lite's libpcsclite.
///
/// Every context has its own socket and its own lock. One context may be used from many
/// threads at once, and calls on it run one at a time (except `cancel`, `isValidContext`
/// and `validateContext`). Handles are checked in this process's tables first: a value
/// the library does not know is rejected with `SCARD_E_INVALID_HANDLE` without daemon
/// traffic.
///
/// Differences from pcsc-lite, each documented where it is implemented:
/// - A process forked after a context was created gets `SCARD_E_INVALID_HANDLE` for it
///   instead of sharing the parent's socket.
/// - A context whose daemon went away moves to a new daemon connection on its next call
///   when a daemon answers again; see `Session.ensureLive`.
/// - The version exchange offers each protocol version at most once, and starts from the
///   version the daemon accepted last; see `AcceptedVersionMemory`.
public final class PCSCClient: Sendable {
    /// The client that libpcsclite's C functions use. It reads `PCSCLITE_CSOCK_NAME` and
    /// `PCSCLITE_NO_BLOCKING` once, at the first call that needs them.
    public static let shared = PCSCClient(configurationSource: nil)

    private let configurationStorage: Locked<ClientConfiguration?>
    let table = Locked(HandleTable())
    let acceptedVersion = Locked(AcceptedVersionMemory())

    /// Creates a client with its own tables and a fixed configuration (tests, or programs that
    /// talk to a daemon at another path).
    public convenience init(configuration: ClientConfiguration) {
        self.init(configurationSource: configuration)
    }

    private init(configurationSource: ClientConfiguration?) {
        configurationStorage = Locked(configurationSource)
    }

    /// The configuration in use; for `shared`, read from the environment on first use.
    public var configuration: ClientConfiguration {
        configurationStorage.withLock { stored in
            if let stored { return stored }
            let configuration = ClientConfiguration.fromEnvironment()
            stored = configuration
            return configuration
        }
    }

    // MARK: Lookups

    /// Finds a live context of this process.
    func contextRecord(_ handle: ContextHandle) throws(PCSCError) -> ContextRecord {
        guard let record = table.withLock({ $0.context(handle) }) else { throw .invalidHandle }
        try rejectForkedChild(record)
        return record
    }

    /// pcsc-lite lets a forked child keep using its parent's contexts, which interleaves
    /// both processes' messages on the one socket they share. Here the child gets
    /// `SCARD_E_INVALID_HANDLE` and must establish its own context. The check happens
    /// before any per-context lock, which another parent thread may have held at the
    /// moment of the fork.
    func rejectForkedChild(_ record: ContextRecord) throws(PCSCError) {
        if record.belongsToOtherProcess { throw .invalidHandle }
    }

    /// Runs `body` under the context's lock.
    func withSession<Result: Sendable>(
        _ record: ContextRecord, _ body: (inout Session) throws(PCSCError) -> Result
    ) throws(PCSCError) -> Result {
        try record.session.withLock { (session: inout Session) throws(PCSCError) -> Result in
            guard !session.isReleased else { throw .invalidHandle }
            return try body(&session)
        }
    }

    /// Runs `body` under the lock of the context that owns `card`.
    func withCard<Result: Sendable>(
        _ card: CardHandle, _ body: (inout Session, CardBinding) throws(PCSCError) -> Result
    ) throws(PCSCError) -> Result {
        guard let record = table.withLock({ $0.owner(of: card) }) else { throw .invalidHandle }
        try rejectForkedChild(record)
        return try withSession(record) { (session: inout Session) throws(PCSCError) -> Result in
            // Another thread may have disconnected the card while this one waited.
            guard let binding = session.cards[card] else { throw .invalidHandle }
            return try body(&session, binding)
        }
    }

    /// Repeats `attempt` every 100 ms while the daemon reports a sharing violation, when
    /// `always` is set or the configuration blocks. The context lock is released between
    /// attempts, so other threads can use the context meanwhile.
    func retryingOnSharingViolation<Result>(
        always: Bool = false, isSharingViolation: (Result) -> Bool,
        _ attempt: () throws(PCSCError) -> Result
    ) throws(PCSCError) -> Result {
        let blocks = always || configuration.blocksOnSharingViolation
        while true {
            let result: Result
            do {
                result = try attempt()
            } catch where error == .sharingViolation && blocks {
                usleep(sharingViolationRetryMicroseconds)
                continue
            }
            guard blocks, isSharingViolation(result) else { return result }
            usleep(sharingViolationRetryMicroseconds)
        }
    }
}
