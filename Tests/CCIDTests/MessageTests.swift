import PCSCTypes
import Testing
import USBTransport

@testable import CCID

@Suite struct MessageTests {
    static let commands: [CCIDCommand.Body] = [
        .iccPowerOn(.volts3), .iccPowerOff, .getSlotStatus,
        .xfrBlock(blockWaitingTimeMultiplier: 2, levelParameter: 0x0103, data: [1, 2, 3]),
        .getParameters, .resetParameters,
        .setParameters(.t0(T0Parameters(findexDindex: 0x96, convention: 2, guardTime: 1, waitingInteger: 20, clockStop: 3))),
        .setParameters(.t1(T1Parameters())),
        .setParameters(.other(protocolNumber: 0x80, data: [9, 9])),
        .escape([0x6A]), .iccClock(.stop), .t0APDU(changes: 3, classGetResponse: 0x00, classEnvelope: 0x80),
        .secure(blockWaitingTimeMultiplier: 0, levelParameter: 0, data: [0x00, 0x1E]),
        .mechanical(.eject), .abort,
        .setDataRateAndClockFrequency(clockFrequency: 4000, dataRate: 10752),
    ]

    @Test(arguments: commands)
    func commandRoundTrips(body: CCIDCommand.Body) throws {
        let command = CCIDCommand(body, slot: 1, sequence: 0xFE)
        let bytes = command.bytes
        #expect(bytes.count >= 10)
        #expect(Int(bytes.littleEndianUInt32(at: 1)) == bytes.count - 10)
        #expect(bytes[5] == 1)
        #expect(bytes[6] == 0xFE)
        #expect(try CCIDCommand(bytes: bytes) == command)
    }

    @Test func commandLayouts() {
        #expect(CCIDCommand(.iccPowerOn(.volts5), slot: 0, sequence: 7).bytes == [0x62, 0, 0, 0, 0, 0, 7, 1, 0, 0])
        #expect(CCIDCommand(.xfrBlock(blockWaitingTimeMultiplier: 0, levelParameter: 0x0010, data: []), slot: 0, sequence: 1).bytes
            == [0x6F, 0, 0, 0, 0, 0, 1, 0, 0x10, 0x00])
        #expect(CCIDCommand(.setParameters(.t1(T1Parameters())), slot: 0, sequence: 2).bytes
            == [0x61, 7, 0, 0, 0, 0, 2, 1, 0, 0, 0x11, 0x10, 0x00, 0x4D, 0x00, 0x20, 0x00])
        #expect(CCIDCommand(.setDataRateAndClockFrequency(clockFrequency: 4000, dataRate: 9600), slot: 0, sequence: 3).bytes
            == [0x73, 8, 0, 0, 0, 0, 3, 0, 0, 0, 0xA0, 0x0F, 0, 0, 0x80, 0x25, 0, 0])
    }

    @Test func responseDecoding() throws {
        let bytes: [UInt8] = [0x80, 2, 0, 0, 0, 1, 9, 0x40, 0xFE, 0x03, 0x90, 0x00]
        let response = try CCIDResponse(bytes: bytes)
        #expect(response.messageType == .dataBlock)
        #expect(response.slot == 1)
        #expect(response.sequence == 9)
        #expect(response.status.iccStatus == .presentActive)
        #expect(response.status.commandStatus == .failed)
        #expect(response.error == .iccMute)
        #expect(response.chainParameter == .continues)
        #expect(response.payload == [0x90, 0x00])
        #expect(response.bytes == bytes)

        let status = try CCIDResponse(bytes: [0x81, 0, 0, 0, 0, 0, 1, 0x82, 0x02, 0x01])
        #expect(status.status.iccStatus == .absent)
        #expect(status.status.commandStatus == .timeExtension)
        #expect(status.clockStatus == .stoppedLow)

        let reserved = try CCIDResponse(bytes: [0x81, 0, 0, 0, 0, 0, 1, 0x03, 0, 0])
        #expect(reserved.status.iccStatus == nil)

        let parameters = try CCIDResponse(bytes: [0x82, 5, 0, 0, 0, 0, 1, 0, 0, 0, 0x11, 0, 0, 10, 0])
        #expect(parameters.parameters == .t0(T0Parameters()))
    }

    @Test func malformedMessagesThrow() {
        #expect(throws: CCIDMessageError.tooShort(9)) { try CCIDResponse(bytes: [0x80, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: CCIDMessageError.lengthMismatch(declared: 3, actual: 1)) { try CCIDResponse(bytes: [0x80, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0x90]) }
        #expect(throws: CCIDMessageError.unknownMessageType(0x62)) { try CCIDResponse(bytes: [0x62, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: CCIDMessageError.unknownMessageType(0x80)) { try CCIDCommand(bytes: [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: CCIDMessageError.invalidField(name: "bPowerSelect", value: 4)) { try CCIDCommand(bytes: [0x62, 0, 0, 0, 0, 0, 0, 4, 0, 0]) }
    }

    @Test func slotErrorDescriptions() {
        #expect(SlotError.iccMute.description == "card mute")
        #expect(SlotError(rawValue: 0x05).rejectedByteOffset == 5)
        #expect(SlotError(rawValue: 0x05).description == "command byte 5 rejected")
        #expect(SlotError(rawValue: 0xA2).isVendorSpecific)
        #expect(SlotError(rawValue: 0xA2).description == "vendor error 0xA2")
        #expect(SlotError.commandNotSupported.rejectedByteOffset == nil)
    }

    @Test func notifications() throws {
        let change = try CCIDNotification(bytes: [0x50, 0b1101_0011, 0b0000_0010], slotCount: 5)
        #expect(change == .slotChange(SlotChangeNotification(presentSlots: [0, 2, 3], changedSlots: [0, 3, 4])))
        if case .slotChange(let notification) = change {
            #expect(notification.bitmap(slotCount: 5) == [0b1101_0011, 0b0000_0010])
        }
        #expect(try CCIDNotification(bytes: [0x51, 0, 5, 1], slotCount: 1) == .hardwareError(slot: 0, sequence: 5, code: 1))
        #expect(throws: CCIDMessageError.lengthMismatch(declared: 3, actual: 2)) { try CCIDNotification(bytes: [0x50, 0x03], slotCount: 5) }
        #expect(throws: CCIDMessageError.unknownMessageType(0x52)) { try CCIDNotification(bytes: [0x52, 0x03], slotCount: 1) }
        #expect(throws: CCIDMessageError.tooShort(0)) { try CCIDNotification(bytes: [], slotCount: 1) }
    }
}

@Suite struct InterfaceDiscoveryTests {
    static let descriptor = CCIDClassDescriptor(features: CCIDFeatures(rawValue: 0x0004_0840)).bytes

    func info(_ configuration: [UInt8]) -> USBDeviceInfo {
        USBDeviceInfo(
            vendorID: 1, productID: 2, deviceRelease: 0x100, busNumber: 1, deviceAddress: 2, manufacturerStringIndex: 0,
            productStringIndex: 0, serialNumberStringIndex: 0, configurationDescriptor: configuration)
    }

    @Test func findsDescriptorAfterLastEndpoint() throws {
        let builder = DescriptorBuilder(interfaceNumber: 1, classDescriptor: Self.descriptor, placement: .afterLastEndpoint)
        let interfaces = CCIDInterface.ccidInterfaces(in: info(builder.configurationDescriptor()))
        let interface = try #require(interfaces.first)
        #expect(interfaces.count == 1)
        #expect(interface.interfaceNumber == 1)
        #expect(interface.descriptorLocation == .afterLastEndpoint)
        #expect(interface.endpoints == CCIDEndpoints(bulkIn: 0x82, bulkOut: 0x01, interruptIn: 0x83, bulkInMaxPacketSize: 64))
    }

    @Test func vendorClassNeedsDescriptor() {
        var builder = DescriptorBuilder(interfaceClass: 0xFF, classDescriptor: Self.descriptor)
        #expect(CCIDInterface.ccidInterfaces(in: info(builder.configurationDescriptor())).count == 1)

        builder.classDescriptor = []
        #expect(CCIDInterface.ccidInterfaces(in: info(builder.configurationDescriptor())).isEmpty)
        #expect(CCIDInterface.rejectedInterfaces(in: info(builder.configurationDescriptor())).isEmpty)
    }

    @Test func wrongDescriptorLengthIsRejectedWithReason() {
        var shortDescriptor = Array(Self.descriptor.prefix(53))
        shortDescriptor[0] = 53
        let builder = DescriptorBuilder(classDescriptor: shortDescriptor)
        let configuration = info(builder.configurationDescriptor())
        #expect(CCIDInterface.ccidInterfaces(in: configuration).isEmpty)
        #expect(CCIDInterface.rejectedInterfaces(in: configuration).map(\.interfaceNumber) == [0])
    }

    @Test func proprietaryDescriptorTypeIsAccepted() throws {
        var proprietary = Self.descriptor
        proprietary[1] = 0xFF
        let builder = DescriptorBuilder(classDescriptor: proprietary)
        let interface = try #require(CCIDInterface.ccidInterfaces(in: info(builder.configurationDescriptor())).first)
        #expect(interface.descriptor.descriptorType == 0xFF)
    }

    @Test func twoCCIDInterfacesAreTwoReaders() {
        let first = DescriptorBuilder(interfaceNumber: 0, classDescriptor: Self.descriptor, precedingHIDInterface: false)
        let second = DescriptorBuilder(interfaceNumber: 1, classDescriptor: Self.descriptor, precedingHIDInterface: false)
        let body = Array(first.configurationDescriptor().dropFirst(9)) + Array(second.configurationDescriptor().dropFirst(9))
        let total = body.count + 9
        let configuration = [9, 2, UInt8(total & 0xFF), UInt8(total >> 8), 2, 1, 0, 0x80, 50] + body
        #expect(CCIDInterface.ccidInterfaces(in: info(configuration)).map(\.interfaceNumber) == [0, 1])
    }

    @Test func truncatedConfigurationDoesNotTrap() {
        let full = DescriptorBuilder(classDescriptor: Self.descriptor).configurationDescriptor()
        for length in 0..<full.count {
            _ = CCIDInterface.ccidInterfaces(in: info(Array(full.prefix(length))))
        }
        var zeroLength = full
        zeroLength[9] = 0
        #expect(CCIDInterface.ccidInterfaces(in: info(zeroLength)).isEmpty)
    }

    @Test func descriptorRejectsBadInput() {
        #expect(throws: CCIDDescriptorError.invalidLength(53)) { try CCIDClassDescriptor(bytes: Array(Self.descriptor.prefix(53))) }
        var wrongType = Self.descriptor
        wrongType[1] = 0x24
        #expect(throws: CCIDDescriptorError.invalidDescriptorType(0x24)) { try CCIDClassDescriptor(bytes: wrongType) }
        var wrongLength = Self.descriptor
        wrongLength[0] = 0x35
        #expect(throws: CCIDDescriptorError.invalidLengthField(0x35)) { try CCIDClassDescriptor(bytes: wrongLength) }
    }

    @Test func descriptorFieldOffsets() throws {
        var bytes = [UInt8](repeating: 0, count: 54)
        bytes[0] = 54
        bytes[1] = 0x21
        bytes[2] = 0x10; bytes[3] = 0x01
        bytes[4] = 2
        bytes[5] = 0x07
        bytes[6] = 0x03
        bytes[10] = 0xA0; bytes[11] = 0x0F
        bytes[14] = 0x40; bytes[15] = 0x1F
        bytes[18] = 3
        bytes[19] = 0x00; bytes[20] = 0x2A
        bytes[23] = 0x16; bytes[24] = 0x40; bytes[25] = 0x05
        bytes[27] = 4
        bytes[28] = 0xFE
        bytes[32] = 0x07
        bytes[36] = 0x0F
        bytes[40] = 0xBA; bytes[41] = 0x04; bytes[42] = 0x02
        bytes[44] = 0x0F; bytes[45] = 0x01
        bytes[48] = 0x00
        bytes[49] = 0xFF
        bytes[50] = 0x10; bytes[51] = 0x02
        bytes[52] = 0x03
        bytes[53] = 3

        let descriptor = try CCIDClassDescriptor(bytes: bytes)
        #expect(descriptor.ccidRelease == 0x0110)
        #expect(descriptor.slotCount == 3)
        #expect(descriptor.voltageSupport == .all)
        #expect(descriptor.protocols == .any)
        #expect(descriptor.defaultClock == 4000)
        #expect(descriptor.maximumClock == 8000)
        #expect(descriptor.numberOfClocksSupported == 3)
        #expect(descriptor.dataRate == 10752)
        #expect(descriptor.maxDataRate == 344_086)
        #expect(descriptor.numberOfDataRatesSupported == 4)
        #expect(descriptor.maxIFSD == 254)
        #expect(descriptor.synchronousProtocols == [.twoWire, .threeWire, .i2c])
        #expect(descriptor.mechanical == [.acceptCard, .ejectCard, .captureCard, .lockCard])
        #expect(descriptor.exchangeLevel == .shortAPDU)
        #expect(descriptor.features.contains(.automaticIFSDExchange))
        #expect(descriptor.features.contains(.automaticPPS))
        #expect(!descriptor.features.contains(.automaticParameterNegotiation))
        #expect(descriptor.maxMessageLength == 271)
        #expect(descriptor.classGetResponse == 0x00)
        #expect(descriptor.classEnvelope == 0xFF)
        #expect(descriptor.lcdLayout.lines == 2)
        #expect(descriptor.lcdLayout.charactersPerLine == 16)
        #expect(descriptor.pinSupport == [.verification, .modification])
        #expect(descriptor.maxBusySlots == 3)
        #expect(descriptor.bytes == bytes)

        var undefined = bytes
        undefined[42] = 0x03
        #expect(try CCIDClassDescriptor(bytes: undefined).exchangeLevel == nil)
    }
}
