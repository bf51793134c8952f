import PCSCTypes

extension CCIDReader {
    /// Selects one protocol for the powered card and returns it: T=1 when `protocols`, the
    /// card and the reader all allow it, else T=0. Sends PPS, SetParameters and the T=1
    /// S(IFS request) as the reader's features require.
    ///
    /// When the first choice is refused with `.protocolNotSupported`, the ATR's default
    /// protocol is tried once if `protocols` contains it. `.ppsFailed` and other failures
    /// leave the card in an unknown state: reset it before trying again.
    public func setProtocol(slot: Int, protocols: CardProtocols) throws(CCIDError) -> CardProtocols {
        try checkSlot(slot)
        return try withState { (state: inout ReaderState) throws(CCIDError) -> CardProtocols in
            guard state.slots[slot].isPowered, let atrBytes = state.slots[slot].atr else { throw .cardNotPowered }
            let atr: ATR
            do throws(ATRError) {
                atr = try ATR(bytes: atrBytes)
            } catch {
                throw .communicationError(.invalidATR(error))
            }

            let usable = protocols.intersection(atr.availableProtocols).intersection(configuration.protocols)
            let first: CardProtocols = usable.contains(.t1) ? .t1 : .t0
            guard usable.contains(first) else { throw .protocolNotSupported(protocols) }

            do throws(CCIDError) {
                return try negotiate(first, atr: atr, slot: slot, state: &state)
            } catch .protocolNotSupported(let refused) {
                guard let fallback = atr.defaultProtocol, fallback != first, protocols.contains(fallback) else {
                    throw .protocolNotSupported(refused)
                }
                return try negotiate(fallback, atr: atr, slot: slot, state: &state)
            }
        }
    }

    /// Returns the protocol selected for the powered card, or nil.
    public func selectedProtocol(slot: Int) throws(CCIDError) -> CardProtocols? {
        try checkSlot(slot)
        return try withState { state in state.slots[slot].selectedProtocol }
    }

    private func negotiationContext(slot: Int, state: ReaderState) -> NegotiationContext {
        var rates = state.dataRates
        var maxDataRate = configuration.maxDataRate
        if slot > 0, let secondary = configuration.quirks.secondarySlotDataRates {
            rates = secondary
            maxDataRate = min(maxDataRate, secondary.max() ?? maxDataRate)
        }
        return NegotiationContext(
            features: configuration.features, readerProtocols: configuration.protocols,
            exchangeLevel: configuration.exchangeLevel ?? .tpdu, defaultClock: configuration.defaultClock,
            maxDataRate: maxDataRate, dataRates: rates, maxIFSD: configuration.maxIFSD,
            maxCommandDataLength: configuration.maxCommandDataLength,
            neverSendPPS: configuration.quirks.neverSendPPS,
            extraT1Timeout: configuration.quirks.extraT1TimeoutMilliseconds)
    }

    private func negotiate(_ requested: CardProtocols, atr: ATR, slot: Int, state: inout ReaderState) throws(CCIDError) -> CardProtocols {
        var chosen = requested
        if configuration.quirks.neverSendPPS, let fallback = atr.defaultProtocol {
            // These readers cannot send a PPS: use the protocol the card starts with.
            chosen = fallback
        }
        let plan = try ProtocolNegotiation.plan(requested: chosen, atr: atr, context: negotiationContext(slot: slot, state: state))
        let timeout = state.slots[slot].readTimeout

        var findexDindex = plan.findexDindexWithoutPPS
        if let request = plan.ppsRequest {
            findexDindex = try exchangePPS(request, slot: slot, state: &state, timeout: timeout)
        }
        if plan.sendsSetParameters {
            try sendSetParameters(plan.parameters(findexDindex: findexDindex), slot: slot, state: &state)
        }

        state.slots[slot].readTimeout = plan.readTimeout
        state.slots[slot].t1 = nil
        if let setup = plan.t1, configuration.exchangeLevel == .tpdu {
            try startT1(setup, slot: slot, state: &state)
        }

        state.slots[slot].selectedProtocol = plan.selectedProtocol
        return plan.selectedProtocol
    }

    private func exchangePPS(_ request: [UInt8], slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> UInt8 {
        let response: CCIDResponse
        do {
            response = try transport.exchange(
                .xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: request),
                slot: slot, state: &state, timeout: timeout)
        } catch .timeout {
            throw .ppsFailed
        }
        guard response.status.commandStatus == .processed else {
            if response.status.iccStatus == .absent { throw .cardAbsent }
            throw .ppsFailed
        }
        switch ProtocolNegotiation.evaluatePPSResponse(request: request, response: response.payload) {
        case .accepted(let findexDindex): return findexDindex
        case .rejected: throw .ppsFailed
        }
    }

    /// SetParameters; bError 0x01–0x7F (a parameter the reader kept) counts as success, as
    /// in libccid, and 0x00 means the reader lacks the command.
    private func sendSetParameters(_ parameters: ProtocolParameters, slot: Int, state: inout ReaderState) throws(CCIDError) {
        let response = try transport.exchange(.setParameters(parameters), slot: slot, state: &state, timeout: CCIDTimeouts.defaultRead)
        guard response.status.commandStatus == .failed else { return }
        if response.error.rejectedByteOffset != nil { return }

        if configuration.quirks.resetsCardWhenSetParametersFails {
            // This reader recovers when the card is reset twice; then it runs without
            // SetParameters.
            for _ in 0..<2 {
                _ = try transport.exchange(.iccPowerOn(.automatic), slot: slot, state: &state, timeout: CCIDTimeouts.powerOn)
            }
            return
        }
        if response.error == .commandNotSupported {
            throw .notSupported("\(displayName) does not support SetParameters")
        }
        throw .communicationError(.commandFailed(.setParameters, response.error))
    }

    private func startT1(_ setup: T1Setup, slot: Int, state: inout ReaderState) throws(CCIDError) {
        var engine = T1Engine(configuration: T1Engine.Configuration(
            ifsc: setup.ifsc, ifsd: 32, errorDetection: setup.errorDetection, nad: 0,
            maxInformationLength: setup.maxInformationLength))

        if let ifsd = setup.ifsdToNegotiate {
            let action = engine.negotiateIFSD(ifsd)
            _ = try runT1(action, engine: &engine, slot: slot, state: &state)
        }
        state.slots[slot].t1 = engine
    }
}
