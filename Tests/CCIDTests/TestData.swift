import Glibc
import Testing

@testable import CCID

/// Locates the shared reader data: `../shared/data/ccid` next to the package (the layout of
/// the main checkout), else the absolute path of the shared tree.
enum TestData {
    static let directory: String = {
        let packageRoot = String(#filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/"))
        let candidates = [packageRoot + "/../shared/data/ccid", "/work/shared/data/ccid"]
        return candidates.first { access($0 + "/readers.tsv", R_OK) == 0 } ?? candidates[1]
    }()

    static var readersTSV: String { directory + "/readers.tsv" }
    static var supportedReaders: String { directory + "/supported_readers.txt" }

    static func readText(_ path: String) throws -> String {
        try readTextFile(path)
    }
}

/// One row of readers.tsv: one interface block of a reader dump.
struct ReaderRow {
    var fields: [String: String]

    subscript(_ key: String) -> String { fields[key] ?? "" }

    var file: String { self["file"] }
    var product: USBProductID { USBProductID(vendorID: Self.hex16(self["VID"]), productID: Self.hex16(self["PID"])) }

    static func hex16(_ text: String) -> UInt16 { UInt16(text.dropFirst(2), radix: 16) ?? 0 }
    static func hex32(_ text: String) -> UInt32 { UInt32(text.dropFirst(2), radix: 16) ?? 0 }
    static func hex8(_ text: String) -> UInt8 { UInt8(text.dropFirst(2), radix: 16) ?? 0 }

    /// `M.mm` (and the older `M.m`) as BCD: major in the high byte, minor in the low byte.
    static func bcd(_ text: String) -> UInt16 {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let major = UInt16(parts[0], radix: 16), let minor = UInt16(parts[1], radix: 16) else { return 0 }
        return major << 8 | minor
    }

    static func load() throws -> [ReaderRow] {
        let lines = try TestData.readText(TestData.readersTSV).split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var fields: [String: String] = [:]
            for (index, key) in header.enumerated() where index < values.count {
                fields[key] = values[index]
            }
            return ReaderRow(fields: fields)
        }
    }
}
