import PCSCTypes
import Threading

extension CCIDReader {
    /// PIN verification or modification on the reader's keypad (PC_to_RDR_Secure).
    ///
    /// Returns the card's response APDU, or `64 00` (timeout) / `64 01` (cancelled)
    /// when the user did not complete the entry. On a TPDU reader with a T=1 card the host
    /// supplies the block prologue and strips it from the response.
    func securePIN(verify: Bool, structure: [UInt8], slot: Int, state: inout ReaderState) throws(CCIDError) -> [UInt8] {
        guard state.slots[slot].isPowered else { throw .cardNotPowered }

        let usesT1Blocks = configuration.exchangeLevel == .tpdu && state.slots[slot].selectedProtocol == .t1
        let engine = state.slots[slot].t1
        let prologue: (Int) -> [UInt8]? = { length in
            usesT1Blocks ? engine?.securePINPrologue(apduLength: length) : nil
        }
        if usesT1Blocks && engine == nil {
            throw .notSupported("secure PIN entry with T=1 needs setProtocol first")
        }

        let frame = try translate(verify: verify, structure: structure, prologue: prologue, state: state)
        if frame.needsKeyReleasePause {
            // The reader rejects the command while the Enter key is still pressed.
            MonotonicClock.sleep(milliseconds: 250)
        }
        if frame.needsSPR532Escape {
            // The SPR532 then appends the PIN without padding.
            _ = try escape([0x80, 0x02, 0x00], slot: slot, state: &state, timeout: CCIDTimeouts.defaultRead)
        }

        if usesT1Blocks { state.slots[slot].t1?.toggleSequenceNumbersForReaderExchange() }
        let timeout = max(CCIDTimeouts.pinEntry, (UInt32(frame.timeoutSeconds) + 10) * 1000)

        let response: CCIDResponse
        do {
            response = try transport.exchange(
                .secure(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: frame.data),
                slot: slot, state: &state, timeout: timeout)
        } catch {
            if usesT1Blocks { state.slots[slot].t1?.toggleSequenceNumbersForReaderExchange() }
            throw error
        }

        if response.status.commandStatus == .failed {
            // No block reached the card: undo the sequence numbers.
            if usesT1Blocks { state.slots[slot].t1?.toggleSequenceNumbersForReaderExchange() }
            if let answer = SecurePINTranslation.syntheticAnswer(for: response.error) { return answer }
            throw dataBlockFailure(response, command: .secure)
        }

        guard usesT1Blocks else { return response.payload }
        return try unwrapSecureT1Answer(response.payload, slot: slot, state: &state, timeout: timeout)
    }

    private func translate(
        verify: Bool, structure: [UInt8], prologue: (Int) -> [UInt8]?, state: ReaderState
    ) throws(CCIDError) -> SecurePINTranslation.Frame {
        var quirks = configuration.quirks.securePIN
        if let features = state.gemaltoFeatures, features.handlesMessageIndexShift,
            configuration.product != KnownReader.covadisVegaAlpha
        {
            quirks.modifyAlwaysCarriesThreeMessageIndexes = false
        }
        let mask = state.gemaltoFeatures?.entryValidationCondition
        if verify {
            return try SecurePINTranslation.verify(structure, quirks: quirks, teoPrologue: prologue, validationMask: mask)
        }
        return try SecurePINTranslation.modify(structure, quirks: quirks, teoPrologue: prologue, validationMask: mask)
    }

    /// Strips the T=1 prologue and 1-byte LRC from the card's block. When the card first
    /// requests more time with S(WTX request), the host responds once and reads the block
    /// that follows.
    private func unwrapSecureT1Answer(_ block: [UInt8], slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        var current = block
        if current.count == 5, current[1] == 0xC3 {
            let multiplier = max(current[3], 1)
            let answer = T1Block(kind: .supervisory(.wtx, isResponse: true), information: [current[3]])
            let timeoutAfterWTX = timeout.multipliedReportingOverflow(by: UInt32(multiplier))
            let response = try transport.exchange(
                .xfrBlock(blockWaitingTimeMultiplier: multiplier, levelParameter: 0, data: answer.encoded(errorDetection: .lrc)),
                slot: slot, state: &state, timeout: timeoutAfterWTX.overflow ? UInt32.max : timeoutAfterWTX.partialValue)
            guard response.status.commandStatus == .processed else {
                throw dataBlockFailure(response, command: .xfrBlock)
            }
            current = response.payload
        }
        guard current.count >= 4 else {
            throw .communicationError(.t1(.unexpectedBlock))
        }
        return Array(current[3..<current.count - 1])
    }
}
