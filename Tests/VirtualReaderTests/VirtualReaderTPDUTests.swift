import Testing
import VirtualCard
import VirtualReader

@Suite struct VirtualReaderTPDUT0Tests {
    @Test func selectThenGetResponse() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        #expect(try host.setParameters(protocolNumber: 0, [0x11, 0x00, 0x00, 0x0A, 0x00]).commandStatus == 0)

        let select = try host.xfrBlock(hexBytes("00 A4 04 00 0A F0 73 77 69 66 74 70 63 73 63"))
        #expect(select.type == 0x80)
        #expect(select.payload == hexBytes("61 15"))

        let fci = try host.xfrBlock(hexBytes("00 C0 00 00 15"))
        #expect(fci.payload.count == 0x15 + 2)
        #expect(fci.payload.suffix(2) == [0x90, 0x00])
    }

    @Test func wrongLePassesThrough() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        #expect(try host.xfrBlock(hexBytes("00 84 00 00 00")).payload == hexBytes("6C 08"))
        #expect(try host.xfrBlock(hexBytes("00 84 00 00 08")).payload.count == 10)
    }

    @Test func ppsEchoChangesSpeed() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        var request: [UInt8] = [0xFF, 0x10, 0x95]
        request.append(request.reduce(0, ^))
        #expect(try host.xfrBlock(request).payload == request)
        #expect(try host.exchange(0x6C).payload.first == 0x95)
    }

    @Test func ppsRejectedWhenUnsupported() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        var request: [UInt8] = [0xFF, 0x11]
        request.append(request.reduce(0, ^))
        let answer = try host.xfrBlock(request)
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 0xFE)
    }

    @Test func ppsOnlyRightAfterPowerOn() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        _ = try host.xfrBlock(hexBytes("00 A4 00 0C"))
        var request: [UInt8] = [0xFF, 0x00]
        request.append(request.reduce(0, ^))
        #expect(try host.xfrBlock(request).payload == hexBytes("67 00"))
    }
}

@Suite struct VirtualReaderTPDUT1Tests {
    /// Powers the card, switches to T=1 and optionally negotiates IFSD.
    func connectedHost(ifsd: UInt8?) throws -> TestHost {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT1))
        _ = try host.powerOn()
        _ = try host.setParameters(protocolNumber: 1, [0x96, 0x10, 0x00, 0x45, 0x00, 0x80, 0x00])
        if let ifsd {
            #expect(try host.xfrBlock(t1Block(0xC1, [ifsd])).payload == t1Block(0xE1, [ifsd]))
        }
        return host
    }

    @Test func singleBlockExchange() throws {
        var host = try connectedHost(ifsd: 254)
        let select = try host.xfrBlock(t1Block(0x00, hexBytes("00 A4 04 0C 0A F0 73 77 69 66 74 70 63 73 63")))
        #expect(select.payload == t1Block(0x00, [0x90, 0x00]))
        let next = try host.xfrBlock(t1Block(0x40, hexBytes("00 B0 82 00 04")))
        #expect(next.payload == t1Block(0x40, hexBytes("30 31 32 33 90 00")))
    }

    @Test func ppsSelectsT1() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT1))
        _ = try host.powerOn()
        var request: [UInt8] = [0xFF, 0x11, 0x96]
        request.append(request.reduce(0, ^))
        #expect(try host.xfrBlock(request).payload == request)
        let parameters = try host.exchange(0x6C)
        #expect(parameters.specific == 1)
        #expect(try host.xfrBlock(t1Block(0x00, hexBytes("80 12 00 02 00"))).payload == t1Block(0x00, hexBytes("00 01 90 00")))
    }

    @Test func commandChainingByIFSC() throws {
        var host = try connectedHost(ifsd: 254)
        let data = (0..<200).map { UInt8($0) }
        let apdu = [0x80, 0x10, 0x00, 0x00, 200] + data + [0x00]

        let ack = try host.xfrBlock(t1Block(0x20, Array(apdu[..<128])))
        #expect(ack.payload == t1Block(0x90))
        let response = try host.xfrBlock(t1Block(0x40, Array(apdu[128...])))
        #expect(response.payload == t1Block(0x00, data + [0x90, 0x00]))
    }

    @Test func informationLongerThanIFSC() throws {
        var host = try connectedHost(ifsd: 254)
        let apdu = [0x80, 0x10, 0x00, 0x00, 130] + [UInt8](repeating: 1, count: 130)
        #expect(try host.xfrBlock(t1Block(0x00, apdu)).payload == t1Block(0x82))
    }

    @Test func responseChainingByDefaultIFSD() throws {
        var host = try connectedHost(ifsd: nil)
        var first = try host.xfrBlock(t1Block(0x00, hexBytes("80 12 00 64 00")))
        var received: [UInt8] = []
        var expectedSequence: UInt8 = 0
        while true {
            let block = first.payload
            #expect(block[1] & 0x40 == expectedSequence << 6)
            #expect(Int(block[2]) <= 32)
            received += block[3..<(block.count - 1)]
            expectedSequence ^= 1
            guard block[1] & 0x20 != 0 else { break }
            first = try host.xfrBlock(t1Block(0x80 | expectedSequence << 4))
        }
        #expect(received == (0..<100).map { UInt8($0) } + [0x90, 0x00])
    }

    @Test func responseChainingByNegotiatedIFSD() throws {
        var host = try connectedHost(ifsd: 254)
        let first = try host.xfrBlock(t1Block(0x00, hexBytes("80 12 00 00 00")))
        #expect(first.payload[1] == 0x20)
        #expect(first.payload[2] == 254)
        let second = try host.xfrBlock(t1Block(0x90))
        #expect(second.payload[1] == 0x40)
        #expect(Array(second.payload[3..<(second.payload.count - 1)]) == [0xFE, 0xFF, 0x90, 0x00])
    }

    @Test func retransmissionOnRequest() throws {
        var host = try connectedHost(ifsd: 254)
        let original = try host.xfrBlock(t1Block(0x00, hexBytes("80 12 00 02 00")))
        let repeated = try host.xfrBlock(t1Block(0x81))
        #expect(repeated.payload == original.payload)
    }

    @Test func badChecksumGivesRBlockError() throws {
        var host = try connectedHost(ifsd: 254)
        var block = t1Block(0x00, hexBytes("00 A4 00 0C"))
        block[block.count - 1] ^= 0x55
        #expect(try host.xfrBlock(block).payload == t1Block(0x81))
        #expect(try host.xfrBlock(t1Block(0x40, hexBytes("00 A4 00 0C"))).payload == t1Block(0x82))
    }

    @Test func waitingTimeExtension() throws {
        var host = try connectedHost(ifsd: 254)
        let request = try host.xfrBlock(t1Block(0x00, hexBytes("80 14 01 2C")))
        #expect(request.payload == t1Block(0xC3, [1]))

        let start = MonotonicMilliseconds.now
        let response = try host.xfrBlock(t1Block(0xE3, [1]))
        #expect(response.payload == t1Block(0x00, [0x90, 0x00]))
        #expect(MonotonicMilliseconds.now - start >= 280)
    }

    @Test func waitingTimeExtensionMultiplier() throws {
        var host = try connectedHost(ifsd: 254)
        let request = try host.xfrBlock(t1Block(0x00, hexBytes("80 14 0B B9")))
        #expect(request.payload == t1Block(0xC3, [4]))
    }

    @Test func resynchronisation() throws {
        var host = try connectedHost(ifsd: 254)
        _ = try host.xfrBlock(t1Block(0x00, hexBytes("00 A4 00 0C")))
        #expect(try host.xfrBlock(t1Block(0xC0)).payload == t1Block(0xE0))
        #expect(try host.xfrBlock(t1Block(0x00, hexBytes("00 A4 00 0C"))).payload == t1Block(0x00, [0x90, 0x00]))
    }

    @Test func abortChain() throws {
        var host = try connectedHost(ifsd: 254)
        _ = try host.xfrBlock(t1Block(0x20, [0x80, 0x10, 0x00, 0x00]))
        #expect(try host.xfrBlock(t1Block(0xC2)).payload == t1Block(0xE2))
    }

    @Test func invalidIFSRequest() throws {
        var host = try connectedHost(ifsd: nil)
        #expect(try host.xfrBlock(t1Block(0xC1, [0xFF])).payload == t1Block(0x82))
    }

    @Test func securePINInBlock() throws {
        var host = try connectedHost(ifsd: 254)
        let structure: [UInt8] = [0x00, 0x1E, 0x82, 0x08, 0x00, 0x04, 0x08, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x0D]
        let verify = try host.exchange(0x69, payload: structure + hexBytes("00 20 00 01 08 FF FF FF FF FF FF FF FF"))
        #expect(verify.payload == t1Block(0x00, [0x90, 0x00]))
        let next = try host.xfrBlock(t1Block(0x40, hexBytes("00 A4 00 0C")))
        #expect(next.payload == t1Block(0x40, [0x90, 0x00]))
    }
}
