import PCSCTypes
import PCSCWire
import Testing
import Threading

@testable import PCSCDaemon

@Suite struct ReaderSlotTests {
    let counter = ChangeCounter()
    let device = FakeReaderDevice()
    let registry: ReaderRegistry

    init() {
        let counter = self.counter
        registry = ReaderRegistry(onChange: { counter.increment() })
        registry.add(device)
    }

    var slot: ReaderSlot { registry.slot(named: "Fake Reader 00 00")! }

    @Test func insertedCardIsPoweredAndPublished() {
        let entry = slot.entry
        #expect(entry.name == "Fake Reader 00 00")
        #expect(entry.readerState == [.present, .powered, .negotiable])
        #expect(entry.atr == FakeSlotDriver.dualProtocolATR)
        #expect(entry.eventCounter == 0)
        #expect(entry.cardProtocol == [])
        #expect(registry.readerEvents == 2)
    }

    @Test func connectPrefersT1() throws {
        let active = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        #expect(active == .t1)
        #expect(device.fakeSlots[0].state.withLock { $0.selectedProtocol } == .t1)
        #expect(slot.entry.sharing == 1)
        #expect(slot.entry.cardProtocol == .t1)
    }

    @Test func laterConnectMustAcceptActiveProtocol() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .t1, connection: 1)
        #expect(throws: PCSCError.protocolMismatch) {
            try slot.connect(card: 11, mode: .shared, preferred: .t0, connection: 2)
        }
        #expect(try slot.connect(card: 12, mode: .shared, preferred: .any, connection: 2) == .t1)
    }

    @Test func directConnectNeedsNoCard() throws {
        device.fakeSlots[0].remove()
        slot.refreshPresence()
        #expect(slot.entry.readerState == .absent)
        #expect(try slot.connect(card: 10, mode: .direct, preferred: [], connection: 1) == [])
        #expect(throws: PCSCError.noSmartCard) {
            try slot.connect(card: 11, mode: .shared, preferred: .any, connection: 1)
        }
    }

    @Test func removalAndInsertionCountEvents() throws {
        device.fakeSlots[0].remove()
        slot.refreshPresence()
        #expect(slot.entry.eventCounter == 1)
        device.fakeSlots[0].insert()
        slot.refreshPresence()
        #expect(slot.entry.eventCounter == 2)
        #expect(slot.entry.readerState == [.present, .powered, .negotiable])
    }

    @Test func insertionCountsWithNewState() throws {
        device.fakeSlots[0].remove()
        slot.refreshPresence()
        let slot = self.slot
        let seen = Locked<[ReaderStateEntry]>([])
        device.fakeSlots[0].powerUpObserver.withLock { $0 = { seen.withLock { $0.append(slot.entry) } } }
        device.fakeSlots[0].insert()
        slot.refreshPresence()

        let during = seen.withLock { $0 }
        #expect(during.count == 1)
        #expect(during.first?.eventCounter == 1)
        #expect(during.first?.readerState == .absent)
        #expect(slot.entry.eventCounter == 2)
        #expect(slot.entry.readerState == [.present, .powered, .negotiable])
    }

    @Test func removalIsReportedToHandles() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        device.fakeSlots[0].remove()
        slot.refreshPresence()
        #expect(throws: PCSCError.removedCard) { try slot.status(card: 10) }
        #expect(throws: PCSCError.removedCard) { try slot.transmit(card: 10, sendProtocol: .t1, apdu: [0]) }
        device.fakeSlots[0].insert()
        slot.refreshPresence()
        #expect(throws: PCSCError.removedCard) { try slot.status(card: 10) }
        _ = try slot.reconnect(card: 10, mode: .shared, preferred: .any, initialization: .leave)
        try slot.status(card: 10)
    }

    @Test func transmitChecksProtocol() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        #expect(try slot.transmit(card: 10, sendProtocol: .t1, apdu: [1, 2]) == [2, 1, 0x90, 0x00])
        #expect(throws: PCSCError.protocolMismatch) { try slot.transmit(card: 10, sendProtocol: .t0, apdu: [1]) }
        #expect(try slot.transmit(card: 10, sendProtocol: .raw, apdu: [3]) == [3, 0x90, 0x00])
    }

    @Test func resetByOneHandleIsSeenByOthers() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        _ = try slot.connect(card: 11, mode: .shared, preferred: .any, connection: 2)
        _ = try slot.reconnect(card: 10, mode: .shared, preferred: .any, initialization: .reset)
        try slot.status(card: 10)
        #expect(throws: PCSCError.resetCard) { try slot.status(card: 11) }
        #expect(device.fakeSlots[0].state.withLock { $0.resets } == 1)
    }

    @Test func endTransactionWithResetMarksCaller() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        try slot.beginTransaction(card: 10)
        try slot.endTransaction(card: 10, disposition: .reset)
        #expect(throws: PCSCError.resetCard) { try slot.status(card: 10) }
    }

    @Test func transactionBlocksOtherHandles() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        _ = try slot.connect(card: 11, mode: .shared, preferred: .any, connection: 2)
        try slot.beginTransaction(card: 10)
        #expect(throws: PCSCError.sharingViolation) { try slot.transmit(card: 11, sendProtocol: .t1, apdu: [0]) }
        #expect(throws: PCSCError.sharingViolation) { try slot.status(card: 11) }
        #expect(throws: PCSCError.sharingViolation) { try slot.beginTransaction(card: 11) }
        try slot.endTransaction(card: 10, disposition: .leave)
        try slot.beginTransaction(card: 11)
    }

    @Test func droppedOwnerResetsCard() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        _ = try slot.connect(card: 11, mode: .shared, preferred: .any, connection: 2)
        try slot.beginTransaction(card: 10)
        slot.dropHandles(of: 1)
        #expect(throws: PCSCError.resetCard) { try slot.status(card: 11) }
        #expect(slot.entry.sharing == 1)
    }

    @Test func disconnectUnpowerLeavesCardPresentOnly() throws {
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        try slot.disconnect(card: 10, disposition: .unpower)
        #expect(slot.entry.readerState == .present)
        #expect(try slot.connect(card: 11, mode: .shared, preferred: .any, connection: 1) == .t1)
        #expect(slot.entry.readerState == [.present, .powered, .negotiable])
    }

    @Test func friendlyNameAttributeFromDaemon() throws {
        _ = try slot.connect(card: 10, mode: .direct, preferred: [], connection: 1)
        #expect(try slot.attribute(card: 10, id: .deviceFriendlyName) == Array("Fake Reader 00 00".utf8) + [0])
        #expect(try slot.attribute(card: 10, id: .atrString) == FakeSlotDriver.dualProtocolATR)
        #expect(throws: PCSCError.unsupportedFeature) { try slot.attribute(card: 10, id: .vendorName) }
    }

    @Test func idleCardIsPoweredDown() throws {
        let fake = device.fakeSlots[0]
        _ = try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        slot.powerOffIfIdle(now: MonotonicClock.milliseconds + 60_000)
        #expect(fake.state.withLock { $0.powered }, "a card in use must keep its power")

        try slot.disconnect(card: 10, disposition: .leave)
        slot.powerOffIfIdle(now: MonotonicClock.milliseconds + 1000)
        #expect(fake.state.withLock { $0.powered }, "powered down before the grace time")
        slot.powerOffIfIdle(now: MonotonicClock.milliseconds + ReaderSlot.idlePowerOffMilliseconds + 1)
        #expect(!fake.state.withLock { $0.powered })
        #expect(slot.entry.readerState == [.present, .powered, .negotiable])
        #expect(slot.entry.cardProtocol == [])

        let powerUps = fake.state.withLock { $0.powerUps }
        #expect(try slot.connect(card: 11, mode: .shared, preferred: .any, connection: 1) == .t1)
        #expect(fake.state.withLock { $0.powerUps } == powerUps + 1)
    }

    @Test func muteCardIsSwallowed() throws {
        device.fakeSlots[0].remove()
        slot.refreshPresence()
        device.fakeSlots[0].state.withLock { $0.mute = true }
        device.fakeSlots[0].insert()
        slot.refreshPresence()
        #expect(slot.entry.readerState == [.present, .swallowed])
        #expect(throws: PCSCError.unpoweredCard) {
            try slot.connect(card: 10, mode: .shared, preferred: .any, connection: 1)
        }
    }
}

@Suite struct ReaderRegistryTests {
    @Test func namesAndIndexes() {
        let registry = ReaderRegistry(onChange: {})
        let first = FakeReaderDevice(name: "Fake Reader", slotCount: 2)
        let second = FakeReaderDevice(name: "Fake Reader", slotCount: 1)
        registry.add(first)
        registry.add(second)
        let names = registry.entries(count: 16).filter { !$0.isEmpty }.map(\.name)
        #expect(names == ["Fake Reader 00 00", "Fake Reader 00 01", "Fake Reader 01 00"])
        #expect(registry.readerEvents == 3)

        registry.remove(first)
        #expect(registry.entries(count: 16)[0].isEmpty)
        #expect(registry.readerEvents == 4)
        let third = FakeReaderDevice(name: "Other", slotCount: 1)
        registry.add(third)
        #expect(registry.entries(count: 16)[0].name == "Other 00 00")
        #expect(registry.capacity == 16)
    }

    @Test func longNamesAreCut() {
        let registry = ReaderRegistry(onChange: {})
        registry.add(FakeReaderDevice(name: String(repeating: "n", count: 200)))
        let name = registry.entries(count: 1)[0].name
        #expect(name.utf8.count == 127)
        #expect(name.hasSuffix(" 00 00"))
    }

    @Test func capacityGrowsPast16() {
        let registry = ReaderRegistry(onChange: {})
        for index in 0..<20 {
            registry.add(FakeReaderDevice(name: "R\(index)"))
        }
        #expect(registry.capacity == 20)
        // Every fake reader has the same driver, so the numbers count up.
        #expect(registry.entries(count: 20)[19].name == "R19 13 00")
    }
}
