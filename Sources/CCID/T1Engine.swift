/// The host side of the T=1 block protocol (ISO/IEC 7816-3 §11.6) as a state machine
/// without I/O: feed it the card's blocks, and it returns the next block to send or the
/// outcome of the exchange.
///
/// One engine belongs to one powered card. Create a new one (or call `reset`) after each
/// power-on or reset, because sequence numbers and IFSC start over.
public struct T1Engine: Sendable {
    /// The caller's next step.
    public enum Action: Sendable, Hashable {
        /// Send `block` to the card and pass its response to `receive(_:)`. `waitingTimeMultiplier`
        /// is 1, or the card's S(WTX) value for this exchange: send it as `bBWI` and multiply
        /// the read timeout by it.
        case send(block: [UInt8], waitingTimeMultiplier: UInt8)
        /// The exchange is over, and `response` is the card's complete response.
        case complete(response: [UInt8])
        /// The exchange failed.
        case fail(T1Error)
    }

    /// A receive failure the reader reports instead of a block.
    public enum ReceiveFailure: Sendable, Hashable {
        /// The reader saw a parity error (CCID bError `XFR_PARITY_ERROR`).
        case parityError
        /// The card did not send a block in time.
        case timeout
    }

    /// Limits of the engine.
    public struct Configuration: Sendable, Hashable {
        /// IFSC from the ATR.
        public var ifsc: Int
        /// IFSD the host has announced (32 until an S(IFS) exchange changes it).
        public var ifsd: Int
        public var errorDetection: T1ErrorDetection
        /// The host's NAD: source address in bits 4–6, destination in bits 0–2.
        public var nad: UInt8
        /// The largest information field that fits in one reader message; IFSC is capped to it.
        public var maxInformationLength: Int
        /// The largest response accepted, in bytes.
        public var maxResponseLength: Int

        public init(
            ifsc: Int = 32, ifsd: Int = 32, errorDetection: T1ErrorDetection = .lrc, nad: UInt8 = 0,
            maxInformationLength: Int = T1Block.maxInformationLength, maxResponseLength: Int = 65_538
        ) {
            self.ifsc = ifsc
            self.ifsd = ifsd
            self.errorDetection = errorDetection
            self.nad = nad
            self.maxInformationLength = maxInformationLength
            self.maxResponseLength = maxResponseLength
        }
    }

    /// Failed attempts at one block before resynchronisation.
    public static let maxRetries = 3
    /// S(RESYNCH request) attempts per exchange before the card is declared dead.
    public static let maxResynchronisations = 3

    private enum Phase: Sendable {
        case idle
        /// Sending the command; `chunkHasMore` is the M bit of the block last sent.
        case transmitting
        /// Receiving the card's chained response.
        case receiving
        case resynchronising
        case negotiatingIFSD(UInt8)
        /// The card asked to abort the chain; the exchange fails at its next block.
        case abortedByCard
    }

    private enum SentKind: Sendable {
        case information
        case receiveReady
        case supervisory
    }

    public private(set) var configuration: Configuration
    /// N(S): the sequence number of the host's next I-block.
    public private(set) var sendSequence: UInt8 = 0
    /// N(R): the sequence number expected in the card's next I-block.
    public private(set) var receiveSequence: UInt8 = 0
    /// Set when resynchronisation failed; only a card reset recovers.
    public private(set) var isDead = false

    private var phase = Phase.idle
    private var command: [UInt8] = []
    private var chunkStart = 0
    private var chunkLength = 0
    private var chunkHasMore = false
    private var response: [UInt8] = []
    private var lastInformationBlock: [UInt8] = []
    private var lastSent: [UInt8] = []
    private var lastSentKind = SentKind.information
    private var retriesLeft = T1Engine.maxRetries
    private var resynchronisations = 0
    private var ifsdNegotiationAttempts = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.configuration.ifsc = clampIFS(configuration.ifsc)
    }

    /// Forgets all state, as after a card reset.
    public mutating func reset(configuration: Configuration) {
        self = T1Engine(configuration: configuration)
    }

    /// The card's current IFSC (after any S(IFS request) from the card).
    public var ifsc: Int { configuration.ifsc }
    /// The host's current IFSD.
    public var ifsd: Int { configuration.ifsd }

    private func clampIFS(_ value: Int) -> Int {
        max(1, min(value, T1Block.maxInformationLength, configuration.maxInformationLength))
    }

    private var responseNAD: UInt8 {
        (configuration.nad & 0x07) << 4 | (configuration.nad >> 4) & 0x07
    }
}

// MARK: - Starting exchanges

extension T1Engine {
    /// Starts sending an APDU, chained into blocks of at most IFSC bytes.
    public mutating func transceive(_ apdu: [UInt8]) -> Action {
        guard !isDead else { return .fail(.dead) }

        command = apdu
        response = []
        resynchronisations = 0
        retriesLeft = Self.maxRetries
        chunkStart = 0
        phase = .transmitting
        return sendCurrentChunk()
    }

    /// Starts an S(IFS request) announcing `ifsd`; completes with an empty response when
    /// the card echoes it.
    public mutating func negotiateIFSD(_ ifsd: UInt8) -> Action {
        guard !isDead else { return .fail(.dead) }
        guard ifsd >= 1 && ifsd <= 254 else { return .fail(.invalidIFSD(ifsd)) }

        ifsdNegotiationAttempts = 1
        resynchronisations = 0
        phase = .negotiatingIFSD(ifsd)
        return sendIFSRequest(ifsd)
    }

    /// Handles a receive failure reported by the reader.
    public mutating func receiveFailed(_ failure: ReceiveFailure) -> Action {
        switch phase {
        case .idle:
            return .fail(.unexpectedBlock)
        case .abortedByCard:
            phase = .idle
            return .fail(.abortedByCard)
        case .negotiatingIFSD(let ifsd):
            return retryIFSD(ifsd)
        case .resynchronising:
            return resynchronise()
        case .transmitting, .receiving:
            return handleError(failure == .parityError ? .checksum : .other)
        }
    }

    /// Handles the bytes of one block from the card.
    public mutating func receive(_ bytes: [UInt8]) -> Action {
        let decoded: T1Block
        do {
            decoded = try T1Block(decoding: bytes, errorDetection: configuration.errorDetection)
        } catch {
            return receiveInvalid(error == .checksumMismatch ? .checksum : .other)
        }
        guard decoded.nad == responseNAD else { return receiveInvalid(.other) }

        switch phase {
        case .idle:
            return .fail(.unexpectedBlock)
        case .abortedByCard:
            phase = .idle
            return .fail(.abortedByCard)
        case .negotiatingIFSD(let ifsd):
            return receiveDuringIFSDNegotiation(decoded, ifsd)
        case .resynchronising:
            return receiveDuringResynchronisation(decoded)
        case .transmitting, .receiving:
            return receiveDuringExchange(decoded)
        }
    }

    private mutating func receiveInvalid(_ error: T1Block.ReceiveReadyError) -> Action {
        switch phase {
        case .idle:
            return .fail(.unexpectedBlock)
        case .abortedByCard:
            phase = .idle
            return .fail(.abortedByCard)
        case .negotiatingIFSD(let ifsd):
            return retryIFSD(ifsd)
        case .resynchronising:
            return resynchronise()
        case .transmitting, .receiving:
            return handleError(error)
        }
    }
}

// MARK: - Exchange

extension T1Engine {
    private mutating func receiveDuringExchange(_ block: T1Block) -> Action {
        switch block.kind {
        case .information(let sequence, let more):
            return receiveInformation(block.information, sequence: sequence, more: more)
        case .receiveReady(let sequence, _):
            return receiveReceiveReady(sequence: sequence)
        case .supervisory(let type, let isResponse):
            if isResponse { return handleError(.other) }
            return receiveSupervisoryRequest(type, block.information)
        }
    }

    private mutating func receiveInformation(_ data: [UInt8], sequence: UInt8, more: Bool) -> Action {
        if case .transmitting = phase {
            // A card I-block is only valid after our last chunk; it acknowledges that chunk.
            guard !chunkHasMore else { return handleError(.other) }
            sendSequence ^= 1
            phase = .receiving
        }
        guard sequence == receiveSequence else { return handleError(.other) }

        guard response.count + data.count <= configuration.maxResponseLength else {
            phase = .idle
            return .fail(.responseTooLong)
        }
        response.append(contentsOf: data)
        receiveSequence ^= 1
        retriesLeft = Self.maxRetries

        if more {
            let ack = T1Block(nad: configuration.nad, kind: .receiveReady(sequence: receiveSequence, error: .none))
            return send(ack, kind: .receiveReady)
        }
        phase = .idle
        return .complete(response: response)
    }

    private mutating func receiveReceiveReady(sequence: UInt8) -> Action {
        guard case .transmitting = phase else {
            // While receiving, the card lost our acknowledgement: repeat it.
            return retransmitLastBlock()
        }

        if sequence != sendSequence && chunkHasMore {
            sendSequence ^= 1
            chunkStart += chunkLength
            retriesLeft = Self.maxRetries
            return sendCurrentChunk()
        }
        if sequence == sendSequence {
            return retransmitInformationBlock()
        }
        return handleError(.other)
    }

    private mutating func receiveSupervisoryRequest(_ type: T1Block.SupervisoryType, _ information: [UInt8]) -> Action {
        switch type {
        case .wtx:
            let multiplier = max(information[0], 1)
            let answer = T1Block(nad: configuration.nad, kind: .supervisory(.wtx, isResponse: true), information: information)
            return send(answer, kind: .supervisory, waitingTimeMultiplier: multiplier)
        case .ifs:
            let size = information[0]
            guard size >= 1 && size <= 254 else { return handleError(.other) }
            configuration.ifsc = clampIFS(Int(size))
            let answer = T1Block(nad: configuration.nad, kind: .supervisory(.ifs, isResponse: true), information: information)
            return send(answer, kind: .supervisory)
        case .abort:
            phase = .abortedByCard
            let answer = T1Block(nad: configuration.nad, kind: .supervisory(.abort, isResponse: true))
            return send(answer, kind: .supervisory)
        case .resynch:
            // Only the host may ask for resynchronisation.
            return resynchronise()
        }
    }

    private mutating func sendCurrentChunk() -> Action {
        let remaining = command.count - chunkStart
        chunkLength = min(remaining, configuration.ifsc)
        chunkHasMore = remaining > chunkLength
        let block = T1Block(
            nad: configuration.nad,
            kind: .information(sequence: sendSequence, more: chunkHasMore),
            information: Array(command[chunkStart..<chunkStart + chunkLength]))
        lastInformationBlock = block.encoded(errorDetection: configuration.errorDetection)
        lastSent = lastInformationBlock
        lastSentKind = .information
        return .send(block: lastInformationBlock, waitingTimeMultiplier: 1)
    }

    private mutating func send(_ block: T1Block, kind: SentKind, waitingTimeMultiplier: UInt8 = 1) -> Action {
        let bytes = block.encoded(errorDetection: configuration.errorDetection)
        if kind != .supervisory {
            lastSent = bytes
            lastSentKind = kind
        }
        return .send(block: bytes, waitingTimeMultiplier: waitingTimeMultiplier)
    }
}

// MARK: - Error recovery

extension T1Engine {
    /// ISO 7816-3 rule 7: answer an invalid or unexpected block with an R-block (or repeat
    /// our last R-block); after `maxRetries` failures, resynchronise.
    private mutating func handleError(_ error: T1Block.ReceiveReadyError) -> Action {
        retriesLeft -= 1
        guard retriesLeft > 0 else { return resynchronise() }

        if lastSentKind == .receiveReady {
            return .send(block: lastSent, waitingTimeMultiplier: 1)
        }
        let nack = T1Block(nad: configuration.nad, kind: .receiveReady(sequence: receiveSequence, error: error))
        return send(nack, kind: .receiveReady)
    }

    private mutating func retransmitInformationBlock() -> Action {
        retriesLeft -= 1
        guard retriesLeft > 0 else { return resynchronise() }
        lastSent = lastInformationBlock
        lastSentKind = .information
        return .send(block: lastInformationBlock, waitingTimeMultiplier: 1)
    }

    private mutating func retransmitLastBlock() -> Action {
        retriesLeft -= 1
        guard retriesLeft > 0 else { return resynchronise() }
        return .send(block: lastSent, waitingTimeMultiplier: 1)
    }

    private mutating func resynchronise() -> Action {
        guard resynchronisations < Self.maxResynchronisations else {
            isDead = true
            phase = .idle
            return .fail(.dead)
        }
        resynchronisations += 1
        phase = .resynchronising
        let request = T1Block(nad: configuration.nad, kind: .supervisory(.resynch, isResponse: false))
        return .send(block: request.encoded(errorDetection: configuration.errorDetection), waitingTimeMultiplier: 1)
    }

    /// After S(RESYNCH response) both sides restart at sequence 0 and the whole command is
    /// sent again.
    private mutating func receiveDuringResynchronisation(_ block: T1Block) -> Action {
        guard case .supervisory(.resynch, isResponse: true) = block.kind else {
            return resynchronise()
        }
        sendSequence = 0
        receiveSequence = 0
        retriesLeft = Self.maxRetries
        response = []
        chunkStart = 0
        phase = .transmitting
        return sendCurrentChunk()
    }
}

// MARK: - IFSD negotiation

extension T1Engine {
    private mutating func sendIFSRequest(_ ifsd: UInt8) -> Action {
        let request = T1Block(nad: configuration.nad, kind: .supervisory(.ifs, isResponse: false), information: [ifsd])
        return .send(block: request.encoded(errorDetection: configuration.errorDetection), waitingTimeMultiplier: 1)
    }

    private mutating func receiveDuringIFSDNegotiation(_ block: T1Block, _ ifsd: UInt8) -> Action {
        switch block.kind {
        case .supervisory(.ifs, isResponse: true) where block.information == [ifsd]:
            configuration.ifsd = Int(ifsd)
            phase = .idle
            return .complete(response: [])
        case .supervisory(.wtx, isResponse: false):
            let answer = T1Block(nad: configuration.nad, kind: .supervisory(.wtx, isResponse: true), information: block.information)
            return .send(block: answer.encoded(errorDetection: configuration.errorDetection), waitingTimeMultiplier: max(block.information[0], 1))
        default:
            return retryIFSD(ifsd)
        }
    }

    private mutating func retryIFSD(_ ifsd: UInt8) -> Action {
        guard ifsdNegotiationAttempts < Self.maxRetries else {
            phase = .idle
            return .fail(.ifsdNegotiationFailed)
        }
        ifsdNegotiationAttempts += 1
        return sendIFSRequest(ifsd)
    }
}

// MARK: - Secure PIN entry on TPDU readers

extension T1Engine {
    /// Builds the 3-byte prologue (NAD, PCB with the current N(S), LEN) a TPDU reader puts
    /// in front of the APDU it completes with the PIN (`bTeoPrologue` of PC_to_RDR_Secure).
    public func securePINPrologue(apduLength: Int) -> [UInt8] {
        let pcb = T1Block(kind: .information(sequence: sendSequence, more: false)).pcb
        return [configuration.nad, pcb, UInt8(truncatingIfNeeded: apduLength)]
    }

    /// Advances N(S) and N(R) past an exchange the reader performed on its own (secure
    /// PIN entry). Call it again to undo when the reader did not send the block.
    public mutating func toggleSequenceNumbersForReaderExchange() {
        sendSequence ^= 1
        receiveSequence ^= 1
    }
}

/// A failure of a T=1 exchange.
public enum T1Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// Resynchronisation failed; the card must be reset.
    case dead
    /// The card's answer exceeded the response limit.
    case responseTooLong
    /// The card did not confirm the host's IFSD.
    case ifsdNegotiationFailed
    /// IFSD must be 1–254.
    case invalidIFSD(UInt8)
    /// The card aborted the chain with S(ABORT request).
    case abortedByCard
    /// A block arrived while no exchange was running.
    case unexpectedBlock

    public var description: String {
        switch self {
        case .dead: "T=1 resynchronisation failed; the card must be reset"
        case .responseTooLong: "T=1 response exceeds the maximum length"
        case .ifsdNegotiationFailed: "the card did not accept the IFSD request"
        case .invalidIFSD(let value): "IFSD \(value) is outside 1–254"
        case .abortedByCard: "the card aborted the T=1 chain"
        case .unexpectedBlock: "T=1 block received while no exchange was running"
        }
    }
}
