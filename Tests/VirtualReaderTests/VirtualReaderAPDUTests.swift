import Testing
import VirtualCard
import VirtualReader

@Suite struct VirtualReaderShortAPDUTests {
    @Test func wholeAPDUAndResponse() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let answer = try host.xfrBlock(hexBytes("80 12 00 00 00"))
        #expect(answer.payload.count == 258)
        #expect(answer.payload.suffix(2) == [0x90, 0x00])
        #expect(answer.specific == 0)
    }

    @Test func responseTooLongForMessage() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let answer = try host.xfrBlock(hexBytes("80 12 00 00 00 02 00"))
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 0xFC)
    }
}

@Suite struct VirtualReaderExtendedAPDUTests {
    /// Sends `apdu` in pieces of at most 261 bytes and collects the chained response.
    func transmit(_ apdu: [UInt8], host: inout TestHost) throws -> [UInt8] {
        let pieceSize = 261
        var offset = 0
        var answer: ReaderMessage

        if apdu.count <= pieceSize {
            answer = try host.xfrBlock(apdu, levelParameter: 0x0000)
        } else {
            while true {
                let end = min(apdu.count, offset + pieceSize)
                let level: UInt16 = offset == 0 ? 0x0001 : (end == apdu.count ? 0x0002 : 0x0003)
                answer = try host.xfrBlock(Array(apdu[offset..<end]), levelParameter: level)
                offset = end
                if offset == apdu.count { break }
                #expect(answer.payload.isEmpty)
                #expect(answer.specific == 0x10)
            }
        }

        var response = answer.payload
        var first = true
        while answer.specific == 0x01 || answer.specific == 0x03 {
            #expect(answer.specific == (first ? 0x01 : 0x03))
            #expect(answer.payload.count == pieceSize)
            first = false
            answer = try host.xfrBlock([], levelParameter: 0x0010)
            response += answer.payload
        }
        #expect(answer.specific == (first ? 0x00 : 0x02))
        return response
    }

    @Test func shortExchangeUnchained() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .extendedAPDU))
        _ = try host.powerOn()
        #expect(try transmit(hexBytes("80 12 00 03 00"), host: &host) == hexBytes("00 01 02 90 00"))
    }

    @Test func commandAndResponseChaining() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .extendedAPDU))
        _ = try host.powerOn()
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let apdu = CommandAPDU(cla: 0x80, ins: 0x10, p1: 0, p2: 0, data: data, expectedLength: 65536).bytes
        #expect(try transmit(apdu, host: &host) == data + [0x90, 0x00])
    }

    @Test func largestExtendedResponse() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .extendedAPDU))
        _ = try host.powerOn()
        let response = try transmit(hexBytes("80 12 00 00 00 00 00"), host: &host)
        #expect(response.count == 65538)
        #expect(response[65535] == 0xFF)
        #expect(response.suffix(2) == [0x90, 0x00])
    }

    @Test func largerMessageLength() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .extendedAPDU, maxMessageLength: 65546))
        _ = try host.powerOn()
        let answer = try host.xfrBlock(hexBytes("80 12 00 00 00 00 00"))
        #expect(answer.payload.count == 65536)
        #expect(answer.specific == 0x01)
        let rest = try host.xfrBlock([], levelParameter: 0x0010)
        #expect(rest.payload.count == 2)
        #expect(rest.specific == 0x02)
    }

    @Test func levelParameterOutOfOrder() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .extendedAPDU))
        _ = try host.powerOn()
        #expect(try host.xfrBlock([1, 2], levelParameter: 0x0003).error == 8)
        #expect(try host.xfrBlock([1, 2], levelParameter: 0x0002).error == 8)
        #expect(try host.xfrBlock([], levelParameter: 0x0010).error == 8)
        #expect(try host.xfrBlock([], levelParameter: 0x0007).error == 8)
    }
}
