import Glibc

extension SupportedReaderList {
    /// Where pcsc-lite keeps USB driver bundles on Debian (libccid's is `ifd-ccid.bundle`).
    public static let defaultDropDirectory = "/usr/lib/pcsc/drivers"

    /// Builds the list from a pcsc-lite driver bundle's Info.plist: the parallel arrays
    /// `ifdVendorID`, `ifdProductID` and `ifdFriendlyName`. The file is read line by line
    /// as pcscd reads it: a `<key>` line starts a key and each `<string>` line adds a value
    /// (`&amp;` decoded). Arrays of different lengths give an empty list, as in pcscd.
    public init(infoPlist text: String) {
        var values: [String: [String]] = [:]
        var currentKey: String?
        for line in text.split(separator: "\n") {
            if let key = Self.element("key", in: line) {
                currentKey = key
            } else if let value = Self.element("string", in: line), let key = currentKey {
                values[key, default: []].append(value.replacing("&amp;", with: "&"))
            }
        }

        let vendors = values["ifdVendorID"] ?? []
        let products = values["ifdProductID"] ?? []
        let names = values["ifdFriendlyName"] ?? []
        guard vendors.count == products.count, products.count == names.count else {
            self.init(parsing: "")
            return
        }
        // Reuse the text format's parser: one `0xVVVV:0xPPPP:Name` line per reader.
        var lines: [String] = []
        for index in vendors.indices {
            lines.append(vendors[index] + ":" + products[index] + ":" + names[index])
        }
        self.init(parsing: lines.joined(separator: "\n"))
    }

    /// Reads every `*.bundle/Contents/Info.plist` in the drop directory
    /// (`$PCSCLITE_HP_DROPDIR`, else the default); an absent directory gives an empty list.
    /// Debian's pcscd package depends on libccid, so its reader list is usually there.
    public static func installedBundles() -> SupportedReaderList {
        var directory = defaultDropDirectory
        if let override = getenv("PCSCLITE_HP_DROPDIR") {
            directory = String(cString: override)
        }
        guard let handle = opendir(directory) else { return SupportedReaderList(parsing: "") }
        defer { closedir(handle) }

        var texts: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasSuffix(".bundle"),
                let text = try? readTextFile(directory + "/" + name + "/Contents/Info.plist")
            else { continue }
            texts.append(text)
        }
        let lines = texts.map { SupportedReaderList(infoPlist: $0) }.flatMap(\.entries).map { entry in
            "0x" + hex4(entry.product.vendorID) + ":0x" + hex4(entry.product.productID) + ":" + entry.name
        }
        return SupportedReaderList(parsing: lines.joined(separator: "\n"))
    }

    private static func element(_ tag: String, in line: Substring) -> String? {
        guard let open = line.firstRange(of: "<\(tag)>"), let close = line.firstRange(of: "</\(tag)>"),
            open.upperBound <= close.lowerBound
        else { return nil }
        return String(line[open.upperBound..<close.lowerBound])
    }
}
