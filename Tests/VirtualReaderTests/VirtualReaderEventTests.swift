import Testing
import USBTransport
import VirtualReader

@Suite struct VirtualReaderInterruptTests {
    func notification(_ device: VirtualCCIDDevice, timeoutMilliseconds: UInt32 = 500) throws -> [UInt8] {
        try device.interruptRead(endpoint: 0x83, maxLength: 8, timeoutMilliseconds: timeoutMilliseconds)
    }

    @Test func initialNotificationThenTimeout() throws {
        let device = VirtualCCIDDevice()
        #expect(try notification(device) == [0x50, 0x03])
        #expect(usbError { _ = try notification(device, timeoutMilliseconds: 20) } == .timeout)
    }

    @Test func noInitialNotificationWithoutCard() {
        let device = VirtualCCIDDevice(configuration: VirtualReaderConfiguration(cardsInserted: []))
        #expect(usbError { _ = try notification(device, timeoutMilliseconds: 20) } == .timeout)
    }

    @Test func removeAndInsert() throws {
        let device = VirtualCCIDDevice()
        _ = try notification(device)
        try device.removeCard()
        #expect(try notification(device) == [0x50, 0x02])
        try device.insertCard()
        #expect(try notification(device) == [0x50, 0x03])
    }

    @Test func multiSlotBits() throws {
        let device = VirtualCCIDDevice(configuration: VirtualReaderConfiguration(slotCount: 6, cardsInserted: [1]))
        #expect(try notification(device) == [0x50, 0x0C, 0x00])
        try device.insertCard(slot: 5)
        #expect(try notification(device) == [0x50, 0x04, 0x0C])
        try device.removeCard(slot: 1)
        try device.insertCard(slot: 4)
        #expect(try notification(device) == [0x50, 0x08, 0x07])
    }

    @Test func blockedReadWakesOnInsert() throws {
        let device = VirtualCCIDDevice(configuration: VirtualReaderConfiguration(cardsInserted: []))
        let reader = BlockingThread { () -> [UInt8]? in
            try? device.interruptRead(endpoint: 0x83, maxLength: 8, timeoutMilliseconds: 5000)
        }
        sleepMilliseconds(50)
        try device.insertCard()
        #expect(reader.join() == [0x50, 0x03])
    }

    @Test func detachWakesInterruptReadQuickly() throws {
        let device = VirtualCCIDDevice()
        _ = try notification(device)
        let reader = BlockingThread { () -> (USBError?, Int) in
            let start = MonotonicMilliseconds.now
            let error = usbError { _ = try device.interruptRead(endpoint: 0x83, maxLength: 8, timeoutMilliseconds: 0) }
            return (error, MonotonicMilliseconds.now - start)
        }
        sleepMilliseconds(50)
        let detachedAt = MonotonicMilliseconds.now
        device.detach()
        let (error, _) = reader.join()
        #expect(error == .noDevice)
        #expect(MonotonicMilliseconds.now - detachedAt < 100)
        #expect(device.isDetached)
    }

    @Test func detachWakesBulkReadQuickly() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        try host.send(0x6F, payload: hexBytes("80 14 27 10"))
        _ = try host.receive()
        let device = host.device
        let reader = BlockingThread {
            usbError { _ = try device.bulkRead(endpoint: 0x82, maxLength: 300, timeoutMilliseconds: 20000) }
        }
        sleepMilliseconds(50)
        let detachedAt = MonotonicMilliseconds.now
        device.detach()
        #expect(reader.join() == .noDevice)
        #expect(MonotonicMilliseconds.now - detachedAt < 100)
        #expect(usbError { try host.send(0x65) } == .noDevice)
        #expect(throws: VirtualReaderError.detached) { try device.insertCard() }
    }

    @Test func controlAPIErrors() throws {
        let device = VirtualCCIDDevice(configuration: VirtualReaderConfiguration(slotCount: 2, cardsInserted: [0]))
        #expect(throws: VirtualReaderError.cardAlreadyPresent(slot: 0)) { try device.insertCard(slot: 0) }
        #expect(throws: VirtualReaderError.noCard(slot: 1)) { try device.removeCard(slot: 1) }
        #expect(throws: VirtualReaderError.slotOutOfRange(slot: 2, slotCount: 2)) { try device.insertCard(slot: 2) }
        #expect(throws: VirtualReaderError.slotOutOfRange(slot: -1, slotCount: 2)) { try device.injectFault(.goneMidTransfer, slot: -1) }
        device.detach()
        #expect(throws: VirtualReaderError.detached) { try device.removeCard(slot: 0) }
    }
}

@Suite struct VirtualReaderFaultTests {
    @Test func muteWithCount() throws {
        var host = TestHost(VirtualReaderConfiguration())
        try host.device.injectFault(.mute(count: 2))
        for _ in 0..<2 {
            let failed = try host.powerOn()
            #expect(failed.commandStatus == 1)
            #expect(failed.error == 0xFE)
            #expect(failed.iccStatus == 1)
        }
        #expect(try host.powerOn().commandStatus == 0)
    }

    @Test func muteUntilCleared() throws {
        var host = TestHost(VirtualReaderConfiguration())
        try host.device.injectFault(.mute(count: nil))
        for _ in 0..<5 {
            #expect(try host.powerOn().error == 0xFE)
        }
        try host.device.clearFaults()
        #expect(try host.powerOn().payload.count == 20)
    }

    @Test func timeExtensionFrames() throws {
        var host = TestHost(VirtualReaderConfiguration(mode: .shortAPDU))
        _ = try host.powerOn()
        try host.device.injectFault(.timeExtension(frames: 3))
        let sequence = try host.send(0x6F, payload: hexBytes("00 A4 00 0C"))
        for _ in 0..<3 {
            let interim = try host.receive()
            #expect(interim.commandStatus == 2)
            #expect(interim.sequence == sequence)
            #expect(interim.type == 0x80)
            #expect(interim.error == 1)
        }
        let final = try host.receive()
        #expect(final.commandStatus == 0)
        #expect(final.payload == [0x90, 0x00])
        #expect(try host.exchange(0x65).commandStatus == 0)
    }

    @Test func staleSequenceFrames() throws {
        var host = TestHost(VirtualReaderConfiguration())
        try host.device.injectFault(.staleSequence(frames: 2))
        let sequence = try host.send(0x62)
        let stale = try host.receive()
        #expect(stale.sequence == sequence &- 1)
        #expect(try host.receive().sequence == sequence &- 1)
        let answer = try host.receive()
        #expect(answer.sequence == sequence)
        #expect(answer.payload.count == 20)
    }

    @Test func goneMidTransfer() throws {
        var host = TestHost(VirtualReaderConfiguration())
        try host.device.injectFault(.goneMidTransfer)
        try host.send(0x65)
        #expect(usbError { _ = try host.receive() } == .noDevice)
        #expect(host.device.isDetached)
    }

    @Test func faultsArePerSlot() throws {
        var host = TestHost(VirtualReaderConfiguration(slotCount: 2, cardsInserted: [0, 1]))
        try host.device.injectFault(.mute(count: nil), slot: 1)
        #expect(try host.powerOn(slot: 0).commandStatus == 0)
        #expect(try host.powerOn(slot: 1).error == 0xFE)
    }
}
