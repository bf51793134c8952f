import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func listReadersSendsSizeAndArrayTogether() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()

        #expect(try client.listReaders(context) == [readerName])
        #expect(daemon.queuedBehind == [Command.getReadersStateSize.code])
        #expect(daemon.count(.getReadersStateArray) == 1)
    }
}

@Test func registrationSendsThreeRequestsTogether() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { daemon, client in
        let context = try client.establishContext()
        var states = watching(readerName, 0x10)

        #expect(throws: PCSCError.timeout) {
            try client.getStatusChange(context, timeout: .milliseconds(20), states: &states)
        }
        #expect(daemon.queuedBehind == [Command.waitReaderStateChange.code, Command.getReadersStateSize.code])
        #expect(daemon.violations == [])
    }
}

@Test func fixedArrayDaemonGetsOneRequest() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()

        #expect(try client.listReaders(context) == [readerName])
        #expect(daemon.queuedBehind == [])
        #expect(daemon.count(.getReadersState) == 1)
    }
}
