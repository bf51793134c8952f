import VirtualCard

/// The card's side of the ISO 7816-3 T=1 block protocol, as a TPDU-level reader passes it
/// through: one host block in, one card block out.
///
/// Blocks use NAD 0 and an LRC. The card accepts information fields of up to IFSC bytes
/// (from its ATR) and chains its responses in pieces of at most IFSD bytes, which starts at
/// 32 and follows the host's S(IFS request). A command whose response reports a processing
/// time is answered with S(WTX request) first, and the response comes after the host's
/// S(WTX response), delayed by that time.
struct T1CardEndpoint: Sendable {
    /// The card's maximum information field size (IFSC).
    let ifsc: Int
    /// The host's maximum information field size (IFSD).
    private(set) var ifsd = 32
    /// N(S) of the card's next new I-block.
    private(set) var sendSequence: UInt8 = 0
    /// N(S) the host's next I-block must carry.
    private(set) var receiveSequence: UInt8 = 0

    private var command: [UInt8] = []
    private var response: [UInt8] = []
    private var awaitingChainAcknowledgement = false
    private var waitingTimeExtension: CardResponse?
    private var lastBlock: [UInt8] = []

    init(ifsc: Int = CardATR.ifsc) {
        self.ifsc = ifsc
    }

    /// The block the card sends back, and how long after the host's block it is ready.
    struct Reply: Equatable, Sendable {
        var block: [UInt8]
        var delayMilliseconds: UInt32 = 0
    }

    /// R-block error codes (PCB bits 1–2).
    enum ReceiveError: UInt8 {
        /// EDC or length error.
        case checksum = 1
        /// Any other protocol error.
        case other = 2
    }

    /// Processes one block from the host and returns the card's block.
    mutating func receive(_ block: [UInt8], card: inout VirtualCard) -> Reply {
        guard block.count >= 4, block[2] != 0xFF, block.count == 4 + Int(block[2]),
            block.reduce(0, ^) == 0
        else { return rejectBlock(.checksum) }
        guard block[0] == 0 else { return rejectBlock(.other) }

        let pcb = block[1]
        let information = Array(block[3..<(block.count - 1)])

        if pcb & 0x80 == 0 {
            return receiveInformation(pcb: pcb, information: information, card: &card)
        }
        if pcb & 0xC0 == 0x80 {
            return information.isEmpty ? receiveReceiveReady(pcb: pcb) : rejectBlock(.other)
        }
        return receiveSupervisory(pcb: pcb, information: information)
    }

    /// Builds the card's I-block for a response that the reader obtained outside the block
    /// exchange (PC_to_RDR_Secure, whose host prologue counts as one host I-block).
    mutating func wrapExternalResponse(_ data: [UInt8]) -> [UInt8] {
        receiveSequence ^= 1
        command = []
        response = data
        return nextResponseBlock()
    }

    private mutating func receiveInformation(pcb: UInt8, information: [UInt8], card: inout VirtualCard) -> Reply {
        guard !awaitingChainAcknowledgement, waitingTimeExtension == nil else { return rejectBlock(.other) }
        guard (pcb >> 6) & 1 == receiveSequence, information.count <= ifsc else { return rejectBlock(.other) }

        command += information
        receiveSequence ^= 1
        if pcb & 0x20 != 0 {
            return send(receiveReady(error: nil))
        }

        let result = card.process(command)
        command = []
        if result.processingMilliseconds > 0 {
            waitingTimeExtension = result
            let multiplier = UInt8(clamping: max(1, (Int(result.processingMilliseconds) + 999) / 1000))
            return send(supervisory(0xC3, [multiplier]))
        }

        response = result.bytes
        return Reply(block: nextResponseBlock())
    }

    private mutating func receiveReceiveReady(pcb: UInt8) -> Reply {
        let requested = (pcb >> 4) & 1
        if awaitingChainAcknowledgement && requested == sendSequence {
            return Reply(block: nextResponseBlock())
        }
        return Reply(block: lastBlock.isEmpty ? receiveReady(error: nil) : lastBlock)
    }

    private mutating func receiveSupervisory(pcb: UInt8, information: [UInt8]) -> Reply {
        switch pcb {
        case 0xC0:
            sendSequence = 0
            receiveSequence = 0
            clearExchange()
            return send(supervisory(0xE0, []))

        case 0xC1:
            guard information.count == 1, (1...254).contains(information[0]) else { return rejectBlock(.other) }
            ifsd = Int(information[0])
            return send(supervisory(0xE1, information))

        case 0xC2:
            clearExchange()
            return send(supervisory(0xE2, []))

        case 0xE3:
            guard let pending = waitingTimeExtension else { return rejectBlock(.other) }
            waitingTimeExtension = nil
            response = pending.bytes
            return Reply(block: nextResponseBlock(), delayMilliseconds: pending.processingMilliseconds)

        default:
            return rejectBlock(.other)
        }
    }

    private mutating func clearExchange() {
        command = []
        response = []
        awaitingChainAcknowledgement = false
        waitingTimeExtension = nil
    }

    /// Sends the next piece of `response` as an I-block, with M set while more remains.
    private mutating func nextResponseBlock() -> [UInt8] {
        let count = min(ifsd, response.count)
        let piece = Array(response[..<count])
        response.removeFirst(count)

        let more = !response.isEmpty
        let pcb = sendSequence << 6 | (more ? 0x20 : 0)
        sendSequence ^= 1
        awaitingChainAcknowledgement = more
        return send(Self.block(pcb: pcb, information: piece)).block
    }

    private mutating func rejectBlock(_ error: ReceiveError) -> Reply {
        send(receiveReady(error: error))
    }

    private mutating func send(_ block: [UInt8]) -> Reply {
        lastBlock = block
        return Reply(block: block)
    }

    private func receiveReady(error: ReceiveError?) -> [UInt8] {
        Self.block(pcb: 0x80 | receiveSequence << 4 | (error?.rawValue ?? 0), information: [])
    }

    private func supervisory(_ pcb: UInt8, _ information: [UInt8]) -> [UInt8] {
        Self.block(pcb: pcb, information: information)
    }

    /// Returns a block with NAD 0, `pcb`, the length, `information` and the LRC.
    static func block(pcb: UInt8, information: [UInt8]) -> [UInt8] {
        let body = [0x00, pcb, UInt8(information.count)] + information
        return body + [body.reduce(0, ^)]
    }
}
