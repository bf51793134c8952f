import PCSCTypes
import PCSCWire
import Threading

/// The published and private state of one reader slot.
struct SlotState: Sendable {
    /// Card state bits published in the reader array (`readerState`).
    var cardState: CardStateFlags = .unknown
    var atr: [UInt8] = []
    /// The negotiated protocol; empty until the first connect after a power-up.
    var activeProtocol: CardProtocols = []
    /// Insertions plus removals, modulo 0x10000.
    var eventCounter: UInt32 = 0
    var sharing = SharingState()
    /// True once the reader was unplugged; its handles are orphans.
    var isRemoved = false
    /// True after the first card check.
    var isInitialized = false
    /// True while the card really has power. The published state keeps `.powered` after
    /// an automatic power-off, as pcscd's does; the next connect powers the card again.
    var isPhysicallyPowered = false
    /// When the slot last became free of handles while the card had power (monotonic ms).
    var idleSince: Int64?

    var isCardAbsent: Bool { cardState.contains(.absent) }
    var isCardMute: Bool { cardState.contains(.swallowed) }

    mutating func countEvent() {
        eventCounter = (eventCounter + 1) & 0xFFFF
    }

    /// Records a card whose power-up succeeded.
    mutating func cardPowered(atr: [UInt8]) {
        cardState = [.present, .powered, .negotiable]
        self.atr = Array(atr.prefix(PCSCLimits.maxATRSize))
        activeProtocol = []
        isPhysicallyPowered = true
        if sharing.handles.isEmpty { idleSince = MonotonicClock.milliseconds }
    }

    /// Records a card that did not answer to reset.
    mutating func cardMute() {
        cardState = [.present, .swallowed]
        atr = []
        activeProtocol = []
        isPhysicallyPowered = false
    }

    /// Records a card that is present but was powered down on request.
    mutating func cardUnpowered() {
        cardState = .present
        activeProtocol = []
        isPhysicallyPowered = false
    }

    /// Records the automatic power-off of an idle card; the published state is unchanged.
    mutating func cardAutoPoweredOff() {
        activeProtocol = []
        isPhysicallyPowered = false
        idleSince = nil
    }

    mutating func cardRemoved() {
        cardState = .absent
        atr = []
        activeProtocol = []
        isPhysicallyPowered = false
        idleSince = nil
        sharing.cardRemoved()
    }

    func entry(name: String) -> ReaderStateEntry {
        ReaderStateEntry(
            name: name, eventCounter: eventCounter, readerState: cardState,
            sharing: sharing.publishedSharing, atr: atr, cardProtocol: activeProtocol)
    }
}
