import PCSCTypes
import PCSCWire

/// The client side of the `CMD_VERSION` exchange.
///
/// The client offers 4:6. A strict daemon (pcsc-lite 1.9.9 accepts exactly 4:4, 2.3.x
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

    /// The versions this client speaks, newest first.
    static let supported: [ProtocolVersion] = [.v4_6, .v4_5, .v4_4]

    private(set) var offered: [ProtocolVersion] = []

    var firstRequest: ProtocolVersion { Self.supported[0] }

    mutating func handle(reply: VersionMessage, to request: ProtocolVersion) -> Step {
        offered.append(request)

        guard let error = PCSCError(code: reply.rv) else {
            return .accepted(negotiatedVersion(request: request, reply: reply.version))
        }
        if error == .serviceStopped,
            Self.supported.contains(reply.version),
            !offered.contains(reply.version)
        {
            return .retry(reply.version)
        }
        return .rejected(error)
    }

    /// A daemon that accepts may name a newer version (a future daemon) or an older one
    /// (pcsc-lite 2.4.1 accepts 4:6 and answers 4:5); the connection uses the older of
    /// the two, so the client never sends a command the daemon lacks.
    private func negotiatedVersion(request: ProtocolVersion, reply: ProtocolVersion) -> ProtocolVersion {
        reply.major == request.major ? min(request, reply) : request
    }
}
