/// A USB vendor and product ID pair, the key of the reader list and of the quirk table.
public struct USBProductID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16

    public init(vendorID: UInt16, productID: UInt16) {
        self.vendorID = vendorID
        self.productID = productID
    }

    init(_ vendorID: UInt16, _ productID: UInt16) {
        self.init(vendorID: vendorID, productID: productID)
    }

    /// `VVVV:PPPP` in upper-case hexadecimal, as `lsusb` prints it.
    public var description: String { hex4(vendorID) + ":" + hex4(productID) }

    public static func < (lhs: USBProductID, rhs: USBProductID) -> Bool {
        (lhs.vendorID, lhs.productID) < (rhs.vendorID, rhs.productID)
    }
}

/// Vendor IDs with vendor-wide quirks.
enum KnownVendor {
    static let gemalto: UInt16 = 0x08E6
}

/// The readers that have quirks, named as in libccid 1.8.2.
enum KnownReader {
    static let gemPC433Swap = USBProductID(0x08E6, 0x4433)
    static let gemPCTwin = USBProductID(0x08E6, 0x3437)
    static let gemPCKey = USBProductID(0x08E6, 0x3438)
    static let gemPCPinpad = USBProductID(0x08E6, 0x3478)
    static let gemCorePOSPro = USBProductID(0x08E6, 0x3479)
    static let gemCoreSIMPro = USBProductID(0x08E6, 0x3480)
    static let gemaltoProxDU = USBProductID(0x08E6, 0x5503)
    static let eTokenFusionNFC = USBProductID(0x08E6, 0x34D2)
    static let c3poLTC31v2 = USBProductID(0x0783, 0x0006)
    static let cherrySmartBoardXX33 = USBProductID(0x046A, 0x0005)
    static let cherrySmartBoardXX44 = USBProductID(0x046A, 0x0010)
    static let cherryST2000 = USBProductID(0x046A, 0x003E)
    static let cherryKC1000SC = USBProductID(0x046A, 0x00A1)
    static let cherrySmartTerminalXX44 = USBProductID(0x046A, 0x00A7)
    static let o2MicroOZ776 = USBProductID(0x0B97, 0x7762)
    static let o2MicroOZ776_7772 = USBProductID(0x0B97, 0x7772)
    static let scmSPR532 = USBProductID(0x04E6, 0xE003)
    static let mySmartPad = USBProductID(0x09BE, 0x0002)
    static let id3CL1356D = USBProductID(0x0B81, 0x0200)
    static let dellSmartCardReaderKeyboard = USBProductID(0x413C, 0x2101)
    static let dellSK3106 = USBProductID(0x413C, 0x2100)
    static let kobilTriBank = USBProductID(0x0D46, 0x3010)
    static let kobilMIDentityVisual = USBProductID(0x0D46, 0x4289)
    static let kobilIDToken = USBProductID(0x0D46, 0x301D)
    static let covadisVegaAlpha = USBProductID(0x0982, 0x0008)
    static let hpSmartCardKeyboard = USBProductID(0x03F0, 0x1024)
    static let hpCCIDSmartCardKeyboard = USBProductID(0x03F0, 0x0036)
    static let chiconyHPSkylabKeyboard = USBProductID(0x04F2, 0x1469)
    static let fujitsuSmartCaseKeyboard = USBProductID(0x0BF8, 0x1017)
    static let fujitsuD323 = USBProductID(0x0BF8, 0x1024)
    static let elatecTWN4CCIDCDC = USBProductID(0x09D8, 0x0427)
    static let elatecTWN4CCID = USBProductID(0x09D8, 0x0428)
    static let acsACR122U = USBProductID(0x072F, 0x2200)
    static let scmSCL011 = USBProductID(0x04E6, 0x5293)
    static let identivUTrust3700F = USBProductID(0x04E6, 0x5790)
    static let identivUTrust3701F = USBProductID(0x04E6, 0x5791)
    static let identivUTrust4701F = USBProductID(0x04E6, 0x5724)
    static let hidAviator = USBProductID(0x076B, 0x3A21)
    static let hidOmnikey3x21 = USBProductID(0x076B, 0x3031)
    static let hidOmnikey3821 = USBProductID(0x076B, 0x3821)
    static let hidOmnikey5427CK = USBProductID(0x076B, 0x5427)
    static let hidOmnikey6121 = USBProductID(0x076B, 0x6632)
    static let dieboldNixdorfPN7362AU = USBProductID(0x2F7C, 0x6007)
    static let bit4idMiniLector = USBProductID(0x25DD, 0x3111)
    static let safeNetEToken5100 = USBProductID(0x0529, 0x0620)
    static let alcorMicroAU9540 = USBProductID(0x058F, 0x9540)
}
