import Glibc

/// Display names of known USB readers, keyed by vendor and product id, read from a
/// pcsc-lite driver bundle's Info.plist (libccid's lists about 560 readers there).
///
/// pcscd names a USB reader after the bundle's `ifdFriendlyName` for its VID:PID, so
/// reading the same file gives the same names programs saw with pcsc-lite + libccid.
struct ReaderNameList: Sendable {
    struct Key: Hashable, Sendable {
        let vendorID: UInt16
        let productID: UInt16
    }

    private(set) var names: [Key: String] = [:]

    /// Where pcsc-lite's drop directory keeps libccid's bundle on Debian.
    static let defaultDropDirectory = "/usr/lib/pcsc/drivers"

    func name(vendorID: UInt16, productID: UInt16) -> String? {
        names[Key(vendorID: vendorID, productID: productID)]
    }

    /// Loads every `*.bundle/Contents/Info.plist` of the drop directory
    /// (`$PCSCLITE_HP_DROPDIR` or the default); missing files give an empty list.
    static func loadInstalledBundles() -> ReaderNameList {
        var directory = defaultDropDirectory
        if let override = getenv("PCSCLITE_HP_DROPDIR") {
            directory = String(cString: override)
        }
        var list = ReaderNameList()
        guard let handle = opendir(directory) else { return list }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasSuffix(".bundle"), let text = readTextFile(directory + "/" + name + "/Contents/Info.plist")
            else { continue }
            list.merge(ReaderNameList(infoPlist: text))
        }
        return list
    }

    init() {}

    /// Parses the `ifdVendorID`, `ifdProductID` and `ifdFriendlyName` arrays, line by line
    /// as pcscd does: a `<key>` line starts a key, each `<string>` line adds a value.
    /// Arrays of different lengths are ignored as a whole.
    init(infoPlist text: String) {
        var values: [String: [String]] = [:]
        var currentKey: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let key = Self.element("key", in: line) {
                currentKey = key
            } else if let value = Self.element("string", in: line), let key = currentKey {
                values[key, default: []].append(value.replacing("&amp;", with: "&"))
            }
        }
        let vendors = values["ifdVendorID"] ?? []
        let products = values["ifdProductID"] ?? []
        let friendlyNames = values["ifdFriendlyName"] ?? []
        guard vendors.count == products.count, products.count == friendlyNames.count else { return }
        for index in vendors.indices {
            guard let vendor = Self.hexValue(vendors[index]), let product = Self.hexValue(products[index]) else { continue }
            names[Key(vendorID: vendor, productID: product)] = friendlyNames[index]
        }
    }

    mutating func merge(_ other: ReaderNameList) {
        names.merge(other.names) { current, _ in current }
    }

    private static func element(_ tag: String, in line: Substring) -> String? {
        guard let open = line.firstRange(of: "<\(tag)>"), let close = line.firstRange(of: "</\(tag)>"),
            open.upperBound <= close.lowerBound
        else { return nil }
        return String(line[open.upperBound..<close.lowerBound])
    }

    private static func hexValue(_ text: String) -> UInt16? {
        let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text)
        return UInt16(digits, radix: 16)
    }
}

/// Reads a whole file as UTF-8; nil when it cannot be read.
func readTextFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes.append(contentsOf: chunk[..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
