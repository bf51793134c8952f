import PCSCTypes
import PCSCWire

/// The part of `getStatusChange` that needs no I/O: the up-front name check and the passes
/// over the request, with the reader count that the plug-and-play entry compares against.
struct StatusChangePass {
    /// Number of readers at the start of the call, updated when the plug-and-play entry
    /// reports a change.
    var knownReaderCount: Int

    init(readers: ReaderArray) {
        knownReaderCount = readers.readerCount
    }

    /// Returns false when a requested name is neither a reader nor the plug-and-play
    /// entry. pcsc-lite checks every entry here, `SCARD_STATE_IGNORE` ones included.
    static func allNamesKnown(_ states: [ReaderState], readers: ReaderArray) -> Bool {
        states.allSatisfy { readers.index(named: $0.readerName) != nil || $0.isPlugAndPlay }
    }

    /// The index of the plug-and-play entry that receives the reader counter at the start
    /// of the call: pcsc-lite takes the last one when a request names it twice.
    static func plugAndPlayIndex(_ states: [ReaderState], readers: ReaderArray) -> Int? {
        states.indices.last { states[$0].isPlugAndPlay && readers.index(named: states[$0].readerName) == nil }
    }

    /// Evaluates every entry that is not ignored against `readers`; returns true when any
    /// entry changed. `readerEvents` fetches the daemon's reader counter, or returns nil
    /// when the protocol has none or the request failed.
    mutating func run(states: inout [ReaderState], readers: ReaderArray, readerEvents: () -> UInt32?) -> Bool {
        var anyChanged = false
        for index in states.indices where !states[index].isIgnored {
            let result = evaluate(states[index], readers: readers, readerEvents: readerEvents)
            states[index].eventState = ReaderStateWord(rawValue: result.eventState)
            if let atr = result.atr {
                states[index].atr = atr
            }
            anyChanged = anyChanged || result.changed
        }
        return anyChanged
    }

    private mutating func evaluate(_ state: ReaderState, readers: ReaderArray, readerEvents: () -> UInt32?) -> ReaderStateTransition.Result {
        let current = state.currentState.rawValue
        if let index = readers.index(named: state.readerName) {
            return ReaderStateTransition.reader(current: current, previousEvent: state.eventState.rawValue, entry: readers.entry(at: index))
        }
        guard state.isPlugAndPlay else {
            return ReaderStateTransition.vanishedReader(current: current)
        }

        let count = readers.readerCount
        let countChanged = count != knownReaderCount
        knownReaderCount = count
        return ReaderStateTransition.plugAndPlayPass(
            previousEvent: state.eventState.rawValue,
            readerCountChanged: countChanged,
            readerEvents: countChanged ? readerEvents() : nil)
    }
}
