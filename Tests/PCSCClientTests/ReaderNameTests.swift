import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

/// A FRIENDLYNAME in Latin-1, as pcsc-lite's reader.conf allows: byte 0xE9 is "é" there and
/// invalid as UTF-8.
let latin1Name = ReaderName(bytes: Array("Lecteur ".utf8) + [0xE9] + Array(" Latin1".utf8))

/// A 127-byte name that ends with the first byte of the two-byte UTF-8 "é" (0xC3 0xA9), as
/// pcscd leaves a long name that it cuts to fit its 128-byte field. Decoding it as UTF-8
/// replaces 0xC3 with three bytes, which makes the name 129 bytes long.
let cutName = ReaderName(bytes: Array(String(repeating: "x", count: 126).utf8) + [0xC3])

/// Both non-UTF-8 names, for the tests that run once per name.
let nonUTF8Names = [latin1Name, cutName]

@Test(arguments: nonUTF8Names)
func listKeepsNonUTF8Bytes(name: ReaderName) throws {
    try withFakeDaemon(readers: [Readers.withCard(name), Readers.empty("Other")]) { _, client in
        let context = try client.establishContext()

        let names = try client.listReaders(context)

        #expect(names.count == 2)
        #expect(names.first?.bytes == name.bytes)
        #expect(MultiString(readerNames: names).bytes == name.bytes + [0] + Array("Other".utf8) + [0, 0])
    }
}

@Test(arguments: nonUTF8Names)
func connectWithListedNonUTF8Name(name: ReaderName) throws {
    try withFakeDaemon(readers: [Readers.withCard(name)]) { daemon, client in
        let context = try client.establishContext()
        let listed = try client.listReaders(context)
        try #require(listed.count == 1)

        let card = try connectedCard(client, context, listed[0])
        let status = try client.status(card)

        #expect(status.readerName.bytes == name.bytes)
        #expect(status.stateWord == CardStateFlags([.present, .powered, .negotiable]).rawValue)
        #expect(status.atr == Readers.atr)
        #expect(daemon.count(.connect) == 1)
    }
}

@Test(arguments: nonUTF8Names)
func connectWithOriginalNonUTF8Bytes(name: ReaderName) throws {
    try withFakeDaemon(readers: [Readers.withCard(name)]) { _, client in
        let context = try client.establishContext()

        let card = try connectedCard(client, context, ReaderName(bytes: name.bytes))
        let status = try client.status(card)

        #expect(status.readerName.bytes == name.bytes)
    }
}

@Test func connectMatchesNameByteForByte() throws {
    let other = ReaderName(bytes: Array("Lecteur ".utf8) + [0xE8] + Array(" Latin1".utf8))
    try withFakeDaemon(readers: [Readers.empty(other), Readers.withCard(latin1Name)]) { _, client in
        let context = try client.establishContext()

        let card = try connectedCard(client, context, latin1Name)
        let outcome = try client.connect(context, readerName: other, shareMode: .known(.shared), preferredProtocols: .any)

        #expect(try client.status(card).readerName == latin1Name)
        #expect(outcome == .failed(.noSmartCard, reportedCard: 0, reportedProtocol: []))
    }
}

@Test(arguments: nonUTF8Names)
func statusChangeFindsNonUTF8Name(name: ReaderName) throws {
    try withFakeDaemon(readers: [Readers.withCard(name, sharing: 1)]) { _, client in
        let context = try client.establishContext()
        var states = watching(name, 0)

        try client.getStatusChange(context, timeout: .milliseconds(0), states: &states)

        #expect(states[0].readerName.bytes == name.bytes)
        #expect(states[0].eventState.rawValue == 0x122)
        #expect(!states[0].eventState.flags.contains(.unknown))
        #expect(states[0].atr == Readers.atr)
    }
}

@Test func readerNameEndsAtFirstNul() {
    let name = ReaderName(bytes: [0x41, 0xE9, 0, 0x42])

    #expect(name.bytes == [0x41, 0xE9])
    #expect(name == ReaderName(bytes: [0x41, 0xE9]))
    #expect(ReaderName("A\u{0}B").bytes == [0x41])
}

@Test func readerNameFromStringIsUTF8() {
    let name: ReaderName = "Lecteur é"

    #expect(name.bytes == Array("Lecteur ".utf8) + [0xC3, 0xA9])
    #expect(name == ReaderName("Lecteur é"))
    #expect(name.description == "Lecteur é")
    #expect(latin1Name.description == "Lecteur \u{FFFD} Latin1")
}

@Test func statusCopyKeepsNonUTF8Bytes() {
    let whole = TruncatedCopy.cString(latin1Name, capacity: 100)
    let cut = TruncatedCopy.cString(latin1Name, capacity: 9)

    #expect(whole.bytes == latin1Name.bytes + [0])
    #expect(!whole.isTruncated)
    #expect(cut.bytes == Array("Lecteur ".utf8) + [0xE9])
    #expect(cut.isTruncated)
}
