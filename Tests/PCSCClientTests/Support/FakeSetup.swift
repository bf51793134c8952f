import PCSCClient
import PCSCTypes
import PCSCWire

/// The reader most tests use.
let readerName: ReaderName = "Fake Reader 00 00"

/// Runs `body` with a fake daemon on a private socket and a client configured for it;
/// stops the daemon and removes the directory afterwards.
func withFakeDaemon(
    readers: [ReaderStateEntry] = [Readers.withCard(readerName)],
    behaviour: FakeDaemon.Behaviour = FakeDaemon.Behaviour(),
    blocking: Bool = true,
    _ body: (FakeDaemon, PCSCClient) throws -> Void
) rethrows {
    let directory = TemporaryDirectory()
    let daemon = FakeDaemon(path: directory.socketPath, readers: readers, behaviour: behaviour)
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath, blocksOnSharingViolation: blocking))
    defer {
        daemon.stop()
        directory.remove()
    }
    try body(daemon, client)
}

extension Command {
    var code: UInt32 { rawValue }
}

extension FakeDaemon {
    /// Number of received commands with this code.
    func count(_ command: Command) -> Int {
        commands.filter { $0 == command.rawValue }.count
    }
}

/// A `getStatusChange` request for one reader.
func watching(_ name: ReaderName, _ current: UInt32) -> [ReaderState] {
    [ReaderState(readerName: name, currentState: ReaderStateWord(rawValue: current))]
}

/// Runs `body` and returns the error it threw, or nil.
func caughtError(_ body: () throws(PCSCError) -> Void) -> PCSCError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// Connects to `name` in shared mode, failing the test when the daemon refuses.
func connectedCard(_ client: PCSCClient, _ context: ContextHandle, _ name: ReaderName = readerName) throws -> CardHandle {
    let outcome = try client.connect(context, readerName: name, shareMode: .known(.shared), preferredProtocols: .any)
    guard case .connected(let card, _) = outcome else {
        throw TestFailure("connect to \(name) failed: \(outcome)")
    }
    return card
}

/// A failed precondition of a test, with its reason.
struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
