import Glibc

/// libccid's `supported_readers.txt`: one `0xVVVV:0xPPPP:Friendly Name` line per reader,
/// `#` comments, and `# section: <name>` lines that group the entries.
///
/// pcscd names a USB reader after the first entry of its VID:PID. Entries of every section
/// count (libccid matches "unsupported" readers too); commented-out entries do not.
public struct SupportedReaderList: Sendable, Hashable {
    /// One active line of the list.
    public struct Entry: Sendable, Hashable {
        public var product: USBProductID
        /// The friendly name, exactly as written (pcscd keeps trailing spaces).
        public var name: String
        /// The `# section:` the line appears under, or nil before the first one.
        public var section: String?
        /// 1-based line number in the file.
        public var lineNumber: Int
    }

    /// A line that is neither a comment nor a valid entry.
    public struct InvalidLine: Sendable, Hashable, CustomStringConvertible {
        public var lineNumber: Int
        public var text: String

        public var description: String { "line \(lineNumber): invalid reader entry \"\(text)\"" }
    }

    public private(set) var entries: [Entry] = []
    /// Lines that could not be parsed; they are skipped.
    public private(set) var invalidLines: [InvalidLine] = []
    private var firstEntryIndex: [USBProductID: Int] = [:]

    /// Parses the text of a reader list.
    public init(parsing text: String) {
        var section: String?
        var lineNumber = 0

        // "\r\n" is one Character in Swift, so CRLF files need their own separator.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for rawLine in lines {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if line.isEmpty { continue }

            if line.first == "#" {
                if let name = Self.sectionName(in: line) { section = name }
                continue
            }

            guard let entry = Self.parseEntry(line, section: section, lineNumber: lineNumber) else {
                invalidLines.append(InvalidLine(lineNumber: lineNumber, text: String(line)))
                continue
            }
            if firstEntryIndex[entry.product] == nil {
                firstEntryIndex[entry.product] = entries.count
            }
            entries.append(entry)
        }
    }

    /// Builds the list from entries in order; the first entry of a VID:PID names it.
    init(entries: [Entry]) {
        for entry in entries {
            if firstEntryIndex[entry.product] == nil {
                firstEntryIndex[entry.product] = self.entries.count
            }
            self.entries.append(entry)
        }
    }

    /// Reads and parses a reader list file, such as the `supported_readers.txt` shipped
    /// with the daemon.
    public init(contentsOfFile path: String) throws(ReaderListError) {
        self.init(parsing: try readTextFile(path))
    }

    /// Returns the entry pcscd would use for a VID:PID: the first active line.
    public func entry(for product: USBProductID) -> Entry? {
        firstEntryIndex[product].map { entries[$0] }
    }

    /// Returns the friendly name of a VID:PID, or nil when the list does not contain it.
    public func name(for product: USBProductID) -> String? {
        entry(for: product)?.name
    }

    private static func sectionName(in line: Substring) -> String? {
        let body = line.drop(while: { $0 == "#" || $0 == " " })
        let prefix = "section:"
        guard body.hasPrefix(prefix) else { return nil }
        let name = body.dropFirst(prefix.count).drop(while: { $0 == " " })
        return name.isEmpty ? nil : String(name)
    }

    private static func parseEntry(_ line: Substring, section: String?, lineNumber: Int) -> Entry? {
        let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3,
            let vendorID = parseHex16(fields[0]),
            let productID = parseHex16(fields[1]),
            !fields[2].isEmpty
        else { return nil }

        return Entry(
            product: USBProductID(vendorID: vendorID, productID: productID),
            name: String(fields[2]), section: section, lineNumber: lineNumber)
    }

    private static func parseHex16(_ field: Substring) -> UInt16? {
        guard field.hasPrefix("0x") || field.hasPrefix("0X") else { return nil }
        let digits = field.dropFirst(2)
        guard (1...4).contains(digits.count) else { return nil }
        return UInt16(digits, radix: 16)
    }
}

/// A failure to read a reader list.
public enum ReaderListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read; `errno` is given.
    case unreadable(path: String, errno: Int32)
    /// The file is not valid UTF-8.
    case invalidEncoding(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let code):
            "cannot read reader list \(path): \(String(cString: strerror(code)))"
        case .invalidEncoding(let path):
            "reader list \(path) is not valid UTF-8"
        }
    }
}

/// Reads a whole file as UTF-8 text.
func readTextFile(_ path: String) throws(ReaderListError) -> String {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .unreadable(path: path, errno: errno) }
    defer { close(descriptor) }

    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw .unreadable(path: path, errno: errno)
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }

    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw .invalidEncoding(path: path)
    }
    return text
}
