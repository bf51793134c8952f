/// Translation of PC/SC part 10 `PIN_VERIFY_STRUCTURE` and `PIN_MODIFY_STRUCTURE` into the
/// data of PC_to_RDR_Secure, with the frame fixes PIN pad firmwares need.
public enum SecurePINTranslation {
    /// Size of `PIN_VERIFY_STRUCTURE` before the APDU.
    static let verifyHeaderLength = 19
    /// Size of `PIN_MODIFY_STRUCTURE` before the APDU.
    static let modifyHeaderLength = 24

    /// The result of a translation.
    public struct Frame: Sendable, Hashable {
        /// The PC_to_RDR_Secure data: bPINOperation, then the CCID PIN structure.
        public var data: [UInt8]
        /// bTimerOut of the structure, in seconds (0 = reader default).
        public var timeoutSeconds: UInt8
        /// The APDU the reader completes with the PIN.
        public var apdu: [UInt8]
        /// The SCM SPR532 needs the escape `80 02 00` first.
        public var needsSPR532Escape: Bool
        /// Verify on a Dell keyboard: wait 250 ms so the Enter key is released.
        public var needsKeyReleasePause: Bool
    }

    /// Translates a PIN_VERIFY_STRUCTURE.
    ///
    /// - Parameters:
    ///   - teoPrologue: the T=1 prologue for a TPDU reader with a T=1 card, else nil.
    ///   - validationMask: the Gemalto firmware's bEntryValidationCondition mask, if known.
    public static func verify(
        _ structure: [UInt8], quirks: SecurePINQuirks, teoPrologue: (Int) -> [UInt8]?,
        validationMask: UInt8? = nil
    ) throws(CCIDError) -> Frame {
        var input = try normalisedStructure(
            structure, headerLength: verifyHeaderLength, dataLengthOffset: 15, wordOffsets: [5, 9])

        input[7] = fixedValidationCondition(input[7], mask: validationMask)
        if quirks.gemPCPinpadFrames {
            input[8] = 0x01
            input[7] = 0x02
        }
        if quirks.verifyWithoutMessagesAfterPause {
            input[8] = 0x00
        }
        if quirks.swapsVerifyMaxExtraDigit {
            input.swapAt(5, 6)
        }

        let apdu = Array(input[verifyHeaderLength...])
        if let prologue = teoPrologue(apdu.count) {
            input.replaceSubrange(12..<15, with: prologue)
        }

        var data: [UInt8] = [0x00]
        for (index, byte) in input.enumerated() where index != 1 && !(15...18).contains(index) {
            data.append(byte)
        }

        return Frame(
            data: data, timeoutSeconds: input[0], apdu: apdu,
            needsSPR532Escape: quirks.spr532CaseOneEscape && input[3] == 0 && apdu.count == 4,
            needsKeyReleasePause: quirks.verifyWithoutMessagesAfterPause)
    }

    /// Translates a PIN_MODIFY_STRUCTURE.
    ///
    /// bMsgIndex2 is left out when bNumberMessage is 0 and bMsgIndex3 when it is below 3,
    /// except for firmwares that always expect the three indexes.
    public static func modify(
        _ structure: [UInt8], quirks: SecurePINQuirks, teoPrologue: (Int) -> [UInt8]?,
        validationMask: UInt8? = nil
    ) throws(CCIDError) -> Frame {
        var input = try normalisedStructure(
            structure, headerLength: modifyHeaderLength, dataLengthOffset: 20, wordOffsets: [7, 12])

        guard input[11] <= 3 || input[11] == 0xFF else {
            throw .notSupported("PIN modify with bNumberMessage \(input[11])")
        }
        input[10] = fixedValidationCondition(input[10], mask: validationMask)

        var sentNumberMessage = input[11]
        if quirks.modifyWithZeroMessages {
            input[14] = 0
            input[15] = 0
            input[16] = 0
            input[11] = 3
            sentNumberMessage = 0
        }
        if quirks.modifyWithThreeMessages {
            input[11] = 3
            sentNumberMessage = 3
        }
        if quirks.gemPCPinpadFrames {
            input[10] = 0x02
        }
        if quirks.modifyAlwaysCarriesThreeMessageIndexes {
            input[11] = 3
        }
        if quirks.modifyZeroMessagesAsDefault && sentNumberMessage == 0 {
            input[11] = 0xFF
            sentNumberMessage = 0xFF
        }

        let apdu = Array(input[modifyHeaderLength...])
        if let prologue = teoPrologue(apdu.count) {
            input.replaceSubrange(17..<20, with: prologue)
        }

        let building = input[11]
        var data: [UInt8] = [0x01]
        for (index, byte) in input.enumerated() {
            if index == 1 || (20...23).contains(index) { continue }
            if index == 15 && building == 0 { continue }
            if index == 16 && building < 3 { continue }
            data.append(byte)
        }
        // bNumberMessage sits at offset 11 of the data (after bPINOperation).
        data[11] = sentNumberMessage

        return Frame(data: data, timeoutSeconds: input[0], apdu: apdu, needsSPR532Escape: false, needsKeyReleasePause: false)
    }

    /// Checks the size and ulDataLength of a structure and returns it with its multi-byte
    /// fields in little-endian order. A caller on a big-endian host that filled the fields
    /// in host order is detected by ulDataLength only matching when read big-endian.
    static func normalisedStructure(
        _ structure: [UInt8], headerLength: Int, dataLengthOffset: Int, wordOffsets: [Int]
    ) throws(CCIDError) -> [UInt8] {
        guard structure.count >= headerLength + 4 else {
            throw .notSupported("PIN structure of \(structure.count) bytes is shorter than \(headerLength + 4)")
        }

        let littleEndianLength = Int(structure.littleEndianUInt32(at: dataLengthOffset))
        if littleEndianLength + headerLength == structure.count {
            return structure
        }

        var swapped = structure
        let range = dataLengthOffset..<dataLengthOffset + 4
        swapped.replaceSubrange(range, with: structure[range].reversed())
        guard Int(swapped.littleEndianUInt32(at: dataLengthOffset)) + headerLength == structure.count else {
            throw .notSupported("PIN structure ulDataLength \(littleEndianLength) does not match its \(structure.count - headerLength) APDU bytes")
        }
        for offset in wordOffsets {
            swapped.swapAt(offset, offset + 1)
        }
        return swapped
    }

    /// bEntryValidationCondition 0 or above 7 becomes 0x02 (validation key), because some
    /// readers crash on other values. A Gemalto firmware mask keeps only the conditions the
    /// firmware supports.
    static func fixedValidationCondition(_ value: UInt8, mask: UInt8?) -> UInt8 {
        var result = value == 0 || value > 0x07 ? 0x02 : value
        if let mask, mask != 0 {
            // NOTE: libccid's exact masking rule was not available; a condition the
            // firmware does not support falls back to the firmware's mask.
            let masked = result & mask
            result = masked != 0 ? masked : mask
        }
        return result
    }

    /// Returns the synthetic card response for a PIN entry the user cancelled or let time
    /// out: SW `64 01` or `64 00`, as libccid does.
    static func syntheticAnswer(for error: SlotError) -> [UInt8]? {
        switch error {
        case .pinCancelled: [0x64, 0x01]
        case .pinTimeout: [0x64, 0x00]
        default: nil
        }
    }
}
