/// Builds reader names the way pcscd 1.9–2.x does for libccid readers:
/// `<list name> [<iInterface>] (<iSerialNumber>)`, cut to 121 bytes, to which the daemon
/// appends ` XX YY` (reader index and slot).
public struct ReaderNaming: Sendable {
    /// The largest base name in bytes: `MAX_READERNAME` (128) minus the NUL and the 6-byte
    /// ` XX YY` suffix.
    public static let maxBaseNameLength = 121

    /// The reader list that supplies friendly names; nil names every reader from its USB
    /// strings.
    public var readerList: SupportedReaderList?
    /// Appends ` [<interface string>]` (pcscd `-I` turns this off).
    public var includesInterfaceName: Bool
    /// Appends ` (<serial number>)` (pcscd `-S` turns this off).
    public var includesSerialNumber: Bool
    /// Leaves the serial number out when the interface string already contains it, as
    /// pcscd's libudev hot-plug does; its libusb hot-plug appends it regardless.
    public var skipsSerialNumberInInterfaceName: Bool

    public init(
        readerList: SupportedReaderList?, includesInterfaceName: Bool = true,
        includesSerialNumber: Bool = true, skipsSerialNumberInInterfaceName: Bool = true
    ) {
        self.readerList = readerList
        self.includesInterfaceName = includesInterfaceName
        self.includesSerialNumber = includesSerialNumber
        self.skipsSerialNumberInInterfaceName = skipsSerialNumberInInterfaceName
    }

    /// Builds the name without the ` XX YY` suffix.
    ///
    /// A VID:PID missing from the list is named `<iManufacturer> <iProduct>` (either alone
    /// when the other is missing, `USB reader VVVV:PPPP` when both are). Characters of the
    /// interface string outside printable ASCII become `.`.
    public func baseName(
        product: USBProductID, manufacturer: String?, productName: String?,
        interfaceName: String?, serialNumber: String?
    ) -> String {
        var name = friendlyName(product: product, manufacturer: manufacturer, productName: productName)

        let interfaceText = interfaceName.map(Self.printableASCII) ?? ""
        if includesInterfaceName && !interfaceText.isEmpty {
            name += " [" + interfaceText + "]"
        }

        if includesSerialNumber, let serial = serialNumber, !serial.isEmpty {
            let alreadyShown =
                skipsSerialNumberInInterfaceName && includesInterfaceName
                && Self.contains(interfaceText, serial)
            if !alreadyShown {
                name += " (" + serial + ")"
            }
        }

        return Self.truncated(name, toBytes: Self.maxBaseNameLength)
    }

    /// Returns the list name, or the USB strings when the VID:PID is not listed.
    public func friendlyName(product: USBProductID, manufacturer: String?, productName: String?) -> String {
        if let listed = readerList?.name(for: product) {
            return listed
        }
        let parts = [manufacturer, productName].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? "USB reader \(product)" : parts.joined(separator: " ")
    }

    /// Formats the ` XX YY` suffix: the reader index among the readers of this driver and the slot
    /// number, each as two upper-case hexadecimal digits.
    public static func suffix(readerIndex: UInt8, slot: UInt8) -> String {
        " " + hex2(readerIndex) + " " + hex2(slot)
    }

    static func printableASCII(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
    }

    /// Returns whether the UTF-8 bytes of `part` occur in those of `text`. `String.contains(String)`
    /// comes from _StringProcessing, which Embedded Swift does not have. For ASCII `text`,
    /// such as the interface text, a byte match is also a `Character` match.
    static func contains(_ text: String, _ part: String) -> Bool {
        let bytes = Array(text.utf8)
        let partBytes = Array(part.utf8)
        guard partBytes.count <= bytes.count else { return false }
        return (0...(bytes.count - partBytes.count)).contains { start in
            bytes[start..<(start + partBytes.count)].elementsEqual(partBytes)
        }
    }

    /// Cuts `text` to at most `limit` UTF-8 bytes without splitting a character.
    public static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            if used + size > limit { break }
            result.append(character)
            used += size
        }
        return result
    }
}
