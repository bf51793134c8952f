import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func handshakeWithModernDaemon() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        _ = try client.listReaders(context)

        #expect(daemon.versionRequests == [.v4_6])
        #expect(daemon.count(.getReadersStateSize) == 1)
        #expect(daemon.count(.getReadersStateArray) == 1)
        #expect(daemon.count(.getReadersState) == 0)
        #expect(daemon.violations == [])
    }
}

@Test func handshakeFallsBackTo44() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        let names = try client.listReaders(context)
        var states = watching(readerName, 0x20)
        states.append(ReaderState(readerName: PCSCLimits.plugAndPlayReaderName, currentState: .unaware))

        #expect(throws: PCSCError.timeout) {
            try client.getStatusChange(context, timeout: .milliseconds(100), states: &states)
        }
        #expect(names.strings == [readerName])
        #expect(daemon.versionRequests == [.v4_6, .v4_4])
        #expect(daemon.count(.getReadersState) == 1)
        #expect(daemon.count(.waitReaderStateChange) >= 1)
        // 4:4 daemons close the connection on these commands.
        #expect(daemon.count(.getReaderEvents) == 0)
        #expect(daemon.count(.getReadersStateSize) == 0)
        #expect(daemon.violations == [])
    }
}

@Test func handshakeFallsBackTo45() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict45
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        var states = [ReaderState(readerName: PCSCLimits.plugAndPlayReaderName, currentState: ReaderStateWord(rawValue: 0x10000))]

        #expect(throws: PCSCError.timeout) {
            try client.getStatusChange(context, timeout: .milliseconds(50), states: &states)
        }
        #expect(daemon.versionRequests == [.v4_6, .v4_5])
        #expect(daemon.count(.getReaderEvents) == 1)
        #expect(daemon.count(.getReadersStateSize) == 0)
        #expect(states[0].eventState.counter == 1)
        #expect(daemon.violations == [])
    }
}

@Test func handshakeRejectsUnknownVersion() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .unknownVersion
    withFakeDaemon(behaviour: behaviour) { daemon, client in
        #expect(throws: PCSCError.serviceStopped) { try client.establishContext() }
        #expect(daemon.versionRequests == [.v4_6])
        #expect(daemon.count(.establishContext) == 0)
    }
}

@Test func handshakeRetriesAreBounded() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .rejectsAll
    withFakeDaemon(behaviour: behaviour) { daemon, client in
        #expect(throws: PCSCError.serviceStopped) { try client.establishContext() }
        #expect(daemon.versionRequests == [.v4_6, .v4_5])
    }
}

@Test func establishPassesScopeToDaemon() throws {
    withFakeDaemon { daemon, client in
        #expect(throws: PCSCError.invalidValue) { try client.establishContext(scope: .other(99)) }
        #expect(daemon.count(.establishContext) == 1)
    }
}

@Test func establishWithoutSocketFails() {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath))

    #expect(throws: PCSCError.noService) { try client.checkServiceAvailability() }
    #expect(throws: PCSCError.noService) { try client.establishContext() }
}
