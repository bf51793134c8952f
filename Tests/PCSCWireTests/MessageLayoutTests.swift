import PCSCTypes
import Testing

@testable import PCSCWire

/// Reads the little-endian 32-bit value at `offset`.
private func field(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
        | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}

@Test func structSizesMatchPcscLite() {
    #expect(VersionMessage.size == 12)
    #expect(EstablishContextMessage.size == 12)
    #expect(ReleaseContextMessage.size == 8)
    #expect(ConnectMessage.size == 152)
    #expect(ReconnectMessage.size == 24)
    #expect(DisconnectMessage.size == 12)
    #expect(BeginTransactionMessage.size == 8)
    #expect(TransmitMessage.size == 32)
    #expect(ControlMessage.size == 24)
    #expect(CancelMessage.size == 8)
    #expect(AttributeMessage.size == 280)
    #expect(WaitReaderStateChangeMessage.size == 8)
    #expect(ReaderEventsMessage.size == 8)
    #expect(ReaderStateEntry.size == 184)
}

@Test func encodedLengthsEqualDeclaredSizes() {
    #expect(VersionMessage(version: .v4_4).encoded.count == VersionMessage.size)
    #expect(EstablishContextMessage(scope: 0).encoded.count == EstablishContextMessage.size)
    #expect(ConnectMessage(context: 1, readerName: "r", shareMode: 2, preferredProtocols: 3).encoded.count == 152)
    #expect(ReconnectMessage(card: 1, shareMode: 2, preferredProtocols: 3, initialization: 0).encoded.count == 24)
    #expect(TransmitMessage(card: 1, sendPCIProtocol: 2, sendPCILength: 16, sendLength: 5,
                            receivePCIProtocol: 2, receivePCILength: 16, receiveLength: 258).encoded.count == 32)
    #expect(ControlMessage(card: 1, controlCode: 2, sendLength: 0, receiveLength: 0).encoded.count == 24)
    #expect(AttributeMessage(card: 1, attributeID: 2, value: [1], length: 1).encoded.count == 280)
    #expect(ReaderStateEntry.empty.encoded.count == 184)
}

@Test func connectFieldOffsets() {
    var message = ConnectMessage(context: 0x1111_1111, readerName: "Reader 00 00", shareMode: 2, preferredProtocols: 3)
    message.card = 0x2222_2222
    message.activeProtocol = 2
    message.rv = 0x8010_000B
    let bytes = message.encoded
    #expect(field(bytes, at: 0) == 0x1111_1111)
    #expect(Array(bytes[4..<16]) == Array("Reader 00 00".utf8))
    #expect(bytes[16] == 0)
    #expect(field(bytes, at: 132) == 2)
    #expect(field(bytes, at: 136) == 3)
    #expect(field(bytes, at: 140) == 0x2222_2222)
    #expect(field(bytes, at: 144) == 2)
    #expect(field(bytes, at: 148) == 0x8010_000B)
    #expect(ConnectMessage(decoding: bytes) == message)
}

@Test func connectNameIsBoundedByField() {
    var bytes = ConnectMessage(context: 1, readerName: "", shareMode: 2, preferredProtocols: 3).encoded
    for index in 4..<132 { bytes[index] = UInt8(ascii: "A") }
    let decoded = ConnectMessage(decoding: bytes)
    #expect(decoded.readerName.utf8.count == 128)
}

@Test func connectNameKeepsNonUTF8Bytes() {
    let name = Array("Lecteur ".utf8) + [0xE9]
    let bytes = ConnectMessage(context: 1, readerName: ReaderName(bytes: name), shareMode: 2, preferredProtocols: 3).encoded

    #expect(Array(bytes[4..<13]) == name)
    #expect(bytes[13] == 0)
    #expect(ReaderName(bytes: ConnectMessage(decoding: bytes).readerNameField).bytes == name)
}

@Test func readerEntryNameKeepsNonUTF8Bytes() {
    let name = Array("Lecteur ".utf8) + [0xE9]
    let entry = ReaderStateEntry(name: ReaderName(bytes: name), eventCounter: 0, readerState: [.absent], sharing: 0, atr: [], cardProtocol: [])

    #expect(Array(entry.nameField.prefix(10)) == name + [0])
    #expect(entry.nameField.count == ReaderStateEntry.nameSize)
}

@Test func connectNameIsCutToFitTerminator() {
    let long = String(repeating: "x", count: 200)
    let message = ConnectMessage(context: 1, readerName: long, shareMode: 2, preferredProtocols: 3)
    #expect(message.readerName.utf8.count == 127)
}

@Test func attributeFieldOffsets() {
    let message = AttributeMessage(card: 7, attributeID: 0x0009_0303, value: [0x3B, 0x80], length: 2)
    let bytes = message.encoded
    #expect(field(bytes, at: 4) == 0x0009_0303)
    #expect(bytes[8] == 0x3B)
    #expect(field(bytes, at: 272) == 2)
    #expect(AttributeMessage(decoding: bytes).value == [0x3B, 0x80])
}

@Test func readerStateEntryLayout() {
    let entry = ReaderStateEntry(
        name: "Fake Reader 00 00", eventCounter: 2, readerState: [.present, .powered, .negotiable],
        sharing: -1, atr: [0x3B, 0x80, 0x80, 0x01, 0x01], cardProtocol: .t1)
    let bytes = entry.encoded
    #expect(field(bytes, at: 128) == 2)
    #expect(field(bytes, at: 132) == 0x34)
    #expect(field(bytes, at: 136) == 0xFFFF_FFFF)
    #expect(Array(bytes[140..<145]) == [0x3B, 0x80, 0x80, 0x01, 0x01])
    #expect(Array(bytes[173..<176]) == [0, 0, 0])
    #expect(field(bytes, at: 176) == 5)
    #expect(field(bytes, at: 180) == 2)
    let decoded = ReaderStateEntry(decoding: bytes)
    #expect(decoded == entry)
    #expect(decoded.name == "Fake Reader 00 00")
}

@Test func readerStateATRLengthIsClamped() {
    var entry = ReaderStateEntry.empty
    entry.atrLength = ReaderStateEntry.atrLengthNotInitialized
    #expect(entry.atr.count == 33)
    #expect(entry.isEmpty)
}

@Test func readerStateArrayRoundTrip() {
    let entries = [
        ReaderStateEntry(name: "A 00 00", eventCounter: 1, readerState: .absent, sharing: 0, atr: [], cardProtocol: []),
        ReaderStateEntry.empty,
    ]
    let bytes = ReaderStateEntry.encodeArray(entries)
    #expect(bytes.count == 368)
    #expect(ReaderStateEntry.decodeArray(bytes, count: 2) == entries)
}

@Test func headerSizesPerCommand() {
    #expect(RequestHeader(command: .connect).size == 152)
    #expect(RequestHeader(command: .getReadersState).size == 0)
    #expect(RequestHeader(command: .waitReaderStateChange).size == 0)
    #expect(RequestHeader(command: .getAttrib).size == 280)
    #expect(RequestHeader(command: .version).encoded == [12, 0, 0, 0, 0x11, 0, 0, 0])
}

@Test func versionOrdering() {
    #expect(ProtocolVersion.v4_4 < .v4_5)
    #expect(ProtocolVersion.v4_5.usesFixedReaderArray)
    #expect(!ProtocolVersion.v4_6.usesFixedReaderArray)
}

@Test func stringifyMatchesPcscLite() {
    #expect(PCSCError.stringify(0) == "Command successful.")
    #expect(PCSCError.stringify(0x8010_0008) == "Insufficient buffer.")
    #expect(PCSCError.stringify(0x8010_0018) == "Unknown error: 0x80100018")
    #expect(PCSCError.stringify(0x12345) == "Unknown error: 0x00012345")
    #expect(PCSCError.unsupportedFeature.description == "SCARD_E_UNSUPPORTED_FEATURE")
}
