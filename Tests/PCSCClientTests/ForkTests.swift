import Glibc
import PCSCClient
import PCSCTypes
import Testing

/// Exit codes of the forked child, one per failed check.
private enum ChildResult: Int32 {
    case passed = 0
    case parentContextUsable = 10
    case parentCardUsable = 11
    case ownContextFailed = 12
}

@Test func forkedChildCannotUseParentContext() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let child = fork()
        if child == 0 {
            _exit(runChild(client, context: context, card: card).rawValue)
        }
        var status: Int32 = 0
        waitpid(child, &status, 0)

        #expect(child > 0)
        #expect(status & 0x7F == 0, "child killed by signal \(status & 0x7F)")
        #expect((status >> 8) & 0xFF == ChildResult.passed.rawValue)
        // The parent's context is untouched.
        #expect(try client.listReaders(context) == [readerName])
        #expect(daemon.count(.establishContext) == 2)
    }
}

/// The child's checks: the parent's handles are invalid without any traffic on the
/// shared socket, and a context of its own works.
private func runChild(_ client: PCSCClient, context: ContextHandle, card: CardHandle) -> ChildResult {
    guard caughtError({ () throws(PCSCError) in _ = try client.listReaders(context) }) == .invalidHandle else {
        return .parentContextUsable
    }
    guard caughtError({ () throws(PCSCError) in _ = try client.status(card) }) == .invalidHandle else {
        return .parentCardUsable
    }
    guard let own = try? client.establishContext(), (try? client.listReaders(own)) != nil else {
        return .ownContextFailed
    }
    return .passed
}
