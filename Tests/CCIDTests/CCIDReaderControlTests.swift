import PCSCTypes
import Testing
import USBTransport

@testable import CCID

/// Builds a PIN_VERIFY_STRUCTURE for VERIFY with an 8-byte PIN block.
func verifyStructure(timeout: UInt8 = 30, validation: UInt8 = 0x02, messages: UInt8 = 0x01) -> [UInt8] {
    let apdu: [UInt8] = [0x00, 0x20, 0x00, 0x01, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    return [timeout, 0x00, 0x82, 0x08, 0x00, 0x08, 0x04, validation, messages, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00,
            UInt8(apdu.count), 0x00, 0x00, 0x00] + apdu
}

@Suite struct CCIDReaderControlTests {
    static let pinPad = TestReaders.descriptor(
        features: TestReaders.tpduFeatures, pinSupport: [.verification, .modification],
        lcdLayout: LCDLayout(lines: 2, charactersPerLine: 16))

    @Test func featureRequestListsTLVs() throws {
        let (_, _, reader) = try TestReaders.open(Self.pinPad)
        let expected: [UInt8] = [
            0x06, 0x04, 0x42, 0x33, 0x00, 0x06,
            0x07, 0x04, 0x42, 0x33, 0x00, 0x07,
            0x0A, 0x04, 0x42, 0x33, 0x00, 0x0A,
            0x12, 0x04, 0x42, 0x33, 0x00, 0x12,
        ]
        #expect(try reader.control(slot: 0, code: .getFeatureRequest, input: [], maxOutput: 256) == expected)
        #expect(try reader.control(slot: 0, code: .getFeatureRequestWindows, input: [], maxOutput: 256) == expected)
        #expect(throws: CCIDError.insufficientBuffer(needed: 24)) {
            try reader.control(slot: 0, code: .getFeatureRequest, input: [], maxOutput: 23)
        }
    }

    @Test func featureRequestWithoutPINPadButWithEscape() throws {
        let (_, _, reader) = try TestReaders.open(
            TestReaders.descriptor(features: TestReaders.shortAPDUFeatures), options: CCIDReaderOptions(allowsRawEscape: true))
        let list = try reader.control(slot: 0, code: .getFeatureRequest, input: [], maxOutput: 256)
        #expect(list == [0x12, 0x04, 0x42, 0x33, 0x00, 0x12, 0x13, 0x04, 0x42, 0x00, 0x00, 0x01])
    }

    @Test func pinPadDisabledByQuirk() throws {
        // HID OMNIKEY 3x21 advertises a PIN pad it does not have.
        let (_, _, reader) = try TestReaders.open(Self.pinPad, vendorID: 0x076B, productID: 0x3031)
        #expect(reader.features == [.getTLVProperties])
        #expect(throws: CCIDError.self) {
            try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: verifyStructure(), maxOutput: 256)
        }
    }

    @Test func tlvPropertiesAndPINProperties() throws {
        let (_, _, reader) = try TestReaders.open(Self.pinPad)
        let tlv = try reader.control(slot: 0, code: FeatureTag.getTLVProperties.controlCode, input: [], maxOutput: 256)
        #expect(tlv == [
            0x01, 0x02, 0x10, 0x02,
            0x04, 0x02, 0x10, 0x00,
            0x05, 0x02, 0x02, 0x00,
            0x03, 0x01, 0x00,
            0x09, 0x01, 0x00,
            0x0B, 0x02, 0x34, 0x12,
            0x0C, 0x02, 0x78, 0x56,
            0x0A, 0x04, 0x00, 0x00, 0x01, 0x00,
        ])
        let properties = try reader.control(slot: 0, code: FeatureTag.ifdPINProperties.controlCode, input: [], maxOutput: 4)
        #expect(properties == [0x10, 0x02, 0x07, 0x00])
    }

    @Test func cherryST2000PINLimits() throws {
        let (_, _, reader) = try TestReaders.open(Self.pinPad, vendorID: 0x046A, productID: 0x003E)
        let tlv = try reader.control(slot: 0, code: FeatureTag.getTLVProperties.controlCode, input: [], maxOutput: 256)
        #expect(tlv.count == 41)
        #expect(Array(tlv[15..<24]) == [0x06, 0x01, 0x00, 0x07, 0x01, 25, 0x02, 0x01, 0x02])
        let properties = try reader.control(slot: 0, code: FeatureTag.ifdPINProperties.controlCode, input: [], maxOutput: 4)
        #expect(properties[2] == 0x02)
    }

    @Test func verifyPINTranslatesStructure() throws {
        let (device, script, reader) = try TestReaders.open(Self.pinPad, atr: TestReaders.t0ATR)
        _ = try reader.powerOn(slot: 0)
        device.clearLog()

        let answer = try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: verifyStructure(), maxOutput: 256)
        #expect(answer == [0x90, 0x00])

        guard case .secure(let bwi, let level, let data) = device.commands.last?.body else {
            Issue.record("expected PC_to_RDR_Secure, got \(String(describing: device.commands.last))")
            return
        }
        #expect(bwi == 0)
        #expect(level == 0)
        #expect(data == [0x00, 30, 0x82, 0x08, 0x00, 0x08, 0x04, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00]
            + [0x00, 0x20, 0x00, 0x01, 0x08, 0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])

        script.secure = { command, _ in [.data(ScriptedReader.dataBlock(command, [], failed: .pinCancelled))] }
        #expect(try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: verifyStructure(), maxOutput: 256) == [0x64, 0x01])
        script.secure = { command, _ in [.data(ScriptedReader.dataBlock(command, [], failed: .pinTimeout))] }
        #expect(try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: verifyStructure(), maxOutput: 256) == [0x64, 0x00])
    }

    @Test func verifyPINFixesValidationConditionAndLength() throws {
        let (device, _, reader) = try TestReaders.open(Self.pinPad, atr: TestReaders.t0ATR)
        _ = try reader.powerOn(slot: 0)

        _ = try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: verifyStructure(validation: 0x00), maxOutput: 256)
        guard case .secure(_, _, let data) = device.commands.last?.body else {
            Issue.record("expected PC_to_RDR_Secure")
            return
        }
        #expect(data[7] == 0x02)

        var wrongLength = verifyStructure()
        wrongLength[15] = 20
        #expect(throws: CCIDError.self) {
            try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: wrongLength, maxOutput: 256)
        }
    }

    @Test func verifyPINOnT1TPDUAddsPrologue() throws {
        let (device, script, reader) = try TestReaders.open(Self.pinPad)
        let card = T1CardSimulator(ifsc: 16, respond: { _ in [0x90, 0x00] })
        attachT1Card(script, card: card)
        _ = try reader.powerOn(slot: 0)
        _ = try reader.setProtocol(slot: 0, protocols: .t1)

        script.secure = { command, data in
            // The reader sends the I-block with the PIN and returns the card's I-block.
            let answer = T1Block(kind: .information(sequence: 0, more: false), information: [0x90, 0x00]).encoded(errorDetection: .lrc)
            return [.data(ScriptedReader.dataBlock(command, answer))]
        }
        device.clearLog()
        let answer = try reader.control(slot: 0, code: FeatureTag.verifyPINDirect.controlCode, input: verifyStructure(), maxOutput: 256)
        #expect(answer == [0x90, 0x00])
        guard case .secure(_, _, let data) = device.commands.last?.body else {
            Issue.record("expected PC_to_RDR_Secure")
            return
        }
        #expect(Array(data[12..<15]) == [0x00, 0x00, 13])

        // The reader's exchange used N(S) 0 and N(R) 0, so the next host block is I(1).
        script.xfrBlock = { command, data, _ in
            let block = try? T1Block(decoding: data, errorDetection: .lrc)
            #expect(block?.kind == .information(sequence: 1, more: false))
            let answer = T1Block(kind: .information(sequence: 1, more: false), information: [0x90, 0x00]).encoded(errorDetection: .lrc)
            return [.data(ScriptedReader.dataBlock(command, answer))]
        }
        #expect(try reader.transmit(slot: 0, apdu: [0x00, 0xCA, 0x00, 0x00]) == [0x90, 0x00])
    }

    @Test func rawEscapeIsGated() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        script.escape = { data in data.reversed() }
        #expect(throws: CCIDError.notSupported("raw escape commands to Acme Reader (1234:5678); enable them in the daemon configuration")) {
            try reader.control(slot: 0, code: .vendorIFDExchange, input: [0x01, 0x02], maxOutput: 256)
        }

        let (_, allowedScript, allowed) = try TestReaders.open(
            TestReaders.descriptor(features: TestReaders.shortAPDUFeatures), options: CCIDReaderOptions(allowsRawEscape: true))
        allowedScript.escape = { data in data.reversed() }
        #expect(try allowed.control(slot: 0, code: .vendorIFDExchange, input: [0x01, 0x02], maxOutput: 256) == [0x02, 0x01])
    }

    @Test func gemaltoFirmwareVersionEscapeIsAllowed() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures), vendorID: 0x08E6, productID: 0x3437)
        script.escape = { data in data == [0x02] ? Array("GemTwin V1.00".utf8) : [] }
        #expect(try reader.control(slot: 0, code: .vendorIFDExchange, input: [0x02], maxOutput: 256) == Array("GemTwin V1.00".utf8))
        #expect(throws: CCIDError.self) { try reader.control(slot: 0, code: .vendorIFDExchange, input: [0x03], maxOutput: 256) }

        let tlv = try reader.control(slot: 0, code: FeatureTag.getTLVProperties.controlCode, input: [], maxOutput: 256)
        #expect(tlv.starts(with: [0x01, 0x02, 0x00, 0x00, 0x03, 0x01, 0x00, 0x08, 13]))
    }

    @Test func unknownControlCodeIsNotSupported() throws {
        let (_, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        #expect(throws: CCIDError.notSupported("control code 0x42000E10 on Acme Reader (1234:5678)")) {
            try reader.control(slot: 0, code: ControlCode(rawValue: 0x4200_0E10), input: [], maxOutput: 256)
        }
    }
}

@Suite struct CCIDReaderAttributeTests {
    @Test func readerAttributes() throws {
        let (_, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.tpduFeatures), release: 0x0210)
        #expect(try reader.attribute(slot: 0, id: .vendorName) == Array("Acme".utf8) + [0])
        #expect(try reader.attribute(slot: 0, id: .vendorIFDType) == Array("Reader".utf8) + [0])
        #expect(try reader.attribute(slot: 0, id: .vendorIFDSerialNumber) == Array("SN42".utf8) + [0])
        #expect(try reader.attribute(slot: 0, id: .vendorIFDVersion) == [0x00, 0x00, 0x10, 0x02])
        #expect(try reader.attribute(slot: 0, id: .maxInput) == [5, 1, 0, 0])
        #expect(try reader.attribute(slot: 0, id: .channelID) == [0x07, 0x03, 0x20, 0x00])
        #expect(try reader.attribute(slot: 0, id: .maxIFSD) == [254, 0, 0, 0])
        #expect(try reader.attribute(slot: 0, id: .asyncProtocolTypes) == [3, 0, 0, 0])
        #expect(try reader.attribute(slot: 0, id: .defaultClock) == [0xA0, 0x0F, 0, 0])
        #expect(try reader.attribute(slot: 0, id: .maxDataRate) == [0x16, 0x40, 0x05, 0x00])
        #expect(try reader.attribute(slot: 0, id: .deviceFriendlyName) == nil)
        #expect(try reader.attribute(slot: 0, id: .currentIFSC) == nil)
    }

    @Test func cardAttributes() throws {
        let (_, script, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures))
        #expect(try reader.attribute(slot: 0, id: .atrString) == [])
        #expect(try reader.attribute(slot: 0, id: .iccPresence) == [2])
        #expect(try reader.attribute(slot: 0, id: .iccInterfaceStatus) == [1])
        #expect(try reader.attribute(slot: 0, id: .currentProtocolType) == [0, 0, 0, 0])

        _ = try reader.powerOn(slot: 0)
        _ = try reader.setProtocol(slot: 0, protocols: .any)
        #expect(try reader.attribute(slot: 0, id: .atrString) == TestReaders.t1ATR)
        #expect(try reader.attribute(slot: 0, id: .currentProtocolType) == [2, 0, 0, 0])

        script.iccStatus = [.absent]
        #expect(try reader.attribute(slot: 0, id: .iccPresence) == [0])
        #expect(try reader.attribute(slot: 0, id: .iccInterfaceStatus) == [0])
    }

    @Test func missingStringsGiveEmptyValues() throws {
        let descriptor = TestReaders.descriptor(features: TestReaders.shortAPDUFeatures)
        let builder = DescriptorBuilder(classDescriptor: descriptor.bytes, precedingHIDInterface: false)
        let device = FakeUSBDevice(info: builder.deviceInfo(vendorID: 0x1234, productID: 0x5678, release: 0x0100), strings: [:])
        ScriptedReader(atr: TestReaders.t1ATR).attach(to: device)
        let interface = try #require(CCIDInterface.ccidInterfaces(in: device.info).first)
        let reader = try CCIDReader(device: device, interface: interface)

        #expect(try reader.attribute(slot: 0, id: .vendorName) == [])
        #expect(try reader.attribute(slot: 0, id: .vendorIFDSerialNumber) == [])
        #expect(reader.displayName == "1234:5678")
    }
}

@Suite struct CCIDReaderEventTests {
    @Test func notificationsFromInterruptEndpoint() throws {
        let warnings = WarningLog()
        let (device, _, reader) = try TestReaders.open(
            TestReaders.descriptor(features: TestReaders.shortAPDUFeatures, slots: 5),
            options: CCIDReaderOptions(warningHandler: warnings.handler))

        device.queueInterrupt([.data([0x50, 0x03, 0x02])])
        #expect(try reader.waitForSlotChange(timeoutMilliseconds: 100)
            == .slotsChanged(SlotChangeNotification(presentSlots: [0], changedSlots: [0, 4])))

        device.queueInterrupt([.data([0x51, 0x02, 0x07, 0x01])])
        #expect(try reader.waitForSlotChange(timeoutMilliseconds: 100) == .hardwareError(slot: 2, code: 0x01))

        device.queueInterrupt([.data([0x99, 0x00]), .data([0x50, 0x02, 0x00])])
        #expect(try reader.waitForSlotChange(timeoutMilliseconds: 100)
            == .slotsChanged(SlotChangeNotification(presentSlots: [], changedSlots: [0])))
        #expect(warnings.all.count == 1)

        #expect(try reader.waitForSlotChange(timeoutMilliseconds: 100) == .timedOut)

        device.queueInterrupt([.unplug])
        #expect(throws: CCIDError.deviceGone) { try reader.waitForSlotChange(timeoutMilliseconds: 100) }
    }

    @Test func readerWithoutInterruptEndpointAsksForPolling() throws {
        let (_, _, reader) = try TestReaders.open(TestReaders.descriptor(features: TestReaders.shortAPDUFeatures), endpoints: 2)
        #expect(reader.reportsSlotChanges == false)
        #expect(try reader.waitForSlotChange(timeoutMilliseconds: 5) == .pollRequired)
    }
}

@Suite struct ICCDReaderTests {
    /// An ICCD version B token: power-off and status by control requests, ATR and responses
    /// as data blocks, each preceded by one "poll again".
    final class Token: @unchecked Sendable {
        var powered = false
        var pendingBlocks: [[UInt8]] = []
        var sent: [(UInt16, [UInt8])] = []

        func respond(_ request: ControlRequest) -> Result<[UInt8], USBError> {
            switch (request.requestType, request.request) {
            case (0x21, 0x63):
                powered = false
                return .success([])
            case (0xA1, 0x81):
                return .success([0x00, powered ? 0x00 : 0x01, 0x00])
            case (0x21, 0x62):
                powered = true
                pendingBlocks = [[0x80, 0x00, 0x00], [0x00] + TestReaders.t1ATR]
                return .success([])
            case (0x21, 0x65):
                sent.append((request.value, request.data))
                pendingBlocks = [[0x80, 0x01, 0x00], [0x00] + request.data.reversed() + [0x90, 0x00]]
                return .success([])
            case (0xA1, 0x6F):
                guard !pendingBlocks.isEmpty else { return .failure(.pipe) }
                return .success(pendingBlocks.removeFirst())
            default:
                return .failure(.pipe)
            }
        }
    }

    @Test func iccdTokenPowersOnAndTransmits() throws {
        let descriptor = TestReaders.descriptor(features: CCIDFeatures(rawValue: 0x0002_0840))
        let builder = DescriptorBuilder(interfaceProtocol: 2, numberOfEndpoints: 0, classDescriptor: descriptor.bytes, precedingHIDInterface: false)
        let device = FakeUSBDevice(info: builder.deviceInfo(vendorID: 0x1A74, productID: 0x6354, release: 0x0101))
        let token = Token()
        device.setControlResponder { request in token.respond(request) }
        let interface = try #require(CCIDInterface.ccidInterfaces(in: device.info).first)

        let reader = try CCIDReader(device: device, interface: interface)
        #expect(reader.configuration.exchangeLevel == .extendedAPDU)
        #expect(try reader.slotStatus(slot: 0) == .presentInactive)

        #expect(try reader.powerOn(slot: 0) == TestReaders.t1ATR)
        #expect(try reader.slotStatus(slot: 0) == .presentActive)
        #expect(try reader.setProtocol(slot: 0, protocols: .any) == .t1)

        #expect(try reader.transmit(slot: 0, apdu: [0x01, 0x02, 0x03, 0x04]) == [0x04, 0x03, 0x02, 0x01, 0x90, 0x00])
        #expect(token.sent.last?.0 == 0x0000)
        #expect(device.commands.isEmpty)
        #expect(try reader.waitForSlotChange(timeoutMilliseconds: 1) == .pollRequired)
    }
}
