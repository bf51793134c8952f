import PCSCTypes
import PCSCWire

/// The rules by which `getStatusChange` turns the daemon's reader array into
/// `dwEventState` values, as pcsc-lite's client applies them (1.9.9 to 2.5.1).
///
/// The rules are transition-specific: a flag is reported CHANGED only for the transitions
/// listed here, never by a generic comparison of old and new state. ATRMATCH and UNPOWERED
/// are never produced. The event state carries over from one pass of the wait loop to the
/// next, so every function takes the previous value.
enum ReaderStateTransition {
    /// The result of one pass over one entry.
    struct Result: Equatable {
        var eventState: UInt32
        /// The new ATR, or nil when the entry's ATR stays as it was.
        var atr: [UInt8]?
        var changed: Bool
    }

    private static let unknown = ReaderStateFlags.unknown.rawValue
    private static let unavailable = ReaderStateFlags.unavailable.rawValue
    private static let changedFlag = ReaderStateFlags.changed.rawValue
    private static let empty = ReaderStateFlags.empty.rawValue
    private static let present = ReaderStateFlags.present.rawValue
    private static let mute = ReaderStateFlags.mute.rawValue
    private static let exclusive = ReaderStateFlags.exclusive.rawValue
    private static let inUse = ReaderStateFlags.inUse.rawValue
    private static let ignore = ReaderStateFlags.ignore.rawValue
    private static let atrMatch = ReaderStateFlags.atrMatch.rawValue

    /// Evaluates a reader that is in the daemon's array.
    static func reader(current: UInt32, previousEvent: UInt32, entry: ReaderStateEntry) -> Result {
        var event = previousEvent
        var changed = false

        // The reader has come back after the application saw it vanish.
        if current & unknown != 0 {
            event = (event | changedFlag) & ~unknown
            changed = true
        }

        // A non-zero counter in the request means "tell me if the card moved since then".
        if current & 0xFFFF_0000 != 0, entry.eventCounter != current >> 16 {
            event |= changedFlag
            changed = true
        }
        event = (event & 0xFFFF) | entry.eventCounter &<< 16

        applyAvailability(current: current, entry: entry, event: &event, changed: &changed)
        applyPresence(current: current, entry: entry, event: &event, changed: &changed)
        applySharing(current: current, entry: entry, event: &event, changed: &changed)

        if current == 0 {
            event |= changedFlag
            changed = true
        }

        let atr = entry.readerState.contains(.present) ? entry.atr : []
        return Result(eventState: event, atr: atr, changed: changed)
    }

    /// Evaluates a named reader that is no longer in the daemon's array.
    static func vanishedReader(current: UInt32) -> Result {
        if current & unknown != 0 {
            return Result(eventState: unknown | unavailable, atr: nil, changed: false)
        }
        return Result(eventState: unknown | unavailable | changedFlag, atr: nil, changed: true)
    }

    /// Evaluates the plug-and-play entry at the start of a call (protocol 4:5 and later):
    /// the daemon's reader add/remove counter goes to the high word, and a non-zero,
    /// different counter in the request reports a change. A zero counter in the request
    /// marks an application written before the counter existed, which never gets one.
    static func plugAndPlayStart(current: UInt32, readerEvents: UInt32) -> Result {
        var event = readerEvents &<< 16
        let previousReaderEvents = current >> 16
        let changed = previousReaderEvents != readerEvents && previousReaderEvents != 0
        if changed {
            event |= changedFlag
        }
        return Result(eventState: event, atr: nil, changed: changed)
    }

    /// Evaluates the plug-and-play entry during a pass: the entry changes when the number
    /// of readers differs from the number seen at the start of the call (or at the last
    /// change). `readerEvents` is the daemon's counter, nil before protocol 4:5.
    static func plugAndPlayPass(previousEvent: UInt32, readerCountChanged: Bool, readerEvents: UInt32?) -> Result {
        guard readerCountChanged else {
            return Result(eventState: previousEvent, atr: nil, changed: false)
        }
        var event = previousEvent
        if let readerEvents {
            event = (event & 0xFFFF) &+ (readerEvents &<< 16)
        }
        return Result(eventState: event | changedFlag, atr: nil, changed: true)
    }

    /// Reports a reader whose driver cannot tell whether a card is there (`SCARD_UNKNOWN`)
    /// as UNAVAILABLE only, which also clears the event counter.
    private static func applyAvailability(current: UInt32, entry: ReaderStateEntry, event: inout UInt32, changed: inout Bool) {
        if entry.readerState.contains(.unknown) {
            event = unavailable
            if current & unavailable == 0 {
                event |= changedFlag
                changed = true
            }
        } else if current & unavailable != 0 {
            event = (event & ~unavailable) | changedFlag
            changed = true
        }
    }

    private static func applyPresence(current: UInt32, entry: ReaderStateEntry, event: inout UInt32, changed: inout Bool) {
        if entry.readerState.contains(.absent) {
            event |= empty
            event &= ~(present | ignore | unknown | unavailable | atrMatch | mute | inUse)
            if current & present != 0 {
                event |= changedFlag
                changed = true
            }
            return
        }
        guard entry.readerState.contains(.present) else { return }

        event |= present
        event &= ~(empty | ignore | unknown | unavailable | mute)
        if current & empty != 0 {
            event |= changedFlag
            changed = true
        }

        // A card that failed to power up ("swallowed") is reported as MUTE.
        if entry.readerState.contains(.swallowed) {
            event |= mute
            if current & mute == 0 {
                event |= changedFlag
                changed = true
            }
        } else if current & mute != 0 {
            event |= changedFlag
            changed = true
        }
    }

    /// `readerSharing` is -1 for an exclusive connection, 0 without connections and
    /// the number of shared or direct connections otherwise.
    private static func applySharing(current: UInt32, entry: ReaderStateEntry, event: inout UInt32, changed: inout Bool) {
        if entry.sharing == -1 {
            event = (event | exclusive) & ~inUse
            if current & inUse != 0 {
                event |= changedFlag
                changed = true
            }
        } else if entry.sharing >= 1 {
            // INUSE needs a card: a direct connection to an empty reader leaves the flags.
            guard entry.readerState.contains(.present) else { return }
            event = (event | inUse) & ~exclusive
            if current & exclusive != 0 {
                event |= changedFlag
                changed = true
            }
        } else if entry.sharing == 0 {
            event &= ~(inUse | exclusive)
            if current & (inUse | exclusive) != 0 {
                event |= changedFlag
                changed = true
            }
        }
    }
}
