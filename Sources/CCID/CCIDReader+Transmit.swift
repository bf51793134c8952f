import PCSCTypes

extension CCIDReader {
    /// Upper bound for T=1 blocks in one exchange, so that a card that never finishes (for
    /// instance one that requests waiting time forever) cannot hold the reader.
    static let maxT1BlocksPerExchange = 200_000
    /// Upper bound for chained extended-APDU response blocks.
    static let maxChainedResponseBlocks = 4096

    /// Sends a command APDU (or a T=0 TPDU) to the card and returns the card's response.
    ///
    /// The transport follows the effective exchange level: TPDU readers get T=0 TPDUs as
    /// they are (61xx and 6Cxx come back unchanged) or run the host T=1 engine; short-APDU
    /// readers get the APDU in one message; extended-APDU readers get it chained. Responses
    /// longer than 65 548 bytes throw `.insufficientBuffer` after the whole response was read.
    public func transmit(slot: Int, apdu: [UInt8]) throws(CCIDError) -> [UInt8] {
        try checkSlot(slot)
        return try withState { (state: inout ReaderState) throws(CCIDError) -> [UInt8] in
            guard state.slots[slot].isPowered else { throw .cardNotPowered }

            if configuration.quirks.answersIDTokenPseudoAPDUs, let answer = idTokenAnswer(apdu) {
                return answer
            }

            var timeout = state.slots[slot].readTimeout
            if apdu.starts(with: [0xFF, 0xC2, 0x01]) {
                // PC/SC part 10 pseudo-APDUs for PIN entry: allow as long as SCardControl.
                timeout = max(timeout, CCIDTimeouts.pinEntry)
            }

            switch configuration.exchangeLevel {
            case .tpdu:
                return try transmitTPDU(apdu, slot: slot, state: &state, timeout: timeout)
            case .shortAPDU:
                return try transmitSingleBlock(apdu, slot: slot, state: &state, timeout: timeout)
            case .extendedAPDU:
                return try transmitExtended(apdu, slot: slot, state: &state, timeout: timeout)
            case .character, nil:
                throw .unsupportedExchangeLevel(reader: displayName, level: configuration.exchangeLevel?.description ?? "undefined")
            }
        }
    }

    private func transmitTPDU(_ apdu: [UInt8], slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        let slotState = state.slots[slot]
        let selected = slotState.selectedProtocol ?? slotState.parsedATR?.defaultProtocol ?? .t0
        guard selected == .t1 else {
            return try transmitSingleBlock(apdu, slot: slot, state: &state, timeout: timeout)
        }
        guard var engine = slotState.t1 else {
            throw .notSupported("T=1 on a TPDU reader needs setProtocol before transmit")
        }
        defer { state.slots[slot].t1 = engine }

        let first = engine.transceive(apdu)
        return try runT1(first, engine: &engine, slot: slot, state: &state, timeout: timeout)
    }

    /// Drives the T=1 engine: each block goes out in one XfrBlock whose bBWI and read
    /// timeout carry the card's waiting-time extension.
    func runT1(
        _ firstAction: T1Engine.Action, engine: inout T1Engine, slot: Int, state: inout ReaderState,
        timeout: UInt32? = nil
    ) throws(CCIDError) -> [UInt8] {
        let baseTimeout = timeout ?? state.slots[slot].readTimeout
        var action = firstAction

        for _ in 0..<Self.maxT1BlocksPerExchange {
            switch action {
            case .complete(let response):
                return response
            case .fail(let error):
                throw .communicationError(.t1(error))
            case .send(let block, let multiplier):
                let blockTimeout = baseTimeout.multipliedReportingOverflow(by: UInt32(multiplier))
                let response = try transport.exchange(
                    .xfrBlock(blockWaitingTimeMultiplier: multiplier > 1 ? multiplier : 0, levelParameter: 0, data: block),
                    slot: slot, state: &state,
                    timeout: blockTimeout.overflow ? UInt32.max : blockTimeout.partialValue)
                action = try nextT1Action(response, engine: &engine)
            }
        }
        throw .communicationError(.t1(.responseTooLong))
    }

    private func nextT1Action(_ response: CCIDResponse, engine: inout T1Engine) throws(CCIDError) -> T1Engine.Action {
        guard response.status.commandStatus == .failed else {
            return engine.receive(response.payload)
        }
        switch response.error {
        case .transferParityError:
            return engine.receiveFailed(.parityError)
        case .iccMute where response.status.iccStatus != .absent:
            return engine.receiveFailed(.timeout)
        default:
            throw dataBlockFailure(response, command: .xfrBlock)
        }
    }

    /// Sends the whole command (T=0 TPDU, or short APDU) in one XfrBlock.
    private func transmitSingleBlock(_ apdu: [UInt8], slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        guard apdu.count <= configuration.maxCommandDataLength else {
            throw .invalidParameter("command of \(apdu.count) bytes exceeds the \(configuration.maxCommandDataLength) bytes one message to this reader can carry")
        }
        let response = try transport.exchange(
            .xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: apdu), slot: slot, state: &state, timeout: timeout)
        guard response.status.commandStatus == .processed else {
            throw dataBlockFailure(response, command: .xfrBlock)
        }
        return response.payload
    }

    /// Sends a command at extended-APDU level: the command goes out in chained blocks (the
    /// reader acknowledges each non-final block with an empty DataBlock), and a chained
    /// response is fetched with empty XfrBlocks carrying 0x0010.
    private func transmitExtended(_ apdu: [UInt8], slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        let chunkSize = APDUChaining.chunkSize(maxCommandDataLength: configuration.maxCommandDataLength)
        let blocks = APDUChaining.commandBlocks(apdu, chunkSize: chunkSize)

        var response: CCIDResponse?
        for (index, block) in blocks.enumerated() {
            let answer = try transport.exchange(
                .xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: block.0.rawValue, data: block.1),
                slot: slot, state: &state, timeout: timeout)
            guard answer.status.commandStatus == .processed else {
                throw dataBlockFailure(answer, command: .xfrBlock)
            }
            if index < blocks.count - 1 && !answer.payload.isEmpty {
                throw .communicationError(.chaining("the reader responded to command block \(index + 1) with \(answer.payload.count) bytes instead of an empty block"))
            }
            response = answer
        }
        guard let last = response else { throw .communicationError(.chaining("no command block was sent")) }
        return try receiveChainedResponse(last, slot: slot, state: &state, timeout: timeout)
    }

    private func receiveChainedResponse(_ first: CCIDResponse, slot: Int, state: inout ReaderState, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        var data: [UInt8] = []
        var total = 0
        var current = first

        for _ in 0...Self.maxChainedResponseBlocks {
            total += current.payload.count
            if total <= PCSCLimits.maxBufferSizeExtended {
                data.append(contentsOf: current.payload)
            }

            guard let chain = current.chainParameter else {
                throw .communicationError(.chaining("unknown bChainParameter 0x\(hex2(current.specific))"))
            }
            guard chain.hasMoreBlocks else {
                if total > PCSCLimits.maxBufferSizeExtended { throw .insufficientBuffer(needed: total) }
                return data
            }

            current = try transport.exchange(
                .xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: ChainParameter.continueRequest.rawValue, data: []),
                slot: slot, state: &state, timeout: timeout)
            guard current.status.commandStatus == .processed else {
                throw dataBlockFailure(current, command: .xfrBlock)
            }
        }
        throw .communicationError(.chaining("more than \(Self.maxChainedResponseBlocks) response blocks"))
    }

    /// Returns the error for a failed DataBlock: ICC_MUTE becomes card absent or card mute by
    /// bmICCStatus, anything else a communication error.
    func dataBlockFailure(_ response: CCIDResponse, command: CCIDMessageType) -> CCIDError {
        if response.status.iccStatus == .absent { return .cardAbsent }
        if response.error == .iccMute { return .cardMute }
        return .communicationError(.commandFailed(command, response.error))
    }

    /// The Kobil IDToken pseudo-APDUs `FF 9A 01 P2 00` to which libccid responds itself:
    /// manufacturer, product, firmware release and driver version.
    private func idTokenAnswer(_ apdu: [UInt8]) -> [UInt8]? {
        guard apdu.count == 5, apdu.starts(with: [0xFF, 0x9A, 0x01]), apdu[4] == 0x00 else { return nil }
        let text: String
        switch apdu[3] {
        case 0x01: text = "KOBIL systems"
        case 0x03: text = "IDToken"
        case 0x06:
            let release = configuration.firmwareRelease
            text = String(release >> 8, radix: 16, uppercase: true) + "." + hex2(UInt8(release & 0xFF))
        case 0x07: text = "2012.2.7"  // the version string libccid 1.8.2 reports
        default: return nil
        }
        return Array(text.utf8) + [0x90, 0x00]
    }
}
