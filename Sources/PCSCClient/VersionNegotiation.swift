import PCSCTypes
import PCSCWire

/// The client side of the `CMD_VERSION` exchange.
///
/// The client offers 4:6, or the version the daemon accepted last (see
/// `AcceptedVersionMemory`). A strict daemon (pcsc-lite 1.9.9 accepts exactly 4:4, 2.3.x
/// exactly 4:5) answers `SCARD_E_SERVICE_STOPPED` with its own version; the client then
/// offers that version once on the same socket. Each minor is offered at most once, so a
/// daemon cannot keep the client in a loop (pcsc-lite 2.4.1 and later retry without bound).
struct VersionNegotiation {
    /// The outcome of one daemon reply.
    enum Step: Equatable {
        /// Offer this version next, on the same socket.
        case retry(ProtocolVersion)
        /// Use this version for the connection.
        case accepted(ProtocolVersion)
        /// Give up with this code (usually `SCARD_E_SERVICE_STOPPED`).
        case rejected(PCSCError)
    }

    /// The newest version this client speaks, offered first to a daemon it has not met.
    static let newest = ProtocolVersion.v4_6

    /// The minors offered so far on this socket, bit n for 4:n. A bit set rather than an
    /// array, because the first `[ProtocolVersion]` of a process costs about 30 000
    /// instructions of generic metadata instantiation (callgrind, SCardEstablishContext).
    private var offeredMinors: UInt32 = 0

    /// True for the versions this client speaks: 4:4, 4:5 and 4:6.
    static func isSupported(_ version: ProtocolVersion) -> Bool {
        version.major == 4 && version.minor >= 4 && version.minor <= 6
    }

    /// True when `version` was offered on this socket.
    func hasOffered(_ version: ProtocolVersion) -> Bool {
        Self.isSupported(version) && offeredMinors & Self.bit(version) != 0
    }

    mutating func handle(reply: VersionMessage, to request: ProtocolVersion) -> Step {
        if Self.isSupported(request) {
            offeredMinors |= Self.bit(request)
        }

        guard let error = PCSCError(code: reply.rv) else {
            return .accepted(negotiatedVersion(request: request, reply: reply.version))
        }
        if error == .serviceStopped, Self.isSupported(reply.version), !hasOffered(reply.version) {
            return .retry(reply.version)
        }
        return .rejected(error)
    }

    private static func bit(_ version: ProtocolVersion) -> UInt32 {
        1 << UInt32(version.minor)
    }

    /// A daemon that accepts may name a newer version (a future daemon) or an older one
    /// (pcsc-lite 2.4.1 accepts 4:6 and answers 4:5); the connection uses the older of
    /// the two, so the client never sends a command the daemon lacks.
    private func negotiatedVersion(request: ProtocolVersion, reply: ProtocolVersion) -> ProtocolVersion {
        reply.major == request.major ? min(request, reply) : request
    }
}
