import PCSCTypes

/// The driver's state of one slot.
struct SlotState: Sendable {
    /// The ATR of the last successful power-on; nil when the card is not powered.
    var atr: [UInt8]?
    var parsedATR: ATR?
    /// The host powered the card and has not powered it down since. A card reported
    /// present but inactive in that state was removed and re-inserted between two polls.
    var isPowered = false
    var selectedProtocol: CardProtocols?
    /// The host T=1 engine, for T=1 on TPDU readers.
    var t1: T1Engine?
    /// Read timeout for card commands, in milliseconds.
    var readTimeout: UInt32
    /// The last power-on failed (the GemCore SIM Pro derives presence from this).
    var lastPowerOnFailed = false

    init(readTimeout: UInt32) {
        self.readTimeout = readTimeout
    }

    /// Forgets the card, as after removal or power-off.
    mutating func forgetCard(defaultReadTimeout: UInt32) {
        atr = nil
        parsedATR = nil
        isPowered = false
        selectedProtocol = nil
        t1 = nil
        readTimeout = defaultReadTimeout
    }
}

/// Everything the bulk lock protects.
struct ReaderState: Sendable {
    /// `bSeq` of the next command, shared by all slots of the interface.
    var sequence: UInt8 = 0
    var slots: [SlotState]
    /// Read timeout until SetParameters computes one for the card, in milliseconds.
    var defaultReadTimeout: UInt32
    /// The data rates of GET_DATA_RATES, or nil without a list.
    var dataRates: [UInt32]?
    var gemaltoFeatures: GemaltoFirmwareFeatures?
    /// The response to the Gemalto "get firmware version" escape, once read.
    var gemaltoFirmwareID: [UInt8]?
    var isClosed = false

    init(slotCount: Int, defaultReadTimeout: UInt32) {
        self.defaultReadTimeout = defaultReadTimeout
        self.slots = Array(repeating: SlotState(readTimeout: defaultReadTimeout), count: slotCount)
    }

    mutating func nextSequence() -> UInt8 {
        defer { sequence &+= 1 }
        return sequence
    }
}

extension ReaderTransport {
    /// Sends one command with the next bSeq.
    func exchange(
        _ body: CCIDCommand.Body, slot: Int, state: inout ReaderState, timeout: UInt32
    ) throws(CCIDError) -> CCIDResponse {
        let command = CCIDCommand(body, slot: UInt8(slot), sequence: state.nextSequence())
        return try exchange(command, timeout: timeout)
    }
}
