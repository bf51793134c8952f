import PCSCTypes
import PCSCWire
import Testing

@testable import PCSCClient

/// One transition case: the application's current state, the daemon's entry, and the
/// expected event state and CHANGED decision.
private struct TransitionCase: CustomTestStringConvertible, Sendable {
    let label: String
    let current: UInt32
    let entry: ReaderStateEntry
    let expectedEvent: UInt32
    let expectedChanged: Bool

    var testDescription: String { label }
}

private let exclusiveEntry = ReaderStateEntry(
    name: "R", eventCounter: 0, readerState: [.present, .powered, .negotiable], sharing: -1,
    atr: Readers.atr, cardProtocol: .t1)
private let mutedEntry = ReaderStateEntry(
    name: "R", eventCounter: 0, readerState: [.present, .swallowed], sharing: 0, atr: [], cardProtocol: [])
private let unknownStateEntry = ReaderStateEntry(
    name: "R", eventCounter: 5, readerState: [.unknown], sharing: 0, atr: [], cardProtocol: [])
private let directOnEmptyEntry = ReaderStateEntry(
    name: "R", eventCounter: 0, readerState: [.absent], sharing: 1, atr: [], cardProtocol: [])

private let transitionCases: [TransitionCase] = [
    // Values measured against pcsc-lite 1.9.9 with a fake IFD handler.
    TransitionCase(label: "present card in shared use", current: 0, entry: Readers.withCard("R", sharing: 1),
                   expectedEvent: 0x122, expectedChanged: true),
    TransitionCase(label: "empty reader", current: 0, entry: Readers.empty("R"),
                   expectedEvent: 0x12, expectedChanged: true),
    TransitionCase(label: "card held exclusively", current: 0, entry: exclusiveEntry,
                   expectedEvent: 0xA2, expectedChanged: true),
    TransitionCase(label: "insertion after empty", current: 0x12, entry: Readers.withCard("R", counter: 1),
                   expectedEvent: 0x10022, expectedChanged: true),
    TransitionCase(label: "removal after insertion", current: 0x10022, entry: Readers.empty("R", counter: 2),
                   expectedEvent: 0x20012, expectedChanged: true),
    // Steady states report no change.
    TransitionCase(label: "still empty", current: 0x10, entry: Readers.empty("R"),
                   expectedEvent: 0x10, expectedChanged: false),
    TransitionCase(label: "still present, same counter", current: 0x10020, entry: Readers.withCard("R", counter: 1),
                   expectedEvent: 0x10020, expectedChanged: false),
    // Counter in the high word.
    TransitionCase(label: "counter moved while present", current: 0x10020, entry: Readers.withCard("R", counter: 3),
                   expectedEvent: 0x30022, expectedChanged: true),
    TransitionCase(label: "zero counter in request ignores counter", current: 0x20, entry: Readers.withCard("R", counter: 3),
                   expectedEvent: 0x30020, expectedChanged: false),
    // Availability.
    TransitionCase(label: "reader state unknown", current: 0x20, entry: unknownStateEntry,
                   expectedEvent: 0x0A, expectedChanged: true),
    TransitionCase(label: "reader state unknown, app knew", current: 0x08, entry: unknownStateEntry,
                   expectedEvent: 0x08, expectedChanged: false),
    TransitionCase(label: "reader available again", current: 0x08, entry: Readers.empty("R"),
                   expectedEvent: 0x12, expectedChanged: true),
    TransitionCase(label: "reader back after vanishing", current: 0x0C, entry: Readers.empty("R"),
                   expectedEvent: 0x12, expectedChanged: true),
    // Mute cards.
    TransitionCase(label: "card swallowed", current: 0x20, entry: mutedEntry,
                   expectedEvent: 0x222, expectedChanged: true),
    TransitionCase(label: "card still mute", current: 0x220, entry: mutedEntry,
                   expectedEvent: 0x220, expectedChanged: false),
    TransitionCase(label: "card no longer mute", current: 0x220, entry: Readers.withCard("R"),
                   expectedEvent: 0x22, expectedChanged: true),
    // Sharing.
    TransitionCase(label: "in use became exclusive", current: 0x120, entry: exclusiveEntry,
                   expectedEvent: 0xA2, expectedChanged: true),
    TransitionCase(label: "exclusive became shared", current: 0xA0, entry: Readers.withCard("R", sharing: 2),
                   expectedEvent: 0x122, expectedChanged: true),
    TransitionCase(label: "in use became free", current: 0x120, entry: Readers.withCard("R"),
                   expectedEvent: 0x22, expectedChanged: true),
    TransitionCase(label: "exclusive became free", current: 0xA0, entry: Readers.withCard("R"),
                   expectedEvent: 0x22, expectedChanged: true),
    TransitionCase(label: "direct connection to empty reader", current: 0x10, entry: directOnEmptyEntry,
                   expectedEvent: 0x10, expectedChanged: false),
    // Flags the application sets but the rules never compare.
    TransitionCase(label: "atrmatch in request is no change", current: 0x60, entry: Readers.withCard("R"),
                   expectedEvent: 0x20, expectedChanged: false),
]

@Test(arguments: transitionCases)
private func readerTransition(_ testCase: TransitionCase) {
    let result = ReaderStateTransition.reader(current: testCase.current, previousEvent: 0, entry: testCase.entry)

    #expect(result.eventState == testCase.expectedEvent, "event state 0x\(hex(result.eventState, width: 8))")
    #expect(result.changed == testCase.expectedChanged)
}

@Test func presentCardCopiesATR() {
    let result = ReaderStateTransition.reader(current: 0, previousEvent: 0, entry: Readers.withCard("R"))

    #expect(result.atr == Readers.atr)
}

@Test func emptyReaderClearsATRLength() {
    let result = ReaderStateTransition.reader(current: 0x20, previousEvent: 0, entry: Readers.empty("R"))

    #expect(result.atr == [])
}

@Test func uninitialisedATRLengthIsClamped() {
    var entry = Readers.withCard("R")
    entry.atrField = Array(repeating: 0x3B, count: ReaderStateEntry.atrSize)
    entry.atrLength = ReaderStateEntry.atrLengthNotInitialized

    let result = ReaderStateTransition.reader(current: 0, previousEvent: 0, entry: entry)

    #expect(result.atr?.count == 33)
}

@Test func eventStateCarriesOverPasses() {
    // A pass that found the card present, then a pass that finds the reader empty.
    let first = ReaderStateTransition.reader(current: 0x20, previousEvent: 0, entry: Readers.withCard("R", sharing: 1))
    let second = ReaderStateTransition.reader(current: 0x20, previousEvent: first.eventState, entry: Readers.empty("R"))

    #expect(first.eventState == 0x120)
    #expect(second.eventState == 0x12)
    #expect(second.changed)
}

@Test func vanishedReaderReportsUnknown() {
    let fresh = ReaderStateTransition.vanishedReader(current: 0x20)
    let known = ReaderStateTransition.vanishedReader(current: 0x0E)

    #expect(fresh.eventState == 0x0E)
    #expect(fresh.changed)
    #expect(known.eventState == 0x0C)
    #expect(!known.changed)
}

@Test func plugAndPlayStartCounter() {
    let legacy = ReaderStateTransition.plugAndPlayStart(current: 0, readerEvents: 3)
    let same = ReaderStateTransition.plugAndPlayStart(current: 0x30000, readerEvents: 3)
    let moved = ReaderStateTransition.plugAndPlayStart(current: 0x20000, readerEvents: 3)

    #expect(legacy.eventState == 0x30000)
    #expect(!legacy.changed)
    #expect(same.eventState == 0x30000)
    #expect(!same.changed)
    #expect(moved.eventState == 0x30002)
    #expect(moved.changed)
}

@Test func plugAndPlayPassOnCountChange() {
    let unchanged = ReaderStateTransition.plugAndPlayPass(previousEvent: 0x30000, readerCountChanged: false, readerEvents: nil)
    let withCounter = ReaderStateTransition.plugAndPlayPass(previousEvent: 0x30000, readerCountChanged: true, readerEvents: 4)
    let withoutCounter = ReaderStateTransition.plugAndPlayPass(previousEvent: 0, readerCountChanged: true, readerEvents: nil)

    #expect(unchanged.eventState == 0x30000)
    #expect(!unchanged.changed)
    #expect(withCounter.eventState == 0x40002)
    #expect(withCounter.changed)
    #expect(withoutCounter.eventState == 0x02)
}

@Test func passSkipsIgnoredEntries() {
    var pass = StatusChangePass(readers: ReaderArray([Readers.empty("A")]))
    var states = [
        ReaderState(readerName: "A", currentState: ReaderStateWord(flags: .ignore), eventState: ReaderStateWord(rawValue: 0x1234)),
        ReaderState(readerName: "A", currentState: .unaware),
    ]

    let changed = pass.run(states: &states, readers: ReaderArray([Readers.empty("A")])) { nil }

    #expect(changed)
    #expect(states[0].eventState.rawValue == 0x1234)
    #expect(states[1].eventState.rawValue == 0x12)
}

@Test func unawarePlugAndPlayIsNoChange() {
    let readers = ReaderArray([Readers.empty("A")])
    var pass = StatusChangePass(readers: readers)
    var states = [ReaderState(readerName: PCSCLimits.plugAndPlayReaderName, currentState: .unaware)]

    let changed = pass.run(states: &states, readers: readers) { 7 }

    #expect(!changed)
    #expect(states[0].eventState.rawValue == 0)
}

@Test func plugAndPlaySeesReaderAdded() {
    var pass = StatusChangePass(readers: ReaderArray([Readers.empty("A")]))
    var states = [ReaderState(readerName: "\\\\?pnp?\\notification", currentState: .unaware)]

    let changed = pass.run(states: &states, readers: ReaderArray([Readers.empty("A"), Readers.empty("B")])) { 2 }

    #expect(changed)
    #expect(states[0].eventState.rawValue == 0x20002)
    #expect(pass.knownReaderCount == 2)
}

@Test func nameCheckAcceptsPlugAndPlayAnyCase() {
    let readers = ReaderArray([.empty, Readers.empty("Reader 00 00")])
    let states = [
        ReaderState(readerName: "Reader 00 00", currentState: .unaware),
        ReaderState(readerName: "\\\\?PNP?\\NOTIFICATION", currentState: .unaware),
    ]

    #expect(StatusChangePass.allNamesKnown(states, readers: readers))
    #expect(StatusChangePass.plugAndPlayIndex(states, readers: readers) == 1)
}

@Test func nameCheckRejectsUnknownReaders() {
    let readers = ReaderArray([Readers.empty("Reader 00 00")])
    let ignoredUnknown = [ReaderState(readerName: "Other", currentState: ReaderStateWord(flags: .ignore))]
    let emptyName = [ReaderState(readerName: "", currentState: .unaware)]
    let prefix = [ReaderState(readerName: "Reader 00", currentState: .unaware)]

    #expect(!StatusChangePass.allNamesKnown(ignoredUnknown, readers: readers))
    #expect(!StatusChangePass.allNamesKnown(emptyName, readers: readers))
    #expect(!StatusChangePass.allNamesKnown(prefix, readers: readers))
}

@Test func readerNamesSkipEmptySlots() {
    let readers = ReaderArray([Readers.empty("A"), .empty, Readers.withCard("B"), .empty])

    #expect(readers.readerNames == ["A", "B"])
    #expect(readers.readerCount == 2)
}
