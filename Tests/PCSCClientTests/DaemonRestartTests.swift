import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

/// A daemon path with a first daemon, and a client connected to it.
private struct RestartSetup {
    let directory = TemporaryDirectory()
    let client: PCSCClient
    var daemon: FakeDaemon

    init(readers: [ReaderStateEntry] = [Readers.withCard(readerName)]) {
        daemon = FakeDaemon(path: directory.socketPath, readers: readers)
        client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath))
    }

    /// Stops the daemon and starts a new one on the same path.
    mutating func restart(
        readers: [ReaderStateEntry] = [Readers.withCard(readerName)],
        behaviour: FakeDaemon.Behaviour = FakeDaemon.Behaviour()
    ) {
        daemon.stop()
        daemon = FakeDaemon(path: directory.socketPath, readers: readers, behaviour: behaviour)
    }

    func tearDown() {
        daemon.stop()
        directory.remove()
    }
}

@Test func contextSurvivesDaemonRestart() throws {
    var setup = RestartSetup()
    defer { setup.tearDown() }
    let context = try setup.client.establishContext()

    setup.restart(readers: [Readers.empty("New Reader 00 00")])

    #expect(try setup.client.listReaders(context) == ["New Reader 00 00"])
    #expect(setup.daemon.versionRequests == [.v4_6])
    #expect(setup.daemon.count(.establishContext) == 1)
    try setup.client.releaseContext(context)
    #expect(setup.daemon.count(.releaseContext) == 1)
}

@Test func cardHandleAfterRestartReportsRemoval() throws {
    var setup = RestartSetup()
    defer { setup.tearDown() }
    let context = try setup.client.establishContext()
    let card = try connectedCard(setup.client, context)

    setup.restart()

    let outcome = try setup.client.transmit(card, sendPCI: .t1, command: [1], receivePCI: nil, receiveCapacity: 10)
    #expect(outcome == .failed(.removedCard, reportedLength: 0))
    #expect(throws: PCSCError.removedCard) { try setup.client.status(card) }
    #expect(throws: PCSCError.removedCard) { try setup.client.beginTransaction(card) }
    #expect(throws: PCSCError.removedCard) { try setup.client.getAttribute(card, id: .vendorName, capacity: 264) }
    #expect(setup.daemon.count(.transmit) == 0)
}

@Test func reconnectRebindsOrphanedHandle() throws {
    var setup = RestartSetup()
    defer { setup.tearDown() }
    let context = try setup.client.establishContext()
    let card = try connectedCard(setup.client, context)

    setup.restart()

    #expect(throws: PCSCError.invalidValue) {
        try setup.client.reconnect(card, shareMode: .known(.shared), preferredProtocols: .any, initialization: .known(.eject))
    }
    let outcome = try setup.client.reconnect(card, shareMode: .known(.shared), preferredProtocols: .any, initialization: .known(.reset))
    let response = try setup.client.transmit(card, sendPCI: .t1, command: [1], receivePCI: nil, receiveCapacity: 10)

    #expect(outcome == .reconnected(activeProtocol: .t1))
    #expect(setup.daemon.count(.connect) == 1)
    #expect(response == .response([1, 0x90, 0x00], receivePCI: .anyProtocol))
}

@Test func reconnectOrphanToVanishedReader() throws {
    var setup = RestartSetup()
    defer { setup.tearDown() }
    let context = try setup.client.establishContext()
    let card = try connectedCard(setup.client, context)

    setup.restart(readers: [])

    let outcome = try setup.client.reconnect(card, shareMode: .known(.shared), preferredProtocols: .any, initialization: .known(.leave))
    #expect(outcome == .failed(.readerUnavailable, reportedProtocol: []))
}

@Test func disconnectOrphanedHandleSucceeds() throws {
    let setup = RestartSetup()
    defer { setup.tearDown() }
    let context = try setup.client.establishContext()
    let card = try connectedCard(setup.client, context)

    setup.daemon.stop()
    try setup.client.disconnect(card, disposition: .known(.leave))

    #expect(throws: PCSCError.invalidHandle) { try setup.client.status(card) }
}

@Test func releaseAfterRestartSucceeds() throws {
    var setup = RestartSetup()
    defer { setup.tearDown() }
    let context = try setup.client.establishContext()

    setup.restart()
    try setup.client.releaseContext(context)

    #expect(throws: PCSCError.invalidHandle) { try setup.client.validateContext(context) }
}

@Test func statusChangeSurvivesRestart() throws {
    var setup = RestartSetup(readers: [Readers.empty(readerName)])
    defer { setup.tearDown() }
    let client = setup.client
    let context = try client.establishContext()
    let result = SharedResult<UInt32>()
    let error = SharedResult<PCSCError>()

    let waiter = TestThread {
        var states = watching(readerName, 0x10)
        if let failure = caughtError({ () throws(PCSCError) in
            try client.getStatusChange(context, timeout: .milliseconds(5000), states: &states)
        }) {
            error.set(failure)
        }
        result.set(states[0].eventState.rawValue)
    }
    #expect(setup.daemon.waitForRegistration())
    setup.daemon.stop()
    sleepMilliseconds(400)
    setup.daemon = FakeDaemon(path: setup.directory.socketPath, readers: [Readers.withCard(readerName, counter: 1)])
    waiter.join()

    #expect(error.value == nil)
    #expect(result.value == 0x10022)
}

@Test func cancelWhileWaitingForDaemon() throws {
    let setup = RestartSetup(readers: [Readers.empty(readerName)])
    defer { setup.tearDown() }
    let client = setup.client
    let context = try client.establishContext()
    let error = SharedResult<PCSCError>()

    let waiter = TestThread {
        var states = watching(readerName, 0x10)
        error.set(caughtError { () throws(PCSCError) in
            try client.getStatusChange(context, timeout: .infinite, states: &states)
        } ?? .internalError)
    }
    #expect(setup.daemon.waitForRegistration())
    setup.daemon.stop()
    sleepMilliseconds(300)
    try client.cancel(context)
    waiter.join()

    #expect(error.value == .cancelled)
}

@Test func statusChangeGivesUpOnRefusingDaemon() throws {
    var setup = RestartSetup(readers: [Readers.empty(readerName)])
    defer { setup.tearDown() }
    let client = setup.client
    let context = try client.establishContext()
    let error = SharedResult<PCSCError>()

    let waiter = TestThread {
        var states = watching(readerName, 0x10)
        error.set(caughtError { () throws(PCSCError) in
            try client.getStatusChange(context, timeout: .infinite, states: &states)
        } ?? .internalError)
    }
    #expect(setup.daemon.waitForRegistration())
    var refusing = FakeDaemon.Behaviour()
    refusing.resetOn = .version
    setup.restart(behaviour: refusing)
    waiter.join()

    // An infinite wait ends: the new daemon refuses every connection. One of the four
    // refused attempts may have reached the old daemon while it was stopping.
    #expect(error.value == .commError)
    #expect(setup.daemon.count(.version) >= 3)
}
