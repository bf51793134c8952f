import Testing
import USBTransport
import VirtualCard
import VirtualReader

@Suite struct VirtualReaderCommandTests {
    @Test func powerOnReturnsATR() throws {
        var host = TestHost(VirtualReaderConfiguration())
        let answer = try host.exchange(0x62)
        #expect(answer.type == 0x80)
        #expect(answer.payload == CardATR.bytes)
        #expect(answer.declaredLength == CardATR.bytes.count)
        #expect(answer.sequence == 0)
        #expect(answer.status == 0)
        #expect(host.device.slotStates == [.powered])
    }

    @Test func sequenceAndSlotEchoed() throws {
        var host = TestHost(VirtualReaderConfiguration(slotCount: 2, cardsInserted: [0, 1]))
        for _ in 0..<300 {
            let expected = host.sequence
            let answer = try host.exchange(0x65, slot: 1)
            #expect(answer.sequence == expected)
            #expect(answer.slot == 1)
        }
    }

    @Test func powerOnWithoutCard() throws {
        var host = TestHost(VirtualReaderConfiguration(cardsInserted: []))
        let answer = try host.powerOn()
        #expect(answer.type == 0x80)
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 0xFE)
        #expect(answer.iccStatus == 2)
    }

    @Test func powerOnBadVoltage() throws {
        var host = TestHost(VirtualReaderConfiguration())
        let answer = try host.exchange(0x62, parameters: (4, 0, 0))
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 7)
    }

    @Test func slotStatusFollowsCard() throws {
        var host = TestHost(VirtualReaderConfiguration(cardsInserted: []))
        #expect(try host.exchange(0x65).iccStatus == 2)
        try host.device.insertCard()
        #expect(try host.exchange(0x65).iccStatus == 1)
        _ = try host.powerOn()
        let active = try host.exchange(0x65)
        #expect(active.iccStatus == 0)
        #expect(active.type == 0x81)
        #expect(active.commandStatus == 0)
        let off = try host.exchange(0x63)
        #expect(off.type == 0x81)
        #expect(off.iccStatus == 1)
        try host.device.removeCard()
        #expect(try host.exchange(0x65).iccStatus == 2)
    }

    @Test func unknownMessageType() throws {
        var host = TestHost(VirtualReaderConfiguration())
        let answer = try host.exchange(0x50)
        #expect(answer.type == 0x81)
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 0)
    }

    @Test func badSlotNumber() throws {
        var host = TestHost(VirtualReaderConfiguration(slotCount: 2))
        let answer = try host.exchange(0x65, slot: 2)
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 5)
        #expect(answer.slot == 2)
    }

    @Test func lengthMismatch() throws {
        let host = TestHost(VirtualReaderConfiguration())
        _ = try host.device.bulkWrite(
            endpoint: 0x01, data: [0x6F, 5, 0, 0, 0, 0, 9, 0, 0, 0, 1, 2], timeoutMilliseconds: 100)
        let answer = try host.receive()
        #expect(answer.type == 0x80)
        #expect(answer.sequence == 9)
        #expect(answer.error == 1)
    }

    @Test func messageLongerThanMaximum() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let answer = try host.xfrBlock([UInt8](repeating: 0, count: 262))
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 1)
    }

    @Test func xfrBlockUnpowered() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        let answer = try host.xfrBlock(hexBytes("00 A4 00 0C"))
        #expect(answer.commandStatus == 1)
        #expect(answer.error == 0xFE)
        #expect(answer.iccStatus == 1)
    }

    @Test func parametersAfterPowerOn() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT1))
        _ = try host.powerOn()
        let t0 = try host.exchange(0x6C)
        #expect(t0.type == 0x82)
        #expect(t0.specific == 0)
        #expect(t0.payload == [0x11, 0x00, 0x00, 0x0A, 0x00])

        let set = try host.setParameters(protocolNumber: 1, [0x96, 0x10, 0x00, 0x45, 0x00, 0xFE, 0x00])
        #expect(set.commandStatus == 0)
        #expect(set.specific == 1)
        #expect(set.payload == [0x96, 0x10, 0x00, 0x45, 0x00, 0xFE, 0x00])

        let reset = try host.exchange(0x6D)
        #expect(reset.specific == 0)
        #expect(reset.payload == [0x11, 0x00, 0x00, 0x0A, 0x00])
    }

    @Test func apduModeParameters() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let answer = try host.exchange(0x6C)
        #expect(answer.specific == 1)
        #expect(answer.payload == [0x96, 0x10, 0x00, 0x45, 0x00, 0x80, 0x00])
    }

    @Test func setParametersRejections() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        #expect(try host.setParameters(protocolNumber: 1, [0x11, 0x10, 0, 0x45, 0, 0x20, 0]).error == 7)
        #expect(try host.setParameters(protocolNumber: 2, [0x11, 0, 0, 10, 0]).error == 7)
        #expect(try host.setParameters(protocolNumber: 0, [0x11, 0, 0, 10]).error == 1)
        #expect(try host.setParameters(protocolNumber: 0, [0x97, 0, 0, 10, 0]).error == 10)
        #expect(try host.setParameters(protocolNumber: 0, [0x95, 0, 0, 10, 0]).commandStatus == 0)

        var t1Host = TestHost(VirtualReaderConfiguration(mode: .tpduT1))
        _ = try t1Host.powerOn()
        #expect(try t1Host.setParameters(protocolNumber: 1, [0x11, 0x11, 0, 0x45, 0, 0x20, 0]).error == 11)
    }

    @Test func parametersWithoutCard() throws {
        var host = TestHost(VirtualReaderConfiguration(cardsInserted: []))
        let answer = try host.exchange(0x6C)
        #expect(answer.type == 0x82)
        #expect(answer.error == 0xFE)
    }

    @Test func escapeEchoes() throws {
        var host = TestHost(VirtualReaderConfiguration(cardsInserted: []))
        let answer = try host.exchange(0x6B, payload: [1, 2, 3])
        #expect(answer.type == 0x83)
        #expect(answer.payload == [1, 2, 3])
        #expect(answer.commandStatus == 0)
    }

    @Test func iccClock() throws {
        var host = TestHost(VirtualReaderConfiguration())
        #expect(try host.exchange(0x6E, parameters: (1, 0, 0)).error == 0xFE)
        _ = try host.powerOn()
        #expect(try host.exchange(0x6E, parameters: (1, 0, 0)).specific == 1)
        #expect(try host.exchange(0x65).specific == 1)
        #expect(try host.exchange(0x6E, parameters: (0, 0, 0)).specific == 0)
        #expect(try host.exchange(0x6E, parameters: (2, 0, 0)).error == 7)
    }

    @Test func t0APDUAndMechanical() throws {
        var host = TestHost(VirtualReaderConfiguration())
        let t0 = try host.exchange(0x6A, parameters: (3, 0x00, 0x00))
        #expect(t0.type == 0x81)
        #expect(t0.commandStatus == 0)
        #expect(try host.exchange(0x71, parameters: (4, 0, 0)).commandStatus == 0)
        #expect(try host.exchange(0x71, parameters: (5, 0, 0)).commandStatus == 0)
        let eject = try host.exchange(0x71, parameters: (2, 0, 0))
        #expect(eject.commandStatus == 1)
        #expect(eject.error == 0)
        #expect(try host.exchange(0x71, parameters: (9, 0, 0)).error == 7)
    }

    @Test func setDataRateAndClock() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let answer = try host.exchange(0x73, payload: [0xA0, 0x0F, 0, 0, 0x90, 0xD0, 0x03, 0])
        #expect(answer.type == 0x84)
        #expect(readUInt32(answer.payload, at: 0) == 4000)
        #expect(readUInt32(answer.payload, at: 4) == 250_000)
    }

    @Test func securePINVerify() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let structure: [UInt8] = [0x00, 0x1E, 0x82, 0x08, 0x00, 0x04, 0x08, 0x02, 0x01, 0x09, 0x04, 0x00, 0, 0, 0]
        let verify = try host.exchange(0x69, payload: structure + hexBytes("00 20 00 01 08 FF FF FF FF FF FF FF FF"))
        #expect(verify.type == 0x80)
        #expect(verify.payload == [0x90, 0x00])

        let unsupported = try host.exchange(0x69, payload: [0x04] + structure.dropFirst())
        #expect(unsupported.commandStatus == 1)
        #expect(unsupported.error == 10)
        #expect(try host.exchange(0x69, payload: [0x00, 0x1E]).error == 1)
    }

    @Test func securePINModify() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .extendedAPDU))
        _ = try host.powerOn()
        let structure = [UInt8](repeating: 0, count: 18)
        let modify = try host.exchange(0x69, payload: [0x01] + structure + hexBytes("00 24 00 01 10"))
        #expect(modify.payload == [0x90, 0x00])
    }

    @Test func busySlotAndAbortRequest() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        let slow = try host.send(0x6F, payload: hexBytes("80 14 27 10"))
        let interim = try host.receive()
        #expect(interim.commandStatus == 2)

        let busy = try host.exchange(0x65)
        #expect(busy.commandStatus == 1)
        #expect(busy.error == 0xE0)

        _ = try host.device.controlTransfer(
            requestType: 0x21, request: 0x01, value: UInt16(slow) << 8, index: 0, data: [], length: 0,
            timeoutMilliseconds: 100)
        let aborted = try host.receive(timeoutMilliseconds: 200)
        #expect(aborted.sequence == slow)
        #expect(aborted.type == 0x80)
        #expect(aborted.error == 0xFF)
        #expect(aborted.commandStatus == 1)

        let abort = try host.exchange(0x72)
        #expect(abort.type == 0x81)
        #expect(abort.commandStatus == 0)
        #expect(usbError { _ = try host.receive(timeoutMilliseconds: 50) } == .timeout)
    }

    @Test func slowCommandSendsTimeExtensions() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .tpduT0))
        _ = try host.powerOn()
        let start = MonotonicMilliseconds.now
        try host.send(0x6F, payload: hexBytes("80 14 04 B0 00"))

        let first = try host.receive()
        #expect(first.commandStatus == 2)
        #expect(first.error == 1)
        let second = try host.receive()
        #expect(second.commandStatus == 2)
        #expect(MonotonicMilliseconds.now - start >= 950)
        let final = try host.receive()
        #expect(final.commandStatus == 0)
        #expect(final.payload == [0x90, 0x00])
        #expect(MonotonicMilliseconds.now - start >= 1150)
    }

    @Test func readOverflowAndTimeout() throws {
        var host = TestHost(VirtualReaderConfiguration())
        #expect(usbError { _ = try host.receive(timeoutMilliseconds: 20) } == .timeout)
        try host.send(0x62)
        #expect(usbError { _ = try host.device.bulkRead(endpoint: 0x82, maxLength: 10, timeoutMilliseconds: 100) } == .overflow)
    }

    @Test func closeCancelsWaitingRead() throws {
        let device = VirtualCCIDDevice()
        let reader = BlockingThread {
            usbError { _ = try device.bulkRead(endpoint: 0x82, maxLength: 64, timeoutMilliseconds: 0) }
        }
        sleepMilliseconds(50)
        device.close()
        #expect(reader.join() == .cancelled)
        #expect(usbError { _ = try device.bulkWrite(endpoint: 0x01, data: [0x65, 0, 0, 0, 0, 0, 0, 0, 0, 0], timeoutMilliseconds: 10) } == .noDevice)

        try device.reopen()
        var host = TestHost(device)
        #expect(try host.exchange(0x65).iccStatus == 1)
        device.detach()
        #expect(usbError { try device.reopen() } == .noDevice)
    }

    @Test func wrongEndpoints() {
        let device = VirtualCCIDDevice()
        #expect(usbError { _ = try device.bulkWrite(endpoint: 0x02, data: [], timeoutMilliseconds: 10) } != nil)
        #expect(usbError { _ = try device.bulkRead(endpoint: 0x81, maxLength: 10, timeoutMilliseconds: 10) } != nil)
        #expect(usbError { try device.claimInterface(1) } != nil)
        #expect(usbError { try device.claimInterface(0) } == nil)
    }
}
