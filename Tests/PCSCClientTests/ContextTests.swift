import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func listReadersInSlotOrder() throws {
    let readers = [Readers.empty("B 00 00"), .empty, Readers.withCard("A 00 00"), .empty, Readers.empty("C 00 00")]
    try withFakeDaemon(readers: readers) { _, client in
        let context = try client.establishContext()

        #expect(try client.listReaders(context) == ["B 00 00", "A 00 00", "C 00 00"])
    }
}

@Test func listReadersWithoutReaders() throws {
    try withFakeDaemon(readers: []) { _, client in
        let context = try client.establishContext()

        #expect(throws: PCSCError.noReadersAvailable) { try client.listReaders(context) }
    }
}

@Test func moreThanSixteenReadersWith46() throws {
    let readers = (0..<20).map { Readers.empty(ReaderName("Reader \($0)")) }
    try withFakeDaemon(readers: readers) { _, client in
        let context = try client.establishContext()

        #expect(try client.listReaders(context).count == 20)
    }
}

@Test func sixteenReadersVisibleWith44() throws {
    let readers = (0..<20).map { Readers.empty(ReaderName("Reader \($0)")) }
    var behaviour = FakeDaemon.Behaviour()
    behaviour.versionPolicy = .strict44
    try withFakeDaemon(readers: readers, behaviour: behaviour) { _, client in
        let context = try client.establishContext()

        #expect(try client.listReaders(context).count == 16)
    }
}

@Test func unknownContextWithoutTraffic() {
    withFakeDaemon { daemon, client in
        let stranger = ContextHandle(rawValue: 0x1234)
        let commandsBefore = daemon.commands.count

        #expect(throws: PCSCError.invalidHandle) { try client.listReaders(stranger) }
        #expect(throws: PCSCError.invalidHandle) { try client.validateContext(stranger) }
        #expect(throws: PCSCError.invalidHandle) { try client.releaseContext(stranger) }
        #expect(throws: PCSCError.invalidHandle) { try client.cancel(stranger) }
        #expect(throws: PCSCError.invalidHandle) { try client.status(CardHandle(rawValue: 0)) }
        #expect(daemon.commands.count == commandsBefore)
        #expect(daemon.connectionCount == 0)
    }
}

@Test func releasedContextIsInvalid() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        try client.releaseContext(context)

        #expect(daemon.count(.releaseContext) == 1)
        #expect(throws: PCSCError.invalidHandle) { try client.validateContext(context) }
        #expect(throws: PCSCError.invalidHandle) { try client.listReaders(context) }
    }
}

@Test func releaseDropsCardHandles() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        guard case .connected(let card, _) = try client.connect(
            context, readerName: readerName, shareMode: .known(.shared), preferredProtocols: .any)
        else {
            Issue.record("connect failed")
            return
        }
        try client.releaseContext(context)

        #expect(throws: PCSCError.invalidHandle) { try client.status(card) }
    }
}

@Test func handleValuesFitInt32() throws {
    try withFakeDaemon { _, client in
        let contexts = try (0..<8).map { _ in try client.establishContext() }

        #expect(Set(contexts).count == 8)
        #expect(contexts.allSatisfy { $0.rawValue > 0 && $0.rawValue <= Int(Int32.max) })
    }
}

@Test func readerGroupsNeedValidContext() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let commandsBefore = daemon.commands.count

        #expect(try client.listReaderGroups(context) == MultiString.readerGroups)
        #expect(daemon.commands.count == commandsBefore)
        #expect(throws: PCSCError.invalidHandle) { try client.listReaderGroups(ContextHandle(rawValue: 5)) }
    }
}

@Test func contextStaysValidAfterDaemonStops() throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let daemon = FakeDaemon(path: directory.socketPath, readers: [Readers.empty(readerName)])
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath))
    let context = try client.establishContext()

    daemon.stop()

    #expect(throws: Never.self) { try client.validateContext(context) }
    #expect(throws: PCSCError.noService) { try client.listReaders(context) }
    #expect(throws: PCSCError.noService) { try client.releaseContext(context) }
    #expect(throws: PCSCError.invalidHandle) { try client.validateContext(context) }
}

@Test func concurrentCallsOnOneContext() throws {
    let readers = [Readers.empty("A"), Readers.withCard("B")]
    try withFakeDaemon(readers: readers) { daemon, client in
        let context = try client.establishContext()
        let failures = ResultCounter()

        let threads = (0..<4).map { _ in
            TestThread {
                for _ in 0..<50 where (try? client.listReaders(context)) != ["A", "B"] {
                    failures.increment()
                }
            }
        }
        threads.forEach { $0.join() }

        #expect(failures.value == 0)
        #expect(daemon.connectionCount == 1)
    }
}
