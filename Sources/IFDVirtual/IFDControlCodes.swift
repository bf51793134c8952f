import VirtualReader

/// The SCardControl codes the handler supports: the PC/SC part 10 features a CCID driver
/// offers for a virtual CCID reader in its default mode (PIN pad with verify and modify,
/// no display, TPDU level), in libccid's order.
///
/// | Code | Output |
/// |---|---|
/// | CM_IOCTL_GET_FEATURE_REQUEST 0x42000D48 (and the Windows value 0x00313520) | TLVs 06 VERIFY_PIN_DIRECT 0x42330006, 07 MODIFY_PIN_DIRECT 0x42330007, 0A IFD_PIN_PROPERTIES 0x4233000A, 12 GET_TLV_PROPERTIES 0x42330012 (codes big-endian) |
/// | VERIFY_PIN_DIRECT, MODIFY_PIN_DIRECT | SW 90 00, the fixed result of the simulated PIN pad |
/// | IFD_PIN_PROPERTIES | wLcdLayout 0000, bEntryValidationCondition 07, bTimeOut2 00 |
/// | GET_TLV_PROPERTIES | wLcdLayout 0, bTimeOut2 0, bPPDUSupport 0, wIdVendor 1209, wIdProduct 0001, dwMaxAPDUDataSize 0x10000 |
///
/// Any other code gives IFD_ERROR_NOT_SUPPORTED.
enum IFDControlCodes {
    static let getFeatureRequest: UInt = 0x4200_0D48
    static let getFeatureRequestWindows: UInt = 0x0031_3520
    static let verifyPINDirect: UInt = 0x4233_0006
    static let modifyPINDirect: UInt = 0x4233_0007
    static let ifdPINProperties: UInt = 0x4233_000A
    static let getTLVProperties: UInt = 0x4233_0012

    /// Header sizes of PIN_VERIFY_STRUCTURE and PIN_MODIFY_STRUCTURE before the APDU.
    static let verifyHeaderSize = 19
    static let modifyHeaderSize = 24

    /// The feature list: tag, length 4, control code big-endian.
    static var featureList: [UInt8] {
        let features: [(UInt8, UInt)] = [
            (0x06, verifyPINDirect), (0x07, modifyPINDirect), (0x0A, ifdPINProperties), (0x12, getTLVProperties),
        ]
        return features.flatMap { tag, code in
            [tag, 4] + (0..<4).map { UInt8(truncatingIfNeeded: code >> (24 - 8 * $0)) }
        }
    }

    static let pinProperties: [UInt8] = [0x00, 0x00, 0x07, 0x00]

    /// The TLV properties: tag, length, value little-endian.
    static var tlvProperties: [UInt8] {
        let vendor = VirtualCCIDDescriptors.vendorID
        let product = VirtualCCIDDescriptors.productID
        return [0x01, 2, 0, 0]
            + [0x03, 1, 0]
            + [0x09, 1, 0]
            + [0x0B, 2, UInt8(vendor & 0xFF), UInt8(vendor >> 8)]
            + [0x0C, 2, UInt8(product & 0xFF), UInt8(product >> 8)]
            + [0x0A, 4, 0x00, 0x00, 0x01, 0x00]
    }

    /// Returns the output of `code` with input `input`, for a slot in `state`.
    static func output(code: UInt, input: [UInt8], state: VirtualSlotState) -> Result<[UInt8], IFDResponseCode> {
        switch code {
        case getFeatureRequest, getFeatureRequestWindows:
            return .success(featureList)
        case ifdPINProperties:
            return .success(pinProperties)
        case getTLVProperties:
            return .success(tlvProperties)
        case verifyPINDirect, modifyPINDirect:
            return pinEntry(code: code, input: input, state: state)
        default:
            return .failure(.errorNotSupported)
        }
    }

    /// Simulates the PIN pad: checks the structure's length field and returns 90 00.
    private static func pinEntry(code: UInt, input: [UInt8], state: VirtualSlotState) -> Result<[UInt8], IFDResponseCode> {
        let headerSize = code == verifyPINDirect ? verifyHeaderSize : modifyHeaderSize
        guard input.count >= headerSize + 4 else { return .failure(.notSupported) }

        // ulDataLength, the last 4 header bytes, in host order (little-endian here).
        let lengthOffset = headerSize - 4
        let dataLength = (0..<4).reduce(0) { $0 | Int(input[lengthOffset + $1]) << (8 * $1) }
        guard headerSize + dataLength == input.count else { return .failure(.notSupported) }

        guard state == .powered else { return .failure(.communicationError) }
        return .success([0x90, 0x00])
    }
}
