import PCSCTypes
import Testing
import USBTransport

@testable import CCID

@Suite struct CCIDReaderOpenTests {
    @Test func openClaimsAndResynchronises() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.tpduFeatures)
        let builder = DescriptorBuilder(classDescriptor: descriptor.bytes, precedingHIDInterface: true)
        let device = FakeUSBDevice(info: builder.deviceInfo(vendorID: 0x1234, productID: 0x5678, release: 0x0100))
        let script = ScriptedReader(atr: TestReaders.t1ATR)
        script.attach(to: device)
        let interface = try #require(CCIDInterface.ccidInterfaces(in: device.info).first)

        let reader = try CCIDReader(device: device, interface: interface)

        #expect(device.state.withLock { $0.claimed } == [0])
        let commands = device.commands
        // One GetSlotStatus with the normal timeout, then short ones until one succeeds.
        #expect(commands.map(\.messageType) == [.getSlotStatus, .getSlotStatus])
        #expect(commands.map(\.sequence) == [0, 1])
        #expect(reader.slotCount == 1)
        #expect(reader.strings == ReaderStrings(manufacturer: "Acme", product: "Reader", serialNumber: "SN42", interface: nil))
        #expect(reader.displayName == "Acme Reader (1234:5678)")
        #expect(reader.reportsSlotChanges)
    }

    @Test func openFailsWhenReaderNeverAnswers() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.tpduFeatures)
        let builder = DescriptorBuilder(classDescriptor: descriptor.bytes, precedingHIDInterface: false)
        let device = FakeUSBDevice(info: builder.deviceInfo(vendorID: 0x1234, productID: 0x5678, release: 0x0100))
        device.setResponder { _ in [] }
        let interface = try #require(CCIDInterface.ccidInterfaces(in: device.info).first)

        #expect(throws: CCIDError.timeout(.getSlotStatus)) { try CCIDReader(device: device, interface: interface) }
        #expect(device.state.withLock { $0.released } == [0])
    }

    @Test func characterLevelReaderIsRefusedByName() throws {
        let descriptor = TestReaders.descriptor(features: CCIDFeatures(rawValue: 0x0000_0030))
        #expect(throws: CCIDError.unsupportedExchangeLevel(reader: "Acme Reader (1234:5678)", level: "character")) {
            _ = try TestReaders.open(descriptor)
        }
    }

    @Test func iccdVersionAIsRefused() throws {
        let descriptor = TestReaders.descriptor(features: CCIDFeatures(rawValue: 0x0001_0840))
        #expect(throws: CCIDError.unsupportedTransport(reader: "Acme Reader (09C3:0008)", transport: .iccdVersionA)) {
            _ = try TestReaders.open(descriptor, vendorID: 0x09C3, productID: 0x0008, release: 0x0203, endpoints: 0, interfaceProtocol: 1)
        }
    }

    @Test func outdatedFirmwareIsRefusedUnlessAllowed() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.tpduFeatures)
        #expect(throws: CCIDError.firmwareTooOld(reader: "Acme Reader (04E6:E001)", release: 0x0500, minimum: 0x0516)) {
            _ = try TestReaders.open(descriptor, vendorID: 0x04E6, productID: 0xE001, release: 0x0500)
        }
        let (_, _, reader) = try TestReaders.open(
            descriptor, vendorID: 0x04E6, productID: 0xE001, release: 0x0500, options: CCIDReaderOptions(allowsOutdatedFirmware: true))
        #expect(reader.slotCount == 1)
    }

    @Test func claimFailureIsCommunicationError() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.tpduFeatures)
        let builder = DescriptorBuilder(classDescriptor: descriptor.bytes, precedingHIDInterface: false)
        let device = FakeUSBDevice(info: builder.deviceInfo(vendorID: 0x1234, productID: 0x5678, release: 0x0100))
        device.close()
        let interface = try #require(CCIDInterface.ccidInterfaces(in: device.info).first)
        #expect(throws: CCIDError.deviceGone) { try CCIDReader(device: device, interface: interface) }
    }
}

@Suite struct CCIDReaderPowerTests {
    @Test func powerOnReturnsATRAt5Volts() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        let atr = try reader.powerOn(slot: 0)

        #expect(atr == TestReaders.t1ATR)
        #expect(try reader.atr(slot: 0) == TestReaders.t1ATR)
        #expect(device.commands.map(\.body) == [.iccPowerOn(.volts5)])
    }

    @Test func automaticVoltageWhenReaderSelects() throws {
        let features = CCIDFeatures(rawValue: TestReaders.tpduFeatures.rawValue | 0x08)
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: features))
        _ = try reader.powerOn(slot: 0)
        #expect(device.commands.map(\.body) == [.iccPowerOn(.automatic)])
    }

    @Test func voltageRetriesInLibccidOrder() throws {
        let (device, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        script.powerOnErrors = [.volts5: .hardwareError, .volts1_8: .iccClassNotSupported]

        let atr = try reader.powerOn(slot: 0)
        #expect(atr == TestReaders.t1ATR)
        #expect(device.commands.map(\.body) == [.iccPowerOn(.volts5), .iccPowerOn(.volts1_8), .iccPowerOn(.volts3)])
    }

    @Test func powerOnFailures() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        script.iccStatus = [.absent]
        #expect(throws: CCIDError.cardAbsent) { try reader.powerOn(slot: 0) }

        script.iccStatus = [.presentInactive]
        script.powerOnErrors = [.volts5: .iccMute, .volts3: .iccMute, .volts1_8: .iccMute]
        #expect(throws: CCIDError.cardMute) { try reader.powerOn(slot: 0) }

        script.powerOnErrors = [.volts5: .hardwareError, .volts3: .hardwareError, .volts1_8: .hardwareError]
        #expect(throws: CCIDError.communicationError(.commandFailed(.iccPowerOn, .hardwareError))) { try reader.powerOn(slot: 0) }
    }

    @Test func removalBetweenPollsIsReportedOnce() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        #expect(try reader.slotStatus(slot: 0) == .presentInactive)
        _ = try reader.powerOn(slot: 0)
        #expect(try reader.slotStatus(slot: 0) == .presentActive)

        // Card pulled and put back between two polls: the reader now says inactive.
        script.iccStatus = [.presentInactive]
        #expect(try reader.slotStatus(slot: 0) == .absent)
        #expect(try reader.atr(slot: 0) == nil)
        #expect(try reader.slotStatus(slot: 0) == .presentInactive)

        script.iccStatus = [.absent]
        #expect(try reader.slotStatus(slot: 0) == .absent)
    }

    @Test func powerOffForgetsCard() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        _ = try reader.powerOn(slot: 0)
        try reader.powerOff(slot: 0)

        #expect(device.commands.last?.body == .iccPowerOff)
        #expect(try reader.atr(slot: 0) == nil)
        #expect(try reader.slotStatus(slot: 0) == .presentInactive)
        #expect(throws: CCIDError.cardNotPowered) { try reader.transmit(slot: 0, apdu: [0x00, 0xA4, 0x00, 0x00]) }
    }

    @Test func kobilIDTokenPowersOffFirst() throws {
        let (device, _, reader) = try TestReaders.open(
            TestReaders.descriptor(features: TestReaders.shortAPDUFeatures), vendorID: 0x0D46, productID: 0x301D)
        _ = try reader.powerOn(slot: 0)
        #expect(device.commands.map(\.messageType) == [.iccPowerOff, .iccPowerOn])

        let answer = try reader.transmit(slot: 0, apdu: [0xFF, 0x9A, 0x01, 0x01, 0x00])
        #expect(answer == Array("KOBIL systems".utf8) + [0x90, 0x00])
        let firmware = try reader.transmit(slot: 0, apdu: [0xFF, 0x9A, 0x01, 0x06, 0x00])
        #expect(firmware == Array("1.00".utf8) + [0x90, 0x00])
        #expect(device.commands.count == 2)
    }

    @Test func multiSlotCommandsCarrySlotNumber() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures, slots: 3))
        #expect(reader.slotCount == 3)
        _ = try reader.powerOn(slot: 2)
        #expect(device.commands.last?.slot == 2)
        #expect(throws: CCIDError.invalidParameter("slot 3 (the reader has 3 slots)")) { try reader.slotStatus(slot: 3) }
    }

    @Test func sequenceNumberWrapsAt256() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        for _ in 0..<300 { _ = try reader.slotStatus(slot: 0) }
        let sequences = device.commands.map(\.sequence)
        #expect(sequences.first == 2)
        for (previous, next) in zip(sequences, sequences.dropFirst()) {
            #expect(next == previous &+ 1)
        }
        #expect(sequences.contains(255))
        #expect(sequences.contains(0))
    }

    @Test func closePowersOffAndReleases() throws {
        let (device, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures))
        _ = try reader.powerOn(slot: 0)
        reader.close()

        #expect(device.commands.last?.body == .iccPowerOff)
        #expect(device.state.withLock { $0.released } == [0])
        #expect(throws: CCIDError.readerClosed) { try reader.slotStatus(slot: 0) }
        #expect(throws: CCIDError.readerClosed) { try reader.waitForSlotChange(timeoutMilliseconds: 10) }
    }
}
