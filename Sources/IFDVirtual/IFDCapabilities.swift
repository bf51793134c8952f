import VirtualCard
import VirtualReader

/// The value of one capability for IFDHGetCapabilities.
public struct IFDCapabilityValue: Equatable, Sendable {
    public var bytes: [UInt8]
    /// True for NUL-terminated strings, which are cut to the caller's buffer instead of
    /// failing with IFD_ERROR_INSUFFICIENT_BUFFER (as libccid does).
    public var truncatable: Bool

    public init(bytes: [UInt8], truncatable: Bool = false) {
        self.bytes = bytes
        self.truncatable = truncatable
    }
}

/// The capability tags and attributes the handler supports, with the values a virtual CCID
/// reader in its default mode (`tpdu-t1`, one slot) gives through a CCID driver.
///
/// | Tag | Value |
/// |---|---|
/// | TAG_IFD_ATR 0x0303, SCARD_ATTR_ATR_STRING 0x90303 | ATR of the last power-up, empty while unpowered |
/// | TAG_IFD_SLOTS_NUMBER 0x0FAE | 1 (1 byte) |
/// | TAG_IFD_SIMULTANEOUS_ACCESS 0x0FAF | 16 (1 byte): readers one loaded handler serves |
/// | TAG_IFD_THREAD_SAFE 0x0FAD, TAG_IFD_SLOT_THREAD_SAFE 0x0FAC | 0 (1 byte): pcscd serialises the calls |
/// | SCARD_ATTR_VENDOR_NAME 0x10100 | "swift-pcsc" + NUL |
/// | SCARD_ATTR_VENDOR_IFD_TYPE 0x10101 | "Virtual CCID Reader" + NUL |
/// | SCARD_ATTR_VENDOR_IFD_VERSION 0x10102 | 0x01000000 (bcdDevice 1.00 << 16), 4 bytes host order |
/// | SCARD_ATTR_VENDOR_IFD_SERIAL_NO 0x10103 | "VC" + the reader index (LUN >> 16) in 4 digits + NUL |
/// | SCARD_ATTR_CHANNEL_ID 0x20110 | 0x0020 << 16 \| bus 0 << 8 \| (index + 1), 4 bytes |
/// | SCARD_ATTR_MAXINPUT 0x7A007 | 261 (dwMaxCCIDMessageLength 271 − 10), 4 bytes |
/// | SCARD_ATTR_ICC_PRESENCE 0x90300 | 2 with a card, 0 without (1 byte) |
/// | SCARD_ATTR_ICC_INTERFACE_STATUS 0x90301 | 1 with a card, 0 without (1 byte) |
/// | SCARD_ATTR_CURRENT_PROTOCOL_TYPE 0x80201 | the protocol set by IFDHSetProtocolParameters (1 T=0, 2 T=1), 0 before; 4 bytes |
///
/// Differences from the virtual CCID reader: the serial number and channel id match only
/// when the daemon numbers its virtual readers from 0, with serial "VC%04d" and device
/// address index + 1. MAXINPUT is only informational here, because the handler accepts
/// APDUs of any length. Every other tag gives IFD_ERROR_TAG.
enum IFDCapabilities {
    static let tagATR: UInt = 0x0303
    static let tagSlotThreadSafe: UInt = 0x0FAC
    static let tagThreadSafe: UInt = 0x0FAD
    static let tagSlotsNumber: UInt = 0x0FAE
    static let tagSimultaneousAccess: UInt = 0x0FAF
    static let attributeVendorName: UInt = 0x0001_0100
    static let attributeVendorIFDType: UInt = 0x0001_0101
    static let attributeVendorIFDVersion: UInt = 0x0001_0102
    static let attributeVendorIFDSerialNumber: UInt = 0x0001_0103
    static let attributeChannelID: UInt = 0x0002_0110
    static let attributeMaxInput: UInt = 0x0007_A007
    static let attributeICCPresence: UInt = 0x0009_0300
    static let attributeICCInterfaceStatus: UInt = 0x0009_0301
    static let attributeATRString: UInt = 0x0009_0303
    static let attributeCurrentProtocolType: UInt = 0x0008_0201

    /// Readers one loaded handler serves at once.
    static let simultaneousAccess: UInt8 = 16

    /// Returns the value of `tag` for the reader at `lun` with `slot`, or nil for an
    /// unsupported tag.
    static func value(of tag: UInt, lun: UInt, slot: IFDVirtualSlot) -> IFDCapabilityValue? {
        let index = UInt32(truncatingIfNeeded: lun >> 16)

        switch tag {
        case tagATR, attributeATRString:
            return IFDCapabilityValue(bytes: slot.atr)
        case tagSlotsNumber:
            return IFDCapabilityValue(bytes: [1])
        case tagSimultaneousAccess:
            return IFDCapabilityValue(bytes: [simultaneousAccess])
        case tagThreadSafe, tagSlotThreadSafe:
            return IFDCapabilityValue(bytes: [0])
        case attributeVendorName:
            return IFDCapabilityValue(bytes: Array(VirtualCCIDDescriptors.manufacturer.utf8) + [0], truncatable: true)
        case attributeVendorIFDType:
            return IFDCapabilityValue(bytes: Array(VirtualCCIDDescriptors.product.utf8) + [0], truncatable: true)
        case attributeCurrentProtocolType:
            return IFDCapabilityValue(bytes: hostOrder(slot.selectedProtocol))
        case attributeVendorIFDVersion:
            return IFDCapabilityValue(bytes: hostOrder(UInt32(VirtualCCIDDescriptors.deviceRelease) << 16))
        case attributeVendorIFDSerialNumber:
            return IFDCapabilityValue(bytes: Array(serialNumber(index: index).utf8) + [0], truncatable: true)
        case attributeChannelID:
            return IFDCapabilityValue(bytes: hostOrder(0x0020_0000 | ((index + 1) & 0xFF)))
        case attributeMaxInput:
            return IFDCapabilityValue(bytes: hostOrder(UInt32(VirtualReaderConfiguration().maxMessageLength - 10)))
        case attributeICCPresence:
            return IFDCapabilityValue(bytes: [slot.state == .absent ? 0 : 2])
        case attributeICCInterfaceStatus:
            return IFDCapabilityValue(bytes: [slot.state == .absent ? 0 : 1])
        default:
            return nil
        }
    }

    /// "VC" and the reader index in four digits, as the daemon names its virtual readers.
    static func serialNumber(index: UInt32) -> String {
        let digits = String(index % 10000)
        return "VC" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    static func hostOrder(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
