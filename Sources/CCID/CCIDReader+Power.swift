import PCSCTypes

extension CCIDReader {
    /// Powers the card on (cold reset) and returns its ATR, truncated to 33 bytes.
    ///
    /// Voltages are tried in the order of `PowerSequence.attempts`, 60 s per attempt. Any protocol
    /// previously selected is forgotten. Throws `.cardAbsent` when the slot is empty and
    /// `.cardMute` when the card does not respond at any voltage.
    public func powerOn(slot: Int) throws(CCIDError) -> [UInt8] {
        try checkSlot(slot)
        return try withState { (state: inout ReaderState) throws(CCIDError) -> [UInt8] in
            if configuration.quirks.powersOffBeforePowerOn {
                try checkedPowerOff(slot: slot, state: &state)
            }
            return try activate(slot: slot, state: &state)
        }
    }

    /// Resets the card (warm reset) and returns its new ATR. CCID has no separate warm
    /// reset: like libccid this sends PowerOn again without powering off first.
    public func reset(slot: Int) throws(CCIDError) -> [UInt8] {
        try powerOn(slot: slot)
    }

    /// Powers the card off and clears its stored ATR and protocol.
    public func powerOff(slot: Int) throws(CCIDError) {
        try checkSlot(slot)
        try withState { (state: inout ReaderState) throws(CCIDError) in
            try checkedPowerOff(slot: slot, state: &state)
        }
    }

    /// Returns the card state of a slot, from a fresh GetSlotStatus.
    ///
    /// A card the host powered that now reads "present, inactive" was removed and
    /// re-inserted between two polls: it is reported `.absent` once, and the slot's card
    /// state is cleared. The state of absent cards is cleared too.
    public func slotStatus(slot: Int) throws(CCIDError) -> ICCStatus {
        try checkSlot(slot)
        return try withState { (state: inout ReaderState) throws(CCIDError) -> ICCStatus in
            let reported = try readICCStatus(slot: slot, state: &state)
            let defaultTimeout = state.defaultReadTimeout

            if configuration.quirks.reportsCardAlwaysPresent && state.slots[slot].lastPowerOnFailed {
                // This firmware always reports a card; a failed power-on means there is none.
                return .absent
            }

            switch reported {
            case .presentActive:
                return .presentActive
            case .presentInactive:
                guard state.slots[slot].isPowered else { return .presentInactive }
                state.slots[slot].forgetCard(defaultReadTimeout: defaultTimeout)
                return .absent
            case .absent:
                state.slots[slot].forgetCard(defaultReadTimeout: defaultTimeout)
                return .absent
            }
        }
    }

    /// Returns the ATR of the powered card, or nil.
    public func atr(slot: Int) throws(CCIDError) -> [UInt8]? {
        try checkSlot(slot)
        return try withState { state in state.slots[slot].atr }
    }

    /// GetSlotStatus without the removal rule. ICC_MUTE is not a failure here: the state
    /// comes from bmICCStatus.
    func readICCStatus(slot: Int, state: inout ReaderState) throws(CCIDError) -> ICCStatus {
        let response = try transport.exchange(.getSlotStatus, slot: slot, state: &state, timeout: CCIDTimeouts.defaultRead)
        if response.status.commandStatus == .failed && response.error != .iccMute {
            throw .communicationError(.commandFailed(.getSlotStatus, response.error))
        }
        guard let status = response.status.iccStatus else {
            throw .communicationError(.invalidSlotStatus)
        }
        return status
    }

    private func checkedPowerOff(slot: Int, state: inout ReaderState) throws(CCIDError) {
        state.slots[slot].forgetCard(defaultReadTimeout: state.defaultReadTimeout)
        let response = try transport.exchange(.iccPowerOff, slot: slot, state: &state, timeout: CCIDTimeouts.defaultRead)
        if response.status.commandStatus == .failed {
            throw .communicationError(.commandFailed(.iccPowerOff, response.error))
        }
    }

    private func activate(slot: Int, state: inout ReaderState) throws(CCIDError) -> [UInt8] {
        state.slots[slot].forgetCard(defaultReadTimeout: state.defaultReadTimeout)
        state.slots[slot].lastPowerOnFailed = true

        let attempts = PowerSequence.attempts(
            start: options.powerOnVoltage, features: configuration.features,
            voltageSupport: configuration.interface.descriptor.voltageSupport)
        var lastError = SlotError.iccMute
        var switchedToISOMode = false
        var index = 0

        while index < attempts.count {
            let response = try transport.exchange(
                .iccPowerOn(attempts[index]), slot: slot, state: &state, timeout: CCIDTimeouts.powerOn)
            if response.status.commandStatus != .failed {
                return storeATR(response.payload, slot: slot, state: &state)
            }

            lastError = response.error
            if response.error == .iccMute && response.status.iccStatus == .absent {
                throw .cardAbsent
            }
            if response.error.rawValue == 0xBB && configuration.quirks.switchesToISOModeOnEMVError && !switchedToISOMode {
                // EMV-mode protocol error: switch the reader to ISO mode and try again.
                switchedToISOMode = true
                _ = try transport.exchange(.escape([0x1F, 0x01]), slot: slot, state: &state, timeout: CCIDTimeouts.defaultRead)
                continue
            }
            warn("power-on of slot \(slot) with \(attempts[index]) failed: \(response.error)")
            index += 1
        }

        if lastError == .iccMute { throw .cardMute }
        throw .communicationError(.commandFailed(.iccPowerOn, lastError))
    }

    private func storeATR(_ payload: [UInt8], slot: Int, state: inout ReaderState) -> [UInt8] {
        let atr = Array(payload.prefix(ATR.maxLength))
        state.slots[slot].atr = atr
        state.slots[slot].isPowered = true
        state.slots[slot].lastPowerOnFailed = false

        do {
            let parsed = try ATR(bytes: atr)
            state.slots[slot].parsedATR = parsed
            if case .invalid(let expected) = parsed.checkByteStatus {
                warn("ATR \(parsed) of slot \(slot) has a wrong TCK (expected \(hex2(expected)))")
            }
        } catch {
            warn("ATR \(hexString(atr)) of slot \(slot) cannot be parsed: \(error)")
        }
        return atr
    }
}
