@testable import CCID

/// A T=1 card for tests: it responds to the host's blocks by ISO 7816-3 rules, chains in
/// both directions, and misbehaves on request.
final class T1CardSimulator: @unchecked Sendable {
    enum Fault {
        /// Corrupt the EDC of the next block the card sends.
        case corruptNextBlock
        /// Send S(WTX request) with this multiplier before the response.
        case waitingTimeExtension(UInt8)
        /// Send S(IFS request) with this size before the response.
        case ifsRequest(UInt8)
        /// Respond to every block with garbage, resynchronisation requests included.
        case deaf
        /// Answer the next I-block with R(N(S)) ("repeat"), as after a parity error.
        case requestRetransmission
        /// Answer with an I-block carrying a wrong N(S) once.
        case wrongSequenceOnce
    }

    var edc: T1ErrorDetection
    /// IFSC: the card's receive limit; the host must chain longer commands.
    var ifsc: Int
    /// IFSD: the size of blocks the card sends.
    var ifsd: Int
    var faults: [Fault] = []
    /// The card's answer to each complete command.
    var respond: ([UInt8]) -> [UInt8]

    private(set) var receivedCommands: [[UInt8]] = []
    private(set) var hostBlocks: [T1Block] = []
    private(set) var resynchronisations = 0

    private var cardSequence: UInt8 = 0
    private var expectedHostSequence: UInt8 = 0
    private var command: [UInt8] = []
    private var pendingResponse: [UInt8] = []
    private var responseOffset = 0
    private var lastSent: [UInt8] = []

    init(edc: T1ErrorDetection = .lrc, ifsc: Int = 32, ifsd: Int = 32, respond: @escaping ([UInt8]) -> [UInt8]) {
        self.edc = edc
        self.ifsc = ifsc
        self.ifsd = ifsd
        self.respond = respond
    }

    func encode(_ kind: T1Block.Kind, _ information: [UInt8] = []) -> [UInt8] {
        lastSent = T1Block(kind: kind, information: information).encoded(errorDetection: edc)
        return emit(lastSent)
    }

    /// Sends bytes, corrupting them when the next fault is `.corruptNextBlock`.
    private func emit(_ block: [UInt8]) -> [UInt8] {
        var bytes = block
        if case .corruptNextBlock? = faults.first {
            faults.removeFirst()
            bytes[bytes.count - 1] ^= 0xFF
        }
        return bytes
    }

    /// Returns the card's response to one block from the host.
    func receive(_ bytes: [UInt8]) -> [UInt8] {
        if case .deaf? = faults.first { return [0x00, 0x00, 0x05] }

        guard let block = try? T1Block(decoding: bytes, errorDetection: edc) else {
            return encode(.receiveReady(sequence: expectedHostSequence, error: .checksum))
        }
        hostBlocks.append(block)

        switch block.kind {
        case .information(let sequence, let more):
            return receiveInformation(block.information, sequence: sequence, more: more)
        case .receiveReady(let sequence, let error):
            // R(N(R)) with N(R) = our next sequence acknowledges a chained block. Anything
            // else requests the last block again.
            if error == .none && sequence == cardSequence && responseOffset < pendingResponse.count {
                return sendNextResponseChunk()
            }
            return emit(lastSent)
        case .supervisory(let type, let isResponse):
            return receiveSupervisory(type, isResponse: isResponse, information: block.information)
        }
    }

    private func receiveInformation(_ data: [UInt8], sequence: UInt8, more: Bool) -> [UInt8] {
        if case .requestRetransmission? = faults.first {
            faults.removeFirst()
            return encode(.receiveReady(sequence: expectedHostSequence, error: .checksum))
        }
        guard sequence == expectedHostSequence else {
            // A repeated block: acknowledge again.
            return emit(lastSent)
        }
        expectedHostSequence ^= 1
        command += data
        if more {
            return encode(.receiveReady(sequence: expectedHostSequence, error: .none))
        }

        receivedCommands.append(command)
        pendingResponse = respond(command)
        responseOffset = 0
        command = []
        return answerOrFault()
    }

    private func answerOrFault() -> [UInt8] {
        switch faults.first {
        case .waitingTimeExtension(let multiplier)?:
            faults.removeFirst()
            return encode(.supervisory(.wtx, isResponse: false), [multiplier])
        case .ifsRequest(let size)?:
            faults.removeFirst()
            return encode(.supervisory(.ifs, isResponse: false), [size])
        case .wrongSequenceOnce?:
            faults.removeFirst()
            return encode(.information(sequence: cardSequence ^ 1, more: false), [0x6F, 0x00])
        default:
            return sendNextResponseChunk()
        }
    }

    private func sendNextResponseChunk() -> [UInt8] {
        let end = min(responseOffset + ifsd, pendingResponse.count)
        let chunk = Array(pendingResponse[responseOffset..<end])
        let more = end < pendingResponse.count
        let sequence = cardSequence
        cardSequence ^= 1
        responseOffset = end
        return encode(.information(sequence: sequence, more: more), chunk)
    }

    private func receiveSupervisory(_ type: T1Block.SupervisoryType, isResponse: Bool, information: [UInt8]) -> [UInt8] {
        switch (type, isResponse) {
        case (.resynch, false):
            resynchronisations += 1
            cardSequence = 0
            expectedHostSequence = 0
            command = []
            return encode(.supervisory(.resynch, isResponse: true))
        case (.ifs, false):
            ifsd = Int(information[0])
            return encode(.supervisory(.ifs, isResponse: true), information)
        case (.wtx, true), (.ifs, true):
            // The host answered our request: now send the real answer.
            return answerOrFault()
        default:
            return encode(.receiveReady(sequence: expectedHostSequence, error: .other))
        }
    }
}

/// Runs an engine against a simulated card until it completes or fails.
func runExchange(_ engine: inout T1Engine, card: T1CardSimulator, apdu: [UInt8], maxSteps: Int = 10_000) -> (T1Engine.Action, [UInt8]) {
    var action = engine.transceive(apdu)
    var multipliers: [UInt8] = []
    for _ in 0..<maxSteps {
        guard case .send(let block, let multiplier) = action else { return (action, multipliers) }
        if multiplier != 1 { multipliers.append(multiplier) }
        action = engine.receive(card.receive(block))
    }
    return (action, multipliers)
}
