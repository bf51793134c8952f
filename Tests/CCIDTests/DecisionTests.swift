import PCSCTypes
import Testing
import USBTransport

@testable import CCID

@Suite struct TimeoutTests {
    func atr(_ text: String) throws -> ATR { try ATR(bytes: withCheckByte(hexBytes(text))) }

    @Test func workedValuesAt4MHz() throws {
        let t0 = try ATR(bytes: hexBytes("3B 00"))
        #expect(CCIDTimeouts.t0ReadTimeout(atr: t0, clockKHz: 4000) == 232_133)

        // TD1 81, TD2 01: T=1 without TB3 (BWI 4, CWI 13).
        let defaults = try atr("3B 80 81 01")
        #expect(CCIDTimeouts.t1ReadTimeout(atr: defaults, clockKHz: 4000, waitingIntegers: defaults.t1Parameters.waitingIntegers) == 201_068)
        #expect(CCIDTimeouts.t1ReadTimeout(atr: defaults, clockKHz: 4000, waitingIntegers: 0x45) == 3_759)
        #expect(CCIDTimeouts.t1ReadTimeout(atr: defaults, clockKHz: 4000, waitingIntegers: 0x75) == 13_758)

        // TA1 94 (F 512, D 8), TB3 45: below 3 s, not floored.
        let fast = try atr("3B 90 94 81 21 45")
        #expect(CCIDTimeouts.t1ReadTimeout(atr: fast, clockKHz: 4000, waitingIntegers: 0x45) == 2_657)
    }

    @Test func nonISOCardGets60Seconds() throws {
        let reserved = try ATR(bytes: [0x3B, 0x10, 0x70])
        #expect(CCIDTimeouts.t0ReadTimeout(atr: reserved, clockKHz: 4000) == 60_000)
        #expect(CCIDTimeouts.t1ReadTimeout(atr: try ATR(bytes: [0x3B, 0x00]), clockKHz: 0, waitingIntegers: 0x45) == 60_000)
    }
}

@Suite struct PowerSequenceTests {
    @Test func libccidRetryOrder() {
        #expect(PowerSequence.attempts(start: .volts5, features: [], voltageSupport: .all) == [.volts5, .volts1_8, .volts3])
        #expect(PowerSequence.attempts(start: .volts3, features: [], voltageSupport: .all) == [.volts3, .volts5, .volts1_8])
        #expect(PowerSequence.attempts(start: .volts1_8, features: [], voltageSupport: .all) == [.volts1_8, .volts3, .volts5])
        #expect(PowerSequence.attempts(start: .automatic, features: [], voltageSupport: .all) == [.automatic])
    }

    @Test func automaticFeaturesSelectAutomatic() {
        #expect(PowerSequence.attempts(start: .volts5, features: .automaticVoltageSelection, voltageSupport: .all) == [.automatic])
        #expect(PowerSequence.attempts(start: .volts5, features: .automaticActivation, voltageSupport: .all) == [.automatic])
    }

    @Test func unsupportedVoltagesAreSkipped() {
        #expect(PowerSequence.attempts(start: .volts5, features: [], voltageSupport: [.volts3, .volts1_8]) == [.volts3, .volts1_8])
        #expect(PowerSequence.attempts(start: .volts5, features: [], voltageSupport: .volts5) == [.volts5])
        #expect(PowerSequence.attempts(start: .volts1_8, features: [], voltageSupport: .volts5) == [.volts5])
        #expect(PowerSequence.attempts(start: .volts5, features: [], voltageSupport: []) == [.volts5, .volts1_8, .volts3])
    }
}

@Suite struct NegotiationTests {
    static func context(
        features: CCIDFeatures = CCIDFeatures(rawValue: 0x0001_0030), maxDataRate: UInt32 = 344_086,
        dataRates: [UInt32]? = nil, level: ExchangeLevel = .tpdu, maxIFSD: UInt32 = 254, maxCommandDataLength: Int = 261
    ) -> NegotiationContext {
        NegotiationContext(
            features: features, readerProtocols: .any, exchangeLevel: level, defaultClock: 4000, maxDataRate: maxDataRate,
            dataRates: dataRates, maxIFSD: maxIFSD, maxCommandDataLength: maxCommandDataLength)
    }

    static let t1Fast = withCheckByte(hexBytes("3B D6 18 00 81 31 10 45 80 73 C8 21 10 11"))

    @Test func fasterCardGetsPPS() throws {
        let plan = try ProtocolNegotiation.plan(requested: .t1, atr: ATR(bytes: Self.t1Fast), context: Self.context())
        #expect(plan.ppsRequest == [0xFF, 0x11, 0x18, 0xF6])
        #expect(plan.proposedFindexDindex == 0x18)
        #expect(plan.sendsSetParameters)
        #expect(plan.t1?.ifsc == 16)
        #expect(plan.t1?.ifsdToNegotiate == 254)
        #expect(plan.readTimeout == CCIDTimeouts.t1ReadTimeout(atr: try ATR(bytes: Self.t1Fast), clockKHz: 4000, waitingIntegers: 0x45))
    }

    @Test func dataRateListIsChecked() throws {
        let atr = try ATR(bytes: Self.t1Fast)
        let listed = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context(dataRates: [9600, 129_033]))
        #expect(listed.proposedFindexDindex == 0x18)

        let unlisted = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context(dataRates: [9600, 115_200]))
        #expect(unlisted.proposedFindexDindex == nil)
        #expect(unlisted.ppsRequest == nil, "T=1 is the default protocol and no speed change is proposed")
    }

    @Test func tooFastCardFallsBackToLowerDi() throws {
        // TA1 97: F 512, D 64, 500 000 bit/s; the reader tops out at 250 000.
        let atr = try ATR(bytes: withCheckByte(hexBytes("3B 90 97 81 01")))
        let plan = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context(maxDataRate: 250_000))
        #expect(plan.proposedFindexDindex == 0x96)
        #expect(plan.ppsRequest == [0xFF, 0x11, 0x96, 0x78])
    }

    @Test func specificModeRules() throws {
        // TA2 01: specific T=1; the card's speed must be usable as is.
        let specific = try ATR(bytes: withCheckByte(hexBytes("3B 92 18 90 01 01 AA BB")))
        let plan = try ProtocolNegotiation.plan(requested: .t1, atr: specific, context: Self.context())
        #expect(plan.ppsRequest == nil)
        #expect(plan.parameters(findexDindex: plan.findexDindexWithoutPPS).bytes.first == 0x18)

        #expect(throws: CCIDError.protocolNotSupported(.t0)) {
            try ProtocolNegotiation.plan(requested: .t0, atr: specific, context: Self.context())
        }
        #expect(throws: CCIDError.self) {
            try ProtocolNegotiation.plan(requested: .t1, atr: specific, context: Self.context(maxDataRate: 100_000))
        }

        let implicit = try ATR(bytes: withCheckByte(hexBytes("3B 92 18 90 11 01 AA BB")))
        #expect(throws: CCIDError.self) { try ProtocolNegotiation.plan(requested: .t1, atr: implicit, context: Self.context()) }
    }

    @Test func nonDefaultProtocolNeedsPPS() throws {
        // TD1 80 (T=0 first), TD2 01 (T=1 too): default T=0.
        let atr = try ATR(bytes: withCheckByte(hexBytes("3B 80 80 01")))
        let plan = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context())
        #expect(plan.ppsRequest == [0xFF, 0x01, 0xFE])

        let automaticPPS = try ProtocolNegotiation.plan(
            requested: .t1, atr: atr, context: Self.context(features: CCIDFeatures(rawValue: 0x0001_00B0)))
        #expect(automaticPPS.ppsRequest == nil)
        #expect(automaticPPS.sendsSetParameters)

        var neverPPS = Self.context()
        neverPPS.neverSendPPS = true
        #expect(try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: neverPPS).ppsRequest == nil)
    }

    @Test func ifsdRules() throws {
        let atr = try ATR(bytes: Self.t1Fast)
        let autoIFSD = try ProtocolNegotiation.plan(
            requested: .t1, atr: atr, context: Self.context(features: CCIDFeatures(rawValue: 0x0001_0430)))
        #expect(autoIFSD.t1?.ifsdToNegotiate == nil)

        let small = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context(maxCommandDataLength: 54))
        #expect(small.t1?.ifsdToNegotiate == 50)
        #expect(small.t1?.ifsc == 16)

        let zero = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context(maxIFSD: 0))
        #expect(zero.t1?.ifsdToNegotiate == nil)

        let apduLevel = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context(level: .shortAPDU))
        #expect(apduLevel.t1?.ifsdToNegotiate == nil)
    }

    @Test func openPGPCardGetsLongerBlockWaitingTime() throws {
        let atr = try ATR(bytes: ProtocolNegotiation.openPGPCardATR)
        let plan = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context())
        guard case .t1(let parameters) = plan.parameters(findexDindex: 0x11) else {
            Issue.record("expected T=1 parameters")
            return
        }
        #expect(parameters.waitingIntegers == 0x75)
        #expect(parameters.guardTime == 0xFF)
        #expect(parameters.ifsc == 0x80)
    }

    @Test func ppsResponseEvaluation() {
        let request: [UInt8] = [0xFF, 0x11, 0x18, 0xF6]
        #expect(ProtocolNegotiation.evaluatePPSResponse(request: request, response: request) == .accepted(findexDindex: 0x18))
        #expect(ProtocolNegotiation.evaluatePPSResponse(request: request, response: [0xFF, 0x01, 0xFE]) == .accepted(findexDindex: 0x11))
        #expect(ProtocolNegotiation.evaluatePPSResponse(request: request, response: [0xFF, 0x10, 0x18, 0xF7]) == .rejected)
        #expect(ProtocolNegotiation.evaluatePPSResponse(request: request, response: [0xFF, 0x01, 0xFF]) == .rejected)
        #expect(ProtocolNegotiation.evaluatePPSResponse(request: request, response: []) == .rejected)
        #expect(ProtocolNegotiation.evaluatePPSResponse(request: [0xFF, 0x00, 0xFF], response: [0xFF, 0x00, 0xFF]) == .accepted(findexDindex: 0x11))
        #expect(ProtocolNegotiation.ppsRequest(protocolNumber: 0, pps1: nil) == [0xFF, 0x00, 0xFF])
    }

    @Test func inverseConventionAndCRCInParameters() throws {
        // TS 3F, TD1 81, TD2 41 (TC3, T=1), TC3 01 (CRC), TC1 absent.
        let atr = try ATR(bytes: withCheckByte(hexBytes("3F 80 81 41 01")))
        let plan = try ProtocolNegotiation.plan(requested: .t1, atr: atr, context: Self.context())
        #expect(plan.parameters(findexDindex: 0x11).bytes == [0x11, 0x13, 0x00, 0x4D, 0x00, 0x20, 0x00])
        #expect(plan.t1?.errorDetection == .crc)
    }
}

@Suite struct SecurePINTranslationTests {
    /// PIN_MODIFY_STRUCTURE with bNumberMessage `messages` and indexes 1, 2, 3.
    func modifyStructure(messages: UInt8, validation: UInt8 = 0x02) -> [UInt8] {
        let apdu: [UInt8] = [0x00, 0x24, 0x00, 0x01, 0x10] + [UInt8](repeating: 0xFF, count: 16)
        return [0x1E, 0x00, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x04, 0x03, validation, messages, 0x09, 0x04,
                0x01, 0x02, 0x03, 0x00, 0x00, 0x00, UInt8(apdu.count), 0x00, 0x00, 0x00] + apdu
    }

    let noPrologue: (Int) -> [UInt8]? = { _ in nil }

    @Test func modifyDropsUnusedMessageIndexes() throws {
        let none = try SecurePINTranslation.modify(modifyStructure(messages: 0), quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        #expect(Array(none.data.prefix(16)) == [0x01, 0x1E, 0x82, 0x08, 0x00, 0x00, 0x08, 0x08, 0x04, 0x03, 0x02, 0x00, 0x09, 0x04, 0x01, 0x00])
        #expect(none.data.count == 1 + 24 - 1 - 4 - 2 + 21)

        let one = try SecurePINTranslation.modify(modifyStructure(messages: 1), quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        #expect(Array(one.data[14..<17]) == [0x01, 0x02, 0x00])

        let three = try SecurePINTranslation.modify(modifyStructure(messages: 3), quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        #expect(Array(three.data[14..<18]) == [0x01, 0x02, 0x03, 0x00])

        #expect(throws: CCIDError.notSupported("PIN modify with bNumberMessage 4")) {
            try SecurePINTranslation.modify(modifyStructure(messages: 4), quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        }
    }

    @Test func modifyFirmwareQuirks() throws {
        var zeroMessages = SecurePINQuirks()
        zeroMessages.modifyWithZeroMessages = true
        let spr532 = try SecurePINTranslation.modify(modifyStructure(messages: 1), quirks: zeroMessages, teoPrologue: noPrologue)
        #expect(spr532.data[11] == 0x00)
        #expect(Array(spr532.data[14..<17]) == [0x00, 0x00, 0x00])

        var gemalto = SecurePINQuirks()
        gemalto.modifyAlwaysCarriesThreeMessageIndexes = true
        let bug = try SecurePINTranslation.modify(modifyStructure(messages: 1), quirks: gemalto, teoPrologue: noPrologue)
        #expect(bug.data[11] == 0x01)
        #expect(Array(bug.data[14..<17]) == [0x01, 0x02, 0x03])

        var kc1000 = SecurePINQuirks()
        kc1000.modifyZeroMessagesAsDefault = true
        let defaultMessages = try SecurePINTranslation.modify(modifyStructure(messages: 0), quirks: kc1000, teoPrologue: noPrologue)
        #expect(defaultMessages.data[11] == 0xFF)

        var xx44 = SecurePINQuirks()
        xx44.modifyWithThreeMessages = true
        #expect(try SecurePINTranslation.modify(modifyStructure(messages: 0), quirks: xx44, teoPrologue: noPrologue).data[11] == 3)
    }

    @Test func verifyFirmwareQuirks() throws {
        var pinpad = SecurePINQuirks()
        pinpad.gemPCPinpadFrames = true
        let gemPC = try SecurePINTranslation.verify(verifyStructure(validation: 0x07, messages: 0xFF), quirks: pinpad, teoPrologue: noPrologue)
        #expect(gemPC.data[7] == 0x02)
        #expect(gemPC.data[8] == 0x01)

        var dell = SecurePINQuirks()
        dell.verifyWithoutMessagesAfterPause = true
        dell.swapsVerifyMaxExtraDigit = true
        let dellFrame = try SecurePINTranslation.verify(verifyStructure(), quirks: dell, teoPrologue: noPrologue)
        #expect(dellFrame.data[8] == 0x00)
        #expect(Array(dellFrame.data[5..<7]) == [0x04, 0x08])
        #expect(dellFrame.needsKeyReleasePause)

        var spr532 = SecurePINQuirks()
        spr532.spr532CaseOneEscape = true
        var caseOne = Array(verifyStructure().prefix(19)) + [0x00, 0x20, 0x00, 0x01]
        caseOne[3] = 0x00
        caseOne[15] = 4
        #expect(try SecurePINTranslation.verify(caseOne, quirks: spr532, teoPrologue: noPrologue).needsSPR532Escape)
    }

    @Test func bigEndianHostOrderIsDetected() throws {
        var structure = verifyStructure()
        structure.replaceSubrange(15..<19, with: [0x00, 0x00, 0x00, 13])
        structure.swapAt(5, 6)
        structure.swapAt(9, 10)
        let frame = try SecurePINTranslation.verify(structure, quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        let littleEndian = try SecurePINTranslation.verify(verifyStructure(), quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        #expect(frame.data == littleEndian.data)
    }

    @Test func shortStructureIsNotSupported() {
        #expect(throws: CCIDError.self) {
            try SecurePINTranslation.verify([UInt8](repeating: 0, count: 22), quirks: SecurePINQuirks(), teoPrologue: noPrologue)
        }
    }

    @Test func gemaltoValidationMask() {
        #expect(SecurePINTranslation.fixedValidationCondition(0x07, mask: 0x02) == 0x02)
        #expect(SecurePINTranslation.fixedValidationCondition(0x01, mask: 0x02) == 0x02)
        #expect(SecurePINTranslation.fixedValidationCondition(0x09, mask: nil) == 0x02)
        #expect(SecurePINTranslation.fixedValidationCondition(0x05, mask: nil) == 0x05)
    }
}

@Suite struct QuirkTests {
    func configuration(vendorID: UInt16, productID: UInt16, release: UInt16, features: UInt32, interfaceProtocol: UInt8 = 0, maxMessageLength: UInt32 = 271) throws -> CCIDReaderConfiguration {
        let descriptor = CCIDClassDescriptor(maxIFSD: 254, features: CCIDFeatures(rawValue: features), maxMessageLength: maxMessageLength, pinSupport: [.verification, .modification])
        let builder = DescriptorBuilder(interfaceProtocol: interfaceProtocol, classDescriptor: descriptor.bytes)
        let info = builder.deviceInfo(vendorID: vendorID, productID: productID, release: release)
        let interface = try #require(CCIDInterface.ccidInterfaces(in: info).first)
        return CCIDReaderConfiguration(device: info, interface: interface)
    }

    @Test func exchangeLevelOverrides() throws {
        #expect(try configuration(vendorID: 0x046A, productID: 0x00A1, release: 0x0100, features: 0x0002_0000).exchangeLevel == .extendedAPDU)
        #expect(try configuration(vendorID: 0x046A, productID: 0x00A1, release: 0x0102, features: 0x0002_0000).exchangeLevel == .shortAPDU)
        #expect(try configuration(vendorID: 0x0D46, productID: 0x3010, release: 0x0040, features: 0x0004_0000).exchangeLevel == .shortAPDU)
        #expect(try configuration(vendorID: 0x1234, productID: 0x0001, release: 0x0100, features: 0x0002_0840, interfaceProtocol: 2).exchangeLevel == .extendedAPDU)
    }

    @Test func speedAndIFSDQuirks() throws {
        let oz776 = try configuration(vendorID: 0x0B97, productID: 0x7762, release: 0x0100, features: 0x0000_0030)
        #expect(oz776.maxDataRate == 9600)
        #expect(oz776.quirks.neverSendPPS)

        let au9540 = try configuration(vendorID: 0x058F, productID: 0x9540, release: 0x0100, features: 0x0001_0030)
        #expect(au9540.maxDataRate == 200_000)

        let eToken = try configuration(vendorID: 0x0529, productID: 0x0620, release: 0x0012, features: 0x0001_0030)
        #expect(eToken.features.contains(.automaticIFSDExchange))
        let newerEToken = try configuration(vendorID: 0x0529, productID: 0x0620, release: 0x0100, features: 0x0001_0030)
        #expect(!newerEToken.features.contains(.automaticIFSDExchange))
    }

    @Test func messageLengthAndFirmwareQuirks() throws {
        let scm = try configuration(vendorID: 0x04E6, productID: 0xE001, release: 0x0516, features: 0x0001_0030, maxMessageLength: 263)
        #expect(scm.maxCommandMessageLength == 271)
        #expect(!scm.firmwareIsBelowMinimum)
        let oldSCM = try configuration(vendorID: 0x04E6, productID: 0xE001, release: 0x0515, features: 0x0001_0030)
        #expect(oldSCM.firmwareIsBelowMinimum)
        #expect(oldSCM.maxCommandMessageLength == 271)
    }

    @Test func pinPadQuirks() throws {
        let leaking = try configuration(vendorID: 0x03F0, productID: 0x1024, release: 0x0100, features: 0x0001_0030)
        #expect(leaking.pinSupport.isEmpty)
        let kc1000 = try configuration(vendorID: 0x046A, productID: 0x00A1, release: 0x0102, features: 0x0004_0000)
        #expect(kc1000.quirks.pinProperties == PINProperties(minimumPINSize: 0, maximumPINSize: 32, entryValidationCondition: nil))
        let gemPCPinpad = try configuration(vendorID: 0x08E6, productID: 0x3478, release: 0x0100, features: 0x0001_0030)
        #expect(gemPCPinpad.quirks.pinProperties?.maximumPINSize == 8)
        #expect(gemPCPinpad.quirks.securePIN.gemPCPinpadFrames)
        #expect(gemPCPinpad.quirks.queriesGemaltoFirmwareFeatures)
        #expect(GemaltoFirmwareFeatures(bytes: [UInt8](repeating: 0, count: 20)) == nil)
        let features = GemaltoFirmwareFeatures(bytes: [0, 0, 0, 0x02, 0, 0, 0, 0, 0x04, 0, 0, 0, 1, 4, 12, 0, 0, 0, 0, 0, 0])
        #expect(features?.minimumPINSize == 4)
        #expect(features?.maximumPINSize == 12)
        #expect(features?.handlesMessageIndexShift == true)
    }
}

@Suite struct APDUChainingTests {
    @Test func splitsIntoChainedBlocks() {
        #expect(APDUChaining.commandBlocks([1, 2, 3], chunkSize: 3).map(\.0) == [.complete])
        let blocks = APDUChaining.commandBlocks(Array(0..<10), chunkSize: 4)
        #expect(blocks.map(\.0) == [.begins, .continues, .ends])
        #expect(blocks.map(\.1) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(APDUChaining.commandBlocks(Array(0..<8), chunkSize: 4).map(\.0) == [.begins, .ends])
        #expect(APDUChaining.chunkSize(maxCommandDataLength: 100_000) == 65_546)
        #expect(APDUChaining.chunkSize(maxCommandDataLength: 54) == 54)
    }
}
