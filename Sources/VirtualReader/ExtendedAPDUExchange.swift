import VirtualCard

/// The reader's side of extended-APDU-level chaining: commands arrive in pieces marked by
/// wLevelParameter, responses leave in pieces marked by bChainParameter (CCID §6.1.4).
///
/// | Value | Meaning |
/// |---|---|
/// | 0x0000 | the block begins and ends the APDU |
/// | 0x0001 | begins the APDU, more follow |
/// | 0x0002 | continues and ends the APDU |
/// | 0x0003 | continues, more follow |
/// | 0x0010 | empty block: the other side sends its next piece |
struct ExtendedAPDUExchange: Sendable {
    private var command: [UInt8]?
    private var response: [UInt8] = []

    /// One DataBlock response: payload, bChainParameter, and the delay before it is ready.
    struct Reply: Equatable, Sendable {
        var data: [UInt8]
        var chainParameter: UInt8
        var processingMilliseconds: UInt32 = 0
    }

    /// Processes the payload of one XfrBlock and returns the DataBlock to send, or nil when
    /// wLevelParameter does not fit the exchange so far (the reader then fails the command
    /// with bError 8).
    mutating func receive(
        _ data: [UInt8], levelParameter: UInt16, maxDataLength: Int, card: inout VirtualCard
    ) -> Reply? {
        switch levelParameter {
        case 0x0000:
            command = nil
            return start(card.process(data), maxDataLength: maxDataLength)

        case 0x0001:
            command = data
            response = []
            return Reply(data: [], chainParameter: 0x10)

        case 0x0003:
            guard command != nil else { return nil }
            command! += data
            return Reply(data: [], chainParameter: 0x10)

        case 0x0002:
            guard let begun = command else { return nil }
            command = nil
            return start(card.process(begun + data), maxDataLength: maxDataLength)

        case 0x0010:
            guard !response.isEmpty, data.isEmpty else { return nil }
            return nextPiece(maxDataLength: maxDataLength, first: false)

        default:
            return nil
        }
    }

    private mutating func start(_ result: CardResponse, maxDataLength: Int) -> Reply {
        response = result.bytes
        var reply = nextPiece(maxDataLength: maxDataLength, first: true)
        reply.processingMilliseconds = result.processingMilliseconds
        return reply
    }

    private mutating func nextPiece(maxDataLength: Int, first: Bool) -> Reply {
        let count = min(maxDataLength, response.count)
        let piece = Array(response[..<count])
        response.removeFirst(count)

        let parameter: UInt8 = switch (first, response.isEmpty) {
        case (true, true): 0x00
        case (true, false): 0x01
        case (false, true): 0x02
        case (false, false): 0x03
        }
        return Reply(data: piece, chainParameter: parameter)
    }
}
