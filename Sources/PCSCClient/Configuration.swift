import Glibc

/// The client's settings: the daemon's socket path and the sharing-violation retry.
public struct ClientConfiguration: Sendable, Equatable {
    /// The path pcsc-lite 1.9.9 uses when `PCSCLITE_CSOCK_NAME` is not set.
    public static let defaultSocketPath = "/run/pcscd/pcscd.comm"

    /// The daemon's UNIX socket.
    public var socketPath: String
    /// Whether `reconnect`, `status` and `transmit` wait and retry every 100 ms while the
    /// daemon replies `SCARD_E_SHARING_VIOLATION`. `beginTransaction` always retries.
    public var blocksOnSharingViolation: Bool

    public init(socketPath: String = defaultSocketPath, blocksOnSharingViolation: Bool = true) {
        self.socketPath = socketPath
        self.blocksOnSharingViolation = blocksOnSharingViolation
    }

    /// Reads `PCSCLITE_CSOCK_NAME` and `PCSCLITE_NO_BLOCKING` with plain `getenv`, as
    /// pcsc-lite 1.9.9 does (so they also apply to setuid programs). Any value of
    /// `PCSCLITE_NO_BLOCKING`, even an empty one, turns the retry off.
    public static func fromEnvironment() -> ClientConfiguration {
        var configuration = ClientConfiguration()
        if let path = getenv("PCSCLITE_CSOCK_NAME") {
            // NOTE: a path that is not valid UTF-8 is repaired here and then not found.
            configuration.socketPath = String(cString: path)
        }
        if getenv("PCSCLITE_NO_BLOCKING") != nil {
            configuration.blocksOnSharingViolation = false
        }
        return configuration
    }
}

/// The pause between two attempts while the daemon reports a sharing violation
/// (`PCSCLITE_LOCK_POLL_RATE` in pcsc-lite), in microseconds.
let sharingViolationRetryMicroseconds: UInt32 = 100_000
