import PCSCTypes
import Testing

@testable import PCSCClient

@Test func multiStringOfThreeReaders() {
    let names = ["Fake Reader 00 00", "Fake Reader 00 01", "Fake Reader 01 00"]
    let list = MultiString(names)

    #expect(list.length == 55)
    #expect(list.bytes.filter { $0 == 0 }.count == 4)
    #expect(list.bytes.suffix(2) == [0, 0])
    #expect(list.bytes[17] == 0)
}

@Test func emptyMultiStringIsOneByte() {
    #expect(MultiString([]).bytes == [0])
    #expect(MultiString.emptyLength == 1)
}

@Test func readerGroupsAreDefaultReaders() {
    let groups = MultiString.readerGroups

    #expect(groups.length == 22)
    #expect(groups.bytes == Array("SCard$DefaultReaders".utf8) + [0, 0])
}

@Test func multiStringBufferRules() {
    #expect(BufferFill.forMultiString(needed: 55, capacity: nil) == .lengthOnly)
    #expect(BufferFill.forMultiString(needed: 55, capacity: 5) == .tooSmall)
    #expect(BufferFill.forMultiString(needed: 55, capacity: 54) == .tooSmall)
    #expect(BufferFill.forMultiString(needed: 55, capacity: 55) == .copy)
    #expect(BufferFill.forMultiString(needed: 55, capacity: UInt.max) == .copy)
}

@Test func readerNameCopyLikeStrncpy() {
    let short = TruncatedCopy.cString("Reader", capacity: 3)
    let exact = TruncatedCopy.cString("Reader", capacity: 7)
    let large = TruncatedCopy.cString("Reader", capacity: 100)
    let none = TruncatedCopy.cString("Reader", capacity: 0)

    #expect(short.bytes == Array("Rea".utf8))
    #expect(short.isTruncated)
    #expect(exact.bytes == Array("Reader".utf8) + [0])
    #expect(!exact.isTruncated)
    #expect(large.bytes == Array("Reader".utf8) + [0])
    #expect(!large.isTruncated)
    #expect(none.bytes == [])
    #expect(none.isTruncated)
}

@Test func atrCopyTakesPrefix() {
    let atr: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]

    #expect(TruncatedCopy.bytes(atr, capacity: 2) == TruncatedCopy(bytes: [0x3B, 0x80], isTruncated: true))
    #expect(TruncatedCopy.bytes(atr, capacity: 33) == TruncatedCopy(bytes: atr, isTruncated: false))
}

@Test func statusWordCombinesCounter() {
    let status = CardStatus(
        readerName: "R", state: [.present, .powered, .negotiable], eventCounter: 2, cardProtocol: .t1, atr: [])

    #expect(status.stateWord == 0x20034)
}

@Test func timeoutFromCValue() {
    #expect(StatusChangeTimeout(milliseconds: 0xFFFF_FFFF) == .infinite)
    #expect(StatusChangeTimeout(milliseconds: UInt.max) == .infinite)
    #expect(StatusChangeTimeout(milliseconds: 700) == .milliseconds(700))
    #expect(StatusChangeTimeout(milliseconds: 0x1_0000_0000) == .milliseconds(0x1_0000_0000))
}

@Test func stateWordSplitsFlagsAndCounter() {
    let word = ReaderStateWord(rawValue: 0x20012)

    #expect(word.flags == [.empty, .changed])
    #expect(word.counter == 2)
    #expect(ReaderStateWord(flags: .present, counter: 1).rawValue == 0x10020)
}

@Test func daemonValidatedKeepsRawValues() {
    #expect(DaemonValidated<ShareMode>(rawValue: 2) == .known(.shared))
    #expect(DaemonValidated<ShareMode>(rawValue: 7) == .other(7))
    #expect(DaemonValidated<Disposition>(rawValue: 9).rawValue == 9)
}
