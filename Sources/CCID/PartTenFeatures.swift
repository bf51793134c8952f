import PCSCTypes

/// The PC/SC part 10 outputs that depend only on the reader's configuration.
public enum PartTenFeatures {
    /// PC/SC part 10 property tags of FEATURE_GET_TLV_PROPERTIES.
    enum PropertyTag {
        static let lcdLayout: UInt8 = 1
        static let entryValidationCondition: UInt8 = 2
        static let timeOut2: UInt8 = 3
        static let lcdMaxCharacters: UInt8 = 4
        static let lcdMaxLines: UInt8 = 5
        static let minPINSize: UInt8 = 6
        static let maxPINSize: UInt8 = 7
        static let firmwareID: UInt8 = 8
        static let ppduSupport: UInt8 = 9
        static let maxAPDUDataSize: UInt8 = 10
        static let vendorID: UInt8 = 11
        static let productID: UInt8 = 12
    }

    /// Lists the features a reader offers, in libccid's order: verify and modify PIN (per
    /// `bPINSupport`), PIN properties (any PIN support), MCT reader direct (two Kobil
    /// readers), TLV properties (always), CCID escape (when raw escapes are allowed).
    public static func features(configuration: CCIDReaderConfiguration, allowsRawEscape: Bool) -> [FeatureTag] {
        var tags: [FeatureTag] = []
        if configuration.pinSupport.contains(.verification) { tags.append(.verifyPINDirect) }
        if configuration.pinSupport.contains(.modification) { tags.append(.modifyPINDirect) }
        if !configuration.pinSupport.isEmpty { tags.append(.ifdPINProperties) }
        if configuration.quirks.offersMCTReaderDirect { tags.append(.mctReaderDirect) }
        tags.append(.getTLVProperties)
        if allowsRawEscape { tags.append(.ccidEscCommand) }
        return tags
    }

    /// Encodes the CM_IOCTL_GET_FEATURE_REQUEST output: per feature, tag, length 4 and the control
    /// code in big-endian order.
    public static func featureList(_ tags: [FeatureTag]) -> [UInt8] {
        var out: [UInt8] = []
        for tag in tags {
            out.append(tag.rawValue)
            out.append(4)
            let code = tag == .ccidEscCommand ? ControlCode.vendorIFDExchange : tag.controlCode
            out.appendBigEndian(code.rawValue)
        }
        return out
    }

    /// Encodes the 4-byte PIN_PROPERTIES_STRUCTURE: wLcdLayout (little-endian),
    /// bEntryValidationCondition, bTimeOut2 = 0.
    public static func pinProperties(configuration: CCIDReaderConfiguration, entryValidationCondition: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(configuration.interface.descriptor.lcdLayout.rawValue)
        out.append(entryValidationCondition)
        out.append(0)
        return out
    }

    /// Encodes the FEATURE_GET_TLV_PROPERTIES output (values little-endian), in libccid's order.
    ///
    /// - Parameters:
    ///   - firmwareID: the response to the Gemalto "get firmware version" escape, if any.
    ///   - pinProperties: PIN limits, if known for this reader.
    public static func tlvProperties(
        configuration: CCIDReaderConfiguration, allowsRawEscape: Bool, firmwareID: [UInt8]?,
        pinProperties: PINProperties?
    ) -> [UInt8] {
        var out: [UInt8] = []
        let layout = configuration.interface.descriptor.lcdLayout

        appendProperty(&out, PropertyTag.lcdLayout, word: layout.rawValue)
        if layout.hasDisplay {
            appendProperty(&out, PropertyTag.lcdMaxCharacters, word: UInt16(layout.charactersPerLine))
            appendProperty(&out, PropertyTag.lcdMaxLines, word: UInt16(layout.lines))
        }
        appendProperty(&out, PropertyTag.timeOut2, byte: 0)

        if let firmwareID {
            out.append(PropertyTag.firmwareID)
            out.append(UInt8(min(firmwareID.count, 255)))
            out.append(contentsOf: firmwareID.prefix(255))
        }

        if let pinProperties {
            appendProperty(&out, PropertyTag.minPINSize, byte: pinProperties.minimumPINSize)
            appendProperty(&out, PropertyTag.maxPINSize, byte: pinProperties.maximumPINSize)
            if let condition = pinProperties.entryValidationCondition {
                appendProperty(&out, PropertyTag.entryValidationCondition, byte: condition)
            }
        }

        appendProperty(&out, PropertyTag.ppduSupport, byte: allowsRawEscape ? 1 : 0)
        appendProperty(&out, PropertyTag.vendorID, word: configuration.product.vendorID)
        appendProperty(&out, PropertyTag.productID, word: configuration.product.productID)

        let level = configuration.exchangeLevel
        let maxAPDUDataSize: UInt32 = level == .tpdu || level == .extendedAPDU ? 0x10000 : 0
        out.append(PropertyTag.maxAPDUDataSize)
        out.append(4)
        out.appendLittleEndian(maxAPDUDataSize)
        return out
    }

    private static func appendProperty(_ out: inout [UInt8], _ tag: UInt8, byte: UInt8) {
        out.append(contentsOf: [tag, 1, byte])
    }

    private static func appendProperty(_ out: inout [UInt8], _ tag: UInt8, word: UInt16) {
        out.append(contentsOf: [tag, 2])
        out.appendLittleEndian(word)
    }
}

/// The control codes of the part 10 features, by feature.
extension ControlCode {
    /// `IOCTL_FEATURE_VERIFY_PIN_DIRECT`.
    static let verifyPINDirect = FeatureTag.verifyPINDirect.controlCode
    /// `IOCTL_FEATURE_MODIFY_PIN_DIRECT`.
    static let modifyPINDirect = FeatureTag.modifyPINDirect.controlCode
    /// `IOCTL_FEATURE_MCT_READER_DIRECT`.
    static let mctReaderDirect = FeatureTag.mctReaderDirect.controlCode
    /// `IOCTL_FEATURE_IFD_PIN_PROPERTIES`.
    static let ifdPINProperties = FeatureTag.ifdPINProperties.controlCode
    /// `IOCTL_FEATURE_GET_TLV_PROPERTIES`.
    static let getTLVProperties = FeatureTag.getTLVProperties.controlCode
}
