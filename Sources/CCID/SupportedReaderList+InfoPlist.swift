import Glibc

extension SupportedReaderList {
    /// The directory of pcsc-lite's USB driver bundles on Debian (libccid's is `ifd-ccid.bundle`).
    public static let defaultDropDirectory = "/usr/lib/pcsc/drivers"

    /// Builds the list from a pcsc-lite driver bundle's Info.plist: the parallel arrays
    /// `ifdVendorID`, `ifdProductID` and `ifdFriendlyName`. The file is read line by line
    /// as pcscd reads it: a `<key>` line starts a key and each `<string>` line adds a value
    /// (`&amp;` decoded). Arrays of different lengths give an empty list, as in pcscd.
    public init(infoPlist text: String) {
        self.init(infoPlistBytes: Array(text.utf8))
    }

    /// Parses the Info.plist bytes. Works on raw bytes with `memchr`/`memmem` rather than
    /// `String` searches, which took about 270 M instructions for libccid's 58 kB file at
    /// every daemon start.
    init(infoPlistBytes bytes: [UInt8]) {
        var vendors: [String] = []
        var products: [String] = []
        var names: [String] = []
        var currentKey: String?

        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var lineStart = 0
            while lineStart < buffer.count {
                let remaining = buffer.count - lineStart
                let newline = memchr(base + lineStart, 0x0A, remaining)
                var lineEnd = buffer.count
                if let newline {
                    lineEnd = UnsafePointer(newline.assumingMemoryBound(to: UInt8.self)) - base
                }
                let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd])
                lineStart = lineEnd + 1

                if let key = Self.element(open: "<key>", close: "</key>", in: line) {
                    currentKey = String(decoding: key, as: UTF8.self)
                } else if let value = Self.element(open: "<string>", close: "</string>", in: line) {
                    let text = Self.decodeAmpersands(value)
                    switch currentKey {
                    case "ifdVendorID": vendors.append(text)
                    case "ifdProductID": products.append(text)
                    case "ifdFriendlyName": names.append(text)
                    default: break
                    }
                }
            }
        }

        guard vendors.count == products.count, products.count == names.count else {
            self.init(entries: [])
            return
        }
        var entries: [Entry] = []
        for index in vendors.indices {
            guard let vendor = Self.hexValue(vendors[index]), let product = Self.hexValue(products[index]) else {
                continue
            }
            entries.append(Entry(
                product: USBProductID(vendorID: vendor, productID: product), name: names[index],
                section: nil, lineNumber: index + 1))
        }
        self.init(entries: entries)
    }

    /// Reads every `*.bundle/Contents/Info.plist` in the drop directory
    /// (`$PCSCLITE_HP_DROPDIR`, else the default); an absent directory gives an empty list.
    /// Debian's pcscd package depends on libccid, so its reader list is usually there.
    public static func installedBundles() -> SupportedReaderList {
        var directory = defaultDropDirectory
        if let override = getenv("PCSCLITE_HP_DROPDIR") {
            directory = String(cString: override)
        }
        guard let handle = opendir(directory) else { return SupportedReaderList(entries: []) }
        defer { closedir(handle) }

        var entries: [Entry] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasSuffix(".bundle"),
                let text = try? readTextFile(directory + "/" + name + "/Contents/Info.plist")
            else { continue }
            entries += SupportedReaderList(infoPlist: text).entries
        }
        return SupportedReaderList(entries: entries)
    }

    /// Returns the bytes between the opening and closing tag on one line, or nil.
    private static func element(
        open: StaticString, close: StaticString, in line: UnsafeBufferPointer<UInt8>
    ) -> UnsafeBufferPointer<UInt8>? {
        guard let openAt = find(open, in: line, from: 0) else { return nil }
        let contentStart = openAt + open.utf8CodeUnitCount
        guard let contentEnd = find(close, in: line, from: contentStart) else { return nil }
        return UnsafeBufferPointer(rebasing: line[contentStart..<contentEnd])
    }

    /// Returns the offset of `pattern` in `bytes` at or after `start`, using `memchr` for
    /// its first byte and then `memcmp`.
    private static func find(_ pattern: StaticString, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let length = pattern.utf8CodeUnitCount
        var offset = start
        while offset + length <= bytes.count {
            guard let hit = memchr(base + offset, Int32(pattern.utf8Start.pointee), bytes.count - offset - length + 1)
            else { return nil }
            let position = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
            if memcmp(base + position, pattern.utf8Start, length) == 0 { return position }
            offset = position + 1
        }
        return nil
    }

    private static func decodeAmpersands(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        let entity = Array("&amp;".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "&") && bytes[index...].starts(with: entity) {
                output.append(UInt8(ascii: "&"))
                index += entity.count
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parses "0x072F" (the prefix is optional) without String searches.
    private static func hexValue(_ text: String) -> UInt16? {
        var digits = Array(text.utf8)[...]
        if digits.count > 2 && digits[0] == UInt8(ascii: "0") && (digits[1] | 0x20) == UInt8(ascii: "x") {
            digits = digits.dropFirst(2)
        }
        guard (1...4).contains(digits.count) else { return nil }
        var value: UInt16 = 0
        for digit in digits {
            guard let nibble = hexDigitValue(digit) else { return nil }
            value = value << 4 | UInt16(nibble)
        }
        return value
    }

    private static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
