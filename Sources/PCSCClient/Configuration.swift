import Glibc
import PCSCWire

/// The client's settings: the daemon's socket path, the sharing-violation retry and the
/// busy polling of replies.
public struct ClientConfiguration: Sendable, Equatable {
    /// The path pcsc-lite 1.9.9 uses when `PCSCLITE_CSOCK_NAME` is not set.
    public static let defaultSocketPath = "/run/pcscd/pcscd.comm"
    /// How long a read of a reply polls before it sleeps, when `PCSCLITE_BUSY_POLL` is not
    /// set. It covers a fast daemon's reply together with the daemon thread's own wake-up.
    public static let defaultBusyPollMicroseconds = 100

    /// The daemon's UNIX socket.
    public var socketPath: String
    /// Whether `reconnect`, `status` and `transmit` wait and retry every 100 ms while the
    /// daemon replies `SCARD_E_SHARING_VIOLATION`. `beginTransaction` always retries.
    public var blocksOnSharingViolation: Bool
    /// How long a read of a reply polls the socket before it sleeps (`BusyPoll`), in
    /// microseconds; 0 turns polling off.
    public var busyPollMicroseconds: Int

    public init(
        socketPath: String = defaultSocketPath,
        blocksOnSharingViolation: Bool = true,
        busyPollMicroseconds: Int = defaultBusyPollMicroseconds
    ) {
        self.socketPath = socketPath
        self.blocksOnSharingViolation = blocksOnSharingViolation
        self.busyPollMicroseconds = busyPollMicroseconds
    }

    /// Reads `PCSCLITE_CSOCK_NAME` and `PCSCLITE_NO_BLOCKING` with plain `getenv`, as
    /// pcsc-lite 1.9.9 does (so they also apply to setuid programs). Any value of
    /// `PCSCLITE_NO_BLOCKING`, even an empty one, turns the retry off.
    /// `PCSCLITE_BUSY_POLL`, which only this library reads, sets `busyPollMicroseconds`.
    /// A value that is not a whole number from 0 to 10 000 is ignored, because a library
    /// has no place to report it.
    public static func fromEnvironment() -> ClientConfiguration {
        var configuration = ClientConfiguration()
        if let path = getenv("PCSCLITE_CSOCK_NAME") {
            // NOTE: a path that is not valid UTF-8 is repaired here and then not found.
            configuration.socketPath = String(cString: path)
        }
        if getenv("PCSCLITE_NO_BLOCKING") != nil {
            configuration.blocksOnSharingViolation = false
        }
        if let text = getenv("PCSCLITE_BUSY_POLL"), let microseconds = parseBusyPoll(text) {
            configuration.busyPollMicroseconds = microseconds
        }
        return configuration
    }
}

/// Parses a `PCSCLITE_BUSY_POLL` value: decimal digits only, at most
/// `BusyPoll.maximumWindowMicroseconds`. Returns nil for anything else.
func parseBusyPoll(_ text: UnsafePointer<CChar>) -> Int? {
    var value = 0
    var pointer = text
    guard pointer.pointee != 0 else { return nil }
    while pointer.pointee != 0 {
        let digit = Int(pointer.pointee) - 48
        guard digit >= 0 && digit <= 9 else { return nil }
        value = value * 10 + digit
        guard value <= BusyPoll.maximumWindowMicroseconds else { return nil }
        pointer += 1
    }
    return value
}

/// The pause between two attempts while the daemon reports a sharing violation
/// (`PCSCLITE_LOCK_POLL_RATE` in pcsc-lite), in microseconds.
let sharingViolationRetryMicroseconds: UInt32 = 100_000
