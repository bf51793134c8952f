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
        #expect(names == [readerName])
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

@Test func handshakeStartsFromAcceptedVersion() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        _ = try client.establishContext()
        _ = try client.establishContext()

        // pcsc-lite 1.9.9 logs an error for every rejected 4:6; only the first context
        // offers it.
        #expect(daemon.versionRequests == [.v4_6, .v4_4, .v4_4])
    }
}

@Test func handshakeFollowsRejectedRememberedVersion() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        _ = try client.establishContext()
        daemon.updateBehaviour { $0.versionPolicy = .strict45 }
        _ = try client.establishContext()
        _ = try client.establishContext()

        #expect(daemon.versionRequests == [.v4_6, .v4_4, .v4_4, .v4_5, .v4_5])
    }
}

@Test func handshakeOffersNewestAfterFailure() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        _ = try client.establishContext()
        daemon.updateBehaviour { $0.versionPolicy = .rejectsAll }
        #expect(throws: PCSCError.serviceStopped) { try client.establishContext() }
        daemon.updateBehaviour { $0.versionPolicy = .modern }
        _ = try client.establishContext()

        #expect(daemon.versionRequests == [.v4_6, .v4_4, .v4_4, .v4_5, .v4_6])
    }
}

@Test func handshakeOffersNewestToNewSocket() throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    let oldDaemon = FakeDaemon(path: directory.socketPath, readers: [Readers.withCard(readerName)], behaviour: behaviour)
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath))
    _ = try client.establishContext()
    oldDaemon.stop()

    let newDaemon = FakeDaemon(path: directory.socketPath, readers: [Readers.withCard(readerName)])
    defer { newDaemon.stop() }
    _ = try client.establishContext()

    #expect(oldDaemon.versionRequests == [.v4_6, .v4_4])
    #expect(newDaemon.versionRequests == [.v4_6])
}

@Test func handshakeOffersNewestAfterLostConnection() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        daemon.updateBehaviour { $0.closeOn = .getReadersState }
        #expect(throws: PCSCError.commError) { try client.listReaders(context) }
        daemon.updateBehaviour { $0.closeOn = nil }

        // The next call reconnects the context, and the daemon may be a new one.
        #expect(try client.listReaders(context) == [readerName])
        #expect(daemon.versionRequests == [.v4_6, .v4_4, .v4_6, .v4_4])
    }
}
