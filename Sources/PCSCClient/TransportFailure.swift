import Glibc
import PCSCTypes
import PCSCWire

/// A failure of the socket to the daemon, already mapped to the code pcsc-lite returns.
/// After one, the byte stream can no longer be trusted and the connection is closed.
struct TransportFailure: Error, Equatable {
    let code: PCSCError

    init(_ code: PCSCError) {
        self.code = code
    }

    /// Maps a failed send as pcsc-lite's `MessageSend` does: any `send` error, `EPIPE`
    /// from a daemon that went away included, is `SCARD_E_NO_SERVICE`; a failed `poll`
    /// is `SCARD_F_COMM_ERROR`.
    static func sending(_ error: SocketError) -> TransportFailure {
        switch error {
        case .system(let call, _) where call == "poll": TransportFailure(.commError)
        case .timedOut: TransportFailure(.timeout)
        case .closed, .reset, .pathTooLong, .system: TransportFailure(.noService)
        }
    }

    /// Maps a failed receive as pcsc-lite's `MessageReceive` does: end of stream and
    /// other errors are `SCARD_F_COMM_ERROR`; `ECONNRESET`, which pcscd uses to turn a
    /// client away (polkit, too many clients), is `SCARD_W_SECURITY_VIOLATION`.
    static func receiving(_ error: SocketError) -> TransportFailure {
        switch error {
        case .reset: TransportFailure(.securityViolation)
        case .timedOut: TransportFailure(.timeout)
        case .closed, .pathTooLong, .system: TransportFailure(.commError)
        }
    }

    /// The daemon sent something no pcsc-lite daemon sends (a reader array of absurd
    /// size, say); the stream is out of step from here on.
    static let protocolViolation = TransportFailure(.commError)
}

/// Returns true when something exists at `path`; pcsc-lite checks this before it
/// connects (`SCardCheckDaemonAvailability`).
func socketPathExists(_ path: String) -> Bool {
    var information = stat()
    return stat(path, &information) == 0
}
