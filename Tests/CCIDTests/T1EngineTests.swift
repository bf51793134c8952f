import Testing

@testable import CCID

@Suite struct T1EngineTests {
    static func echoCard(_ extra: [UInt8] = [0x90, 0x00]) -> ([UInt8]) -> [UInt8] {
        { command in Array(command.prefix(4)) + extra }
    }

    func engine(ifsc: Int = 32, edc: T1ErrorDetection = .lrc) -> T1Engine {
        T1Engine(configuration: T1Engine.Configuration(ifsc: ifsc, errorDetection: edc))
    }

    func block(_ bytes: [UInt8], edc: T1ErrorDetection = .lrc) throws -> T1Block {
        try T1Block(decoding: bytes, errorDetection: edc)
    }

    @Test func singleBlockExchange() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        let (result, multipliers) = runExchange(&host, card: card, apdu: [0x00, 0xA4, 0x04, 0x00])

        #expect(result == .complete(response: [0x00, 0xA4, 0x04, 0x00, 0x90, 0x00]))
        #expect(multipliers.isEmpty)
        #expect(host.sendSequence == 1)
        #expect(host.receiveSequence == 1)
        #expect(card.hostBlocks.count == 1)
    }

    @Test func firstBlockBytes() {
        var host = engine()
        let action = host.transceive([0x00, 0xB0, 0x00, 0x00, 0x10])
        // NAD 00, PCB 00 (I-block N(S)=0), LEN 5, data, LRC.
        #expect(action == .send(block: [0x00, 0x00, 0x05, 0x00, 0xB0, 0x00, 0x00, 0x10, 0xA5], waitingTimeMultiplier: 1))
    }

    @Test func hostChainsCommandByIFSC() throws {
        var host = engine(ifsc: 32)
        let card = T1CardSimulator(ifsc: 32, respond: { _ in [0x90, 0x00] })
        let apdu = (0..<100).map { UInt8($0) }
        let (result, _) = runExchange(&host, card: card, apdu: apdu)

        #expect(result == .complete(response: [0x90, 0x00]))
        #expect(card.receivedCommands == [apdu])
        let sizes = card.hostBlocks.map(\.information.count)
        #expect(sizes == [32, 32, 32, 4])
        let kinds = card.hostBlocks.map(\.kind)
        #expect(kinds == [
            .information(sequence: 0, more: true), .information(sequence: 1, more: true),
            .information(sequence: 0, more: true), .information(sequence: 1, more: false),
        ])
    }

    @Test func cardChainsResponse() {
        var host = engine()
        let response = (0..<300).map { UInt8(truncatingIfNeeded: $0) } + [0x90, 0x00]
        let card = T1CardSimulator(ifsd: 32, respond: { _ in response })
        let (result, _) = runExchange(&host, card: card, apdu: [0x00, 0xB0, 0x00, 0x00, 0x00])

        #expect(result == .complete(response: response))
        let acknowledgements = card.hostBlocks.filter {
            if case .receiveReady(_, .none) = $0.kind { return true }
            return false
        }
        #expect(acknowledgements.count == 9)
    }

    @Test func chainingBothWaysOverManyExchanges() {
        var host = engine(ifsc: 20)
        let card = T1CardSimulator(ifsc: 20, ifsd: 24, respond: { command in command.reversed() + [0x90, 0x00] })
        for length in [0, 1, 19, 20, 21, 40, 41, 255, 1000] {
            let apdu = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let (result, _) = runExchange(&host, card: card, apdu: apdu)
            #expect(result == .complete(response: apdu.reversed() + [0x90, 0x00]), "length \(length)")
        }
        #expect(card.receivedCommands.count == 9)
    }

    @Test func waitingTimeExtensionIsAnswered() throws {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        card.faults = [.waitingTimeExtension(5)]
        let (result, multipliers) = runExchange(&host, card: card, apdu: [0x00, 0x84, 0x00, 0x00, 0x08])

        #expect(result == .complete(response: [0x00, 0x84, 0x00, 0x00, 0x90, 0x00]))
        #expect(multipliers == [5])
        let wtxResponse = card.hostBlocks.first { $0.kind == .supervisory(.wtx, isResponse: true) }
        #expect(wtxResponse?.information == [5])
    }

    @Test func ifsRequestFromCardChangesIFSC() {
        var host = engine(ifsc: 32)
        let card = T1CardSimulator(ifsc: 32, respond: { _ in [0x90, 0x00] })
        card.faults = [.ifsRequest(20)]
        let (first, _) = runExchange(&host, card: card, apdu: [0x00, 0x01, 0x02, 0x03])
        #expect(first == .complete(response: [0x90, 0x00]))
        #expect(host.ifsc == 20)

        let apdu = [UInt8](repeating: 0x55, count: 50)
        let (second, _) = runExchange(&host, card: card, apdu: apdu)
        #expect(second == .complete(response: [0x90, 0x00]))
        let lastSizes = card.hostBlocks.suffix(3).map(\.information.count)
        #expect(lastSizes == [20, 20, 10])
    }

    @Test func edcErrorTriggersRetransmission() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        card.faults = [.corruptNextBlock]
        let (result, _) = runExchange(&host, card: card, apdu: [0x00, 0xCA, 0x00, 0x00])

        #expect(result == .complete(response: [0x00, 0xCA, 0x00, 0x00, 0x90, 0x00]))
        let errorBlocks = card.hostBlocks.filter { $0.kind == .receiveReady(sequence: 0, error: .checksum) }
        #expect(errorBlocks.count == 1)
    }

    @Test func crcVariantWorks() {
        var host = engine(edc: .crc)
        let card = T1CardSimulator(edc: .crc, ifsc: 16, ifsd: 16, respond: { command in command + [0x90, 0x00] })
        card.faults = [.corruptNextBlock]
        let apdu = (0..<40).map { UInt8($0) }
        let (result, _) = runExchange(&host, card: card, apdu: apdu)
        #expect(result == .complete(response: apdu + [0x90, 0x00]))
    }

    /// The CRC equals CRC-16/X-25 without its final XOR (X-25 check value 0x906E).
    @Test func crcMatchesReferenceValue() {
        #expect(T1Checksum.crc16(Array("123456789".utf8)) == 0x906E ^ 0xFFFF)
        #expect(T1Checksum.compute([0x00, 0x00, 0x00], .lrc) == [0x00])
        let crc = T1Checksum.crc16([0x00, 0x40, 0x00])
        #expect(T1Checksum.compute([0x00, 0x40, 0x00], .crc) == [UInt8(crc >> 8), UInt8(crc & 0xFF)])
    }

    @Test func cardRequestsRetransmission() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        card.faults = [.requestRetransmission]
        let apdu: [UInt8] = [0x00, 0x20, 0x00, 0x81]
        let (result, _) = runExchange(&host, card: card, apdu: apdu)

        #expect(result == .complete(response: apdu + [0x90, 0x00]))
        let informationBlocks = card.hostBlocks.filter { $0.kind == .information(sequence: 0, more: false) }
        #expect(informationBlocks.count == 2)
    }

    @Test func wrongCardSequenceIsRejected() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        card.faults = [.wrongSequenceOnce]
        let (result, _) = runExchange(&host, card: card, apdu: [0x00, 0x01, 0x02, 0x03])

        #expect(result == .complete(response: [0x00, 0x01, 0x02, 0x03, 0x90, 0x00]))
        #expect(card.hostBlocks.contains { $0.kind == .receiveReady(sequence: 0, error: .other) })
    }

    @Test func repeatedErrorsResynchronise() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        card.faults = [.corruptNextBlock, .corruptNextBlock, .corruptNextBlock]
        let apdu: [UInt8] = [0x80, 0x10, 0x00, 0x00]
        let (result, _) = runExchange(&host, card: card, apdu: apdu)

        #expect(result == .complete(response: apdu + [0x90, 0x00]))
        #expect(card.resynchronisations == 1)
        #expect(card.receivedCommands == [apdu, apdu])
        #expect(host.isDead == false)
    }

    @Test func deafCardKillsProtocolUntilReset() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        card.faults = [.deaf]
        let (result, _) = runExchange(&host, card: card, apdu: [0x00, 0x00, 0x00, 0x00])

        #expect(result == .fail(.dead))
        #expect(host.isDead)
        #expect(host.transceive([0x00]) == .fail(.dead))

        host.reset(configuration: T1Engine.Configuration())
        card.faults = []
        let fresh = T1CardSimulator(respond: Self.echoCard())
        let (after, _) = runExchange(&host, card: fresh, apdu: [0x00, 0x01, 0x02, 0x03])
        #expect(after == .complete(response: [0x00, 0x01, 0x02, 0x03, 0x90, 0x00]))
    }

    @Test func wrongNADIsAnError() throws {
        var host = engine()
        _ = host.transceive([0x00, 0x01, 0x02, 0x03])
        let foreign = T1Block(nad: 0x21, kind: .information(sequence: 0, more: false), information: [0x90, 0x00])
        let action = host.receive(foreign.encoded(errorDetection: .lrc))

        guard case .send(let bytes, _) = action else {
            Issue.record("expected an R-block, got \(action)")
            return
        }
        #expect(try block(bytes).kind == .receiveReady(sequence: 0, error: .other))
    }

    @Test func parityErrorFromReaderAsksForRepeat() throws {
        var host = engine()
        _ = host.transceive([0x00, 0x01, 0x02, 0x03])
        let action = host.receiveFailed(.parityError)
        guard case .send(let bytes, _) = action else {
            Issue.record("expected an R-block, got \(action)")
            return
        }
        #expect(try block(bytes).kind == .receiveReady(sequence: 0, error: .checksum))
    }

    @Test func ifsdNegotiation() {
        var host = engine()
        let card = T1CardSimulator(respond: Self.echoCard())
        var action = host.negotiateIFSD(254)
        #expect(action == .send(block: [0x00, 0xC1, 0x01, 0xFE, 0x3E], waitingTimeMultiplier: 1))

        while case .send(let bytes, _) = action {
            action = host.receive(card.receive(bytes))
        }
        #expect(action == .complete(response: []))
        #expect(host.ifsd == 254)
        #expect(card.ifsd == 254)
    }

    @Test func ifsdNegotiationFailsWithoutEcho() {
        var host = engine()
        var action = host.negotiateIFSD(254)
        var attempts = 0
        while case .send = action {
            attempts += 1
            let wrongEcho = T1Block(kind: .supervisory(.ifs, isResponse: true), information: [0x20]).encoded(errorDetection: .lrc)
            action = host.receive(wrongEcho)
        }
        #expect(action == .fail(.ifsdNegotiationFailed))
        #expect(attempts == 3)
        #expect(host.negotiateIFSD(0) == .fail(.invalidIFSD(0)))
    }

    @Test func abortRequestFromCardEndsExchange() throws {
        var host = engine()
        _ = host.transceive([0x00, 0x01, 0x02, 0x03])
        let abort = T1Block(kind: .supervisory(.abort, isResponse: false)).encoded(errorDetection: .lrc)
        let action = host.receive(abort)
        guard case .send(let bytes, _) = action else {
            Issue.record("expected S(ABORT response), got \(action)")
            return
        }
        #expect(try block(bytes).kind == .supervisory(.abort, isResponse: true))

        let next = T1Block(kind: .receiveReady(sequence: 0, error: .none)).encoded(errorDetection: .lrc)
        #expect(host.receive(next) == .fail(.abortedByCard))
    }

    @Test func responseLimitIsEnforced() {
        var host = T1Engine(configuration: T1Engine.Configuration(maxResponseLength: 100))
        let card = T1CardSimulator(respond: { _ in [UInt8](repeating: 0, count: 200) })
        let (result, _) = runExchange(&host, card: card, apdu: [0x00])
        #expect(result == .fail(.responseTooLong))
    }

    @Test func blockDecodingRejectsMalformedBlocks() {
        #expect(throws: T1BlockError.tooShort(3)) { try T1Block(decoding: [0x00, 0x00, 0x00], errorDetection: .lrc) }
        #expect(throws: T1BlockError.invalidLength) { try T1Block(decoding: [0x00, 0x00, 0xFF, 0xFF], errorDetection: .lrc) }
        #expect(throws: T1BlockError.lengthMismatch(declared: 2, actual: 1)) { try T1Block(decoding: [0x00, 0x00, 0x02, 0x90, 0x92], errorDetection: .lrc) }
        #expect(throws: T1BlockError.checksumMismatch) { try T1Block(decoding: [0x00, 0x00, 0x00, 0x01], errorDetection: .lrc) }
        // R-block with an information field.
        #expect(throws: T1BlockError.invalidPCB(0x80)) { try T1Block(decoding: [0x00, 0x80, 0x01, 0x00, 0x81], errorDetection: .lrc) }
        // S(WTX) without its byte.
        #expect(throws: T1BlockError.invalidPCB(0xC3)) { try T1Block(decoding: [0x00, 0xC3, 0x00, 0xC3], errorDetection: .lrc) }
    }

    @Test func securePINPrologueUsesCurrentSequence() {
        var host = engine()
        #expect(host.securePINPrologue(apduLength: 13) == [0x00, 0x00, 0x0D])
        host.toggleSequenceNumbersForReaderExchange()
        #expect(host.securePINPrologue(apduLength: 13) == [0x00, 0x40, 0x0D])
        #expect(host.receiveSequence == 1)
    }
}
