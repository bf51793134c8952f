import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func connectStatusDisconnect() throws {
    try withFakeDaemon(readers: [Readers.withCard(readerName, counter: 2)]) { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let status = try client.status(card)
        try client.disconnect(card, disposition: .known(.leave))

        #expect(card.rawValue > 0)
        #expect(status.readerName == readerName)
        #expect(status.stateWord == 0x20034)
        #expect(status.cardProtocol == .t1)
        #expect(status.atr == Readers.atr)
        #expect(daemon.count(.status) == 1)
        #expect(throws: PCSCError.invalidHandle) { try client.status(card) }
    }
}

@Test func connectUnknownReaderReportsOutputs() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()

        let outcome = try client.connect(context, readerName: "Missing", shareMode: .known(.shared), preferredProtocols: .any)

        #expect(outcome == .failed(.unknownReader, reportedCard: 0, reportedProtocol: []))
    }
}

@Test func connectReaderNameLengthLimit() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let tooLong = ReaderName(String(repeating: "r", count: 129))
        let longest = ReaderName(String(repeating: "r", count: 128))

        #expect(throws: PCSCError.invalidValue) {
            try client.connect(context, readerName: tooLong, shareMode: .known(.shared), preferredProtocols: .any)
        }
        // Checked before the context: an unknown context still gets INVALID_VALUE.
        #expect(throws: PCSCError.invalidValue) {
            try client.connect(ContextHandle(rawValue: 3), readerName: tooLong, shareMode: .known(.shared), preferredProtocols: .any)
        }
        let outcome = try client.connect(context, readerName: longest, shareMode: .known(.shared), preferredProtocols: .any)

        #expect(outcome == .failed(.unknownReader, reportedCard: 0, reportedProtocol: []))
        #expect(daemon.count(.connect) == 1)
    }
}

@Test func statusOfVanishedReader() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)
        daemon.setReaders([])

        #expect(throws: PCSCError.readerUnavailable) { try client.status(card) }
    }
}

@Test func statusPassesPendingRemoval() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)
        daemon.updateBehaviour { $0.statusResult = PCSCError.removedCard.rawValue }

        #expect(throws: PCSCError.removedCard) { try client.status(card) }
    }
}

@Test func disconnectWithInvalidDispositionKeepsHandle() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        #expect(throws: PCSCError.invalidValue) { try client.disconnect(card, disposition: .other(9)) }
        #expect(try client.status(card).readerName == readerName)
    }
}

@Test func transmitEchoesAPDU() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)
        let apdu: [UInt8] = [0x00, 0xA4, 0x04, 0x00]

        let outcome = try client.transmit(card, sendPCI: .t1, command: apdu, receivePCI: nil, receiveCapacity: 258)

        #expect(outcome == .response(apdu + [0x90, 0x00], receivePCI: .anyProtocol))
    }
}

@Test func transmitReportsNeededLength() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)
        let apdu = [UInt8](repeating: 0x11, count: 7)

        let outcome = try client.transmit(card, sendPCI: .t1, command: apdu, receivePCI: .t1, receiveCapacity: 3)

        #expect(outcome == .failed(.insufficientBuffer, reportedLength: 9))
    }
}

@Test func transmitRejectsOversizedCommand() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)
        let apdu = [UInt8](repeating: 0, count: PCSCLimits.maxBufferSizeExtended + 1)

        #expect(throws: PCSCError.insufficientBuffer) {
            try client.transmit(card, sendPCI: .t1, command: apdu, receivePCI: nil, receiveCapacity: 10)
        }
        #expect(daemon.count(.transmit) == 0)
    }
}

@Test func transmitClampsCapacityTo32Bits() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let outcome = try client.transmit(card, sendPCI: .t1, command: [0x01], receivePCI: nil, receiveCapacity: UInt.max)

        #expect(outcome == .response([0x01, 0x90, 0x00], receivePCI: .anyProtocol))
    }
}

@Test func rogueTransmitLengthIsRejected() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.transmit = { _ in
        FakeDaemon.DataReply(rv: 0, length: 1000, data: [UInt8](repeating: 0xEE, count: 1000))
    }
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let outcome = try client.transmit(card, sendPCI: .t1, command: [0x01], receivePCI: nil, receiveCapacity: 10)

        #expect(outcome == .failed(.insufficientBuffer, reportedLength: 1000))
        // The surplus data was drained: the next reply is read in step, on the same socket.
        #expect(try client.status(card).readerName == readerName)
        #expect(daemon.connectionCount == 1)
    }
}

@Test func rogueTransmitHugeLengthDropsConnection() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.transmit = { _ in FakeDaemon.DataReply(rv: 0, length: 0x7FFF_FFFF, data: []) }
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let outcome = try client.transmit(card, sendPCI: .t1, command: [0x01], receivePCI: nil, receiveCapacity: 10)

        #expect(outcome == .failed(.insufficientBuffer, reportedLength: 0x7FFF_FFFF))
        #expect(try client.listReaders(context) == [readerName])
        #expect(daemon.connectionCount == 2)
    }
}

@Test func controlRoundTrip() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let response = try client.control(card, code: .getFeatureRequest, command: [1, 2, 3], receiveCapacity: 100)
        let tooSmall = try client.control(card, code: .getFeatureRequest, command: [1, 2, 3], receiveCapacity: 2)

        #expect(response == .response([3, 2, 1]))
        #expect(tooSmall == .failed(.insufficientBuffer, reportedLength: 3))
    }
}

@Test func getAttributeCapacityRules() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        #expect(throws: PCSCError.insufficientBuffer) {
            try client.getAttribute(card, id: .vendorName, capacity: 300)
        }
        #expect(daemon.count(.getAttrib) == 0)
        #expect(try client.getAttribute(card, id: .vendorName, capacity: 264) == .value(Array("FakeVendor\0".utf8)))
        #expect(try client.getAttribute(card, id: .vendorName, capacity: 4) == .truncated(prefix: Array("Fake".utf8), length: 11))
    }
}

@Test func setAttributeRules() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        #expect(throws: PCSCError.invalidParameter) { try client.setAttribute(card, id: .vendorName, value: [UInt8]()) }
        #expect(throws: PCSCError.insufficientBuffer) {
            try client.setAttribute(card, id: .vendorName, value: [UInt8](repeating: 1, count: 265))
        }
        try client.setAttribute(card, id: .vendorName, value: [1, 2, 3])

        #expect(daemon.setAttributes == [[1, 2, 3]])
    }
}

@Test func transmitWaitsOutSharingViolation() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.sharingViolations = 3
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)
        var outcome: TransmitOutcome?

        let elapsed = try measureMilliseconds {
            outcome = try client.transmit(card, sendPCI: .t1, command: [0x01], receivePCI: nil, receiveCapacity: 10)
        }

        #expect(outcome == .response([0x01, 0x90, 0x00], receivePCI: .anyProtocol))
        #expect(elapsed >= 290)
        #expect(daemon.count(.transmit) == 4)
    }
}

@Test func transmitWithoutBlockingReturnsViolation() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.sharingViolations = 1
    try withFakeDaemon(behaviour: behaviour, blocking: false) { _, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let outcome = try client.transmit(card, sendPCI: .t1, command: [0x01], receivePCI: nil, receiveCapacity: 10)

        #expect(outcome == .failed(.sharingViolation, reportedLength: 0))
    }
}

@Test func beginTransactionAlwaysWaits() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.sharingViolations = 2
    try withFakeDaemon(behaviour: behaviour, blocking: false) { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        try client.beginTransaction(card)
        try client.endTransaction(card, disposition: .known(.leave))

        #expect(daemon.count(.beginTransaction) == 3)
        #expect(daemon.count(.endTransaction) == 1)
    }
}

@Test func reconnectRetriesOnViolation() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.sharingViolations = 1
    try withFakeDaemon(behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        let card = try connectedCard(client, context)

        let outcome = try client.reconnect(card, shareMode: .known(.shared), preferredProtocols: .any, initialization: .known(.reset))

        #expect(outcome == .reconnected(activeProtocol: .t1))
        #expect(daemon.count(.reconnect) == 2)
    }
}
