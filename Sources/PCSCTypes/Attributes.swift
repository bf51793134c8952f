/// A reader or card attribute for `SCardGetAttrib`/`SCardSetAttrib`: `(class << 16) | tag`.
public struct AttributeID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public var description: String { "0x" + hex(rawValue, width: 8) }

    /// `SCARD_ATTR_VENDOR_NAME`.
    public static let vendorName = AttributeID(rawValue: 0x0001_0100)
    /// `SCARD_ATTR_VENDOR_IFD_TYPE`.
    public static let vendorIFDType = AttributeID(rawValue: 0x0001_0101)
    /// `SCARD_ATTR_VENDOR_IFD_VERSION`: `0xMMmmbbbb`.
    public static let vendorIFDVersion = AttributeID(rawValue: 0x0001_0102)
    /// `SCARD_ATTR_VENDOR_IFD_SERIAL_NO`.
    public static let vendorIFDSerialNumber = AttributeID(rawValue: 0x0001_0103)
    /// `SCARD_ATTR_CHANNEL_ID`: `0xDDDDCCCC`, DDDD = 0x0020 for USB.
    public static let channelID = AttributeID(rawValue: 0x0002_0110)
    /// `SCARD_ATTR_ASYNC_PROTOCOL_TYPES`.
    public static let asyncProtocolTypes = AttributeID(rawValue: 0x0003_0120)
    /// `SCARD_ATTR_DEFAULT_CLK`, in kHz.
    public static let defaultClock = AttributeID(rawValue: 0x0003_0121)
    /// `SCARD_ATTR_MAX_CLK`, in kHz.
    public static let maxClock = AttributeID(rawValue: 0x0003_0122)
    /// `SCARD_ATTR_DEFAULT_DATA_RATE`, in bit/s.
    public static let defaultDataRate = AttributeID(rawValue: 0x0003_0123)
    /// `SCARD_ATTR_MAX_DATA_RATE`, in bit/s.
    public static let maxDataRate = AttributeID(rawValue: 0x0003_0124)
    /// `SCARD_ATTR_MAX_IFSD`.
    public static let maxIFSD = AttributeID(rawValue: 0x0003_0125)
    /// `SCARD_ATTR_CURRENT_PROTOCOL_TYPE`.
    public static let currentProtocolType = AttributeID(rawValue: 0x0008_0201)
    /// `SCARD_ATTR_CURRENT_IFSC`.
    public static let currentIFSC = AttributeID(rawValue: 0x0008_0207)
    /// `SCARD_ATTR_CURRENT_IFSD`.
    public static let currentIFSD = AttributeID(rawValue: 0x0008_0208)
    /// `SCARD_ATTR_ICC_PRESENCE`: 0 absent, 2 present.
    public static let iccPresence = AttributeID(rawValue: 0x0009_0300)
    /// `SCARD_ATTR_ICC_INTERFACE_STATUS`.
    public static let iccInterfaceStatus = AttributeID(rawValue: 0x0009_0301)
    /// `SCARD_ATTR_ATR_STRING`.
    public static let atrString = AttributeID(rawValue: 0x0009_0303)
    /// `SCARD_ATTR_MAXINPUT`: largest command the reader accepts.
    public static let maxInput = AttributeID(rawValue: 0x0007_A007)
    /// `SCARD_ATTR_DEVICE_FRIENDLY_NAME_A`.
    public static let deviceFriendlyName = AttributeID(rawValue: 0x7FFF_0003)
    /// `SCARD_ATTR_DEVICE_SYSTEM_NAME_A`.
    public static let deviceSystemName = AttributeID(rawValue: 0x7FFF_0004)
}

/// A `SCardControl` code. pcsc-lite builds them as `0x42000000 + n` (`SCARD_CTL_CODE`).
public struct ControlCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `SCARD_CTL_CODE(n)`.
    public static func scard(_ n: UInt32) -> ControlCode { ControlCode(rawValue: 0x4200_0000 &+ n) }

    public var description: String { "0x" + hex(rawValue, width: 8) }

    /// `CM_IOCTL_GET_FEATURE_REQUEST` = `SCARD_CTL_CODE(3400)`.
    public static let getFeatureRequest = ControlCode(rawValue: 0x4200_0D48)
    /// The Windows value of `CM_IOCTL_GET_FEATURE_REQUEST`, sent by RDP clients.
    public static let getFeatureRequestWindows = ControlCode(rawValue: 0x0031_3520)
    /// `IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE` = `SCARD_CTL_CODE(1)`: a raw CCID escape.
    public static let vendorIFDExchange = ControlCode(rawValue: 0x4200_0001)
}

/// PC/SC part 10 feature tags, as returned by `CM_IOCTL_GET_FEATURE_REQUEST`.
public enum FeatureTag: UInt8, Sendable, CaseIterable {
    case verifyPINStart = 0x01
    case verifyPINFinish = 0x02
    case modifyPINStart = 0x03
    case modifyPINFinish = 0x04
    case getKeyPressed = 0x05
    case verifyPINDirect = 0x06
    case modifyPINDirect = 0x07
    case mctReaderDirect = 0x08
    case mctUniversal = 0x09
    case ifdPINProperties = 0x0A
    case abort = 0x0B
    case setSPEMessage = 0x0C
    case verifyPINDirectAppID = 0x0D
    case modifyPINDirectAppID = 0x0E
    case writeDisplay = 0x0F
    case getKey = 0x10
    case ifdDisplayProperties = 0x11
    case getTLVProperties = 0x12
    case ccidEscCommand = 0x13
    case executePACE = 0x20

    /// The control code a reader driver assigns to this feature: `SCARD_CTL_CODE(0x330000 + tag)`.
    public var controlCode: ControlCode { .scard(0x33_0000 + UInt32(rawValue)) }
}
