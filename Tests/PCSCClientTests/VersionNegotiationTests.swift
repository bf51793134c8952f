import PCSCTypes
import PCSCWire
import Testing

@testable import PCSCClient

private func reply(_ minor: Int32, _ rv: PCSCError? = nil) -> VersionMessage {
    VersionMessage(version: ProtocolVersion(major: 4, minor: minor), rv: rv?.rawValue ?? 0)
}

@Test func negotiationAcceptsModernDaemon() {
    var negotiation = VersionNegotiation()

    #expect(VersionNegotiation.newest == .v4_6)
    #expect(negotiation.handle(reply: reply(6), to: .v4_6) == .accepted(.v4_6))
}

@Test func negotiationFallsBackToStrictDaemon() {
    var negotiation = VersionNegotiation()

    #expect(negotiation.handle(reply: reply(4, .serviceStopped), to: .v4_6) == .retry(.v4_4))
    #expect(negotiation.handle(reply: reply(4), to: .v4_4) == .accepted(.v4_4))
}

@Test func negotiationUsesOlderAcceptedVersion() {
    var negotiation = VersionNegotiation()

    // pcsc-lite 2.4.1 accepts any minor from 4 and replies with 4:5.
    #expect(negotiation.handle(reply: reply(5), to: .v4_6) == .accepted(.v4_5))
}

@Test func negotiationRejectsUnknownVersion() {
    var negotiation = VersionNegotiation()

    #expect(negotiation.handle(reply: reply(7, .serviceStopped), to: .v4_6) == .rejected(.serviceStopped))
}

@Test func negotiationOffersEachMinorOnce() {
    var negotiation = VersionNegotiation()

    #expect(negotiation.handle(reply: reply(5, .serviceStopped), to: .v4_6) == .retry(.v4_5))
    #expect(negotiation.handle(reply: reply(5, .serviceStopped), to: .v4_5) == .rejected(.serviceStopped))
    #expect(negotiation.hasOffered(.v4_6))
    #expect(negotiation.hasOffered(.v4_5))
    #expect(!negotiation.hasOffered(.v4_4))
}

@Test func negotiationPassesOtherErrors() {
    var negotiation = VersionNegotiation()

    #expect(negotiation.handle(reply: reply(4, .securityViolation), to: .v4_6) == .rejected(.securityViolation))
}
