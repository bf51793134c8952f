/// One file of the virtual card: a dedicated file (MF or DF) or a transparent EF.
public struct CardFile: Hashable, Sendable {
    /// The kinds of file.
    public enum Kind: Hashable, Sendable {
        /// A dedicated file, optionally with a DF name (AID) to select it by.
        case dedicated(name: [UInt8]?)
        /// A transparent elementary file with its contents and optional short EF identifier.
        case transparent(contents: [UInt8], shortIdentifier: UInt8?)
    }

    public var fileID: UInt16
    public var kind: Kind
    /// Index of the parent DF in `CardFileSystem.files`; nil for the MF.
    public var parent: Int?

    public var isDedicated: Bool {
        if case .dedicated = kind { return true }
        return false
    }
}

/// The fixed file tree of the virtual card.
///
/// ```
/// 3F00 MF
/// ├── 2F00 EF.DIR, SFI 1E, 21 bytes: 61 13 4F 0A <AID> 50 05 "VCARD"
/// └── 5000 DF, AID F0 73 77 69 66 74 70 63 73 63 (F0 "swiftpcsc")
///     ├── 5001 EF, SFI 01, 300 bytes, byte i = i mod 251
///     ├── 5002 EF, SFI 02, 10 bytes, "0123456789"
///     └── 5003 EF, SFI 03, 4096 bytes, byte i = (7 · i) mod 256
/// ```
/// File ids are unique in the card, which keeps selection by file id unambiguous.
public struct CardFileSystem: Hashable, Sendable {
    public private(set) var files: [CardFile]

    /// The AID of DF 5000.
    public static let applicationID: [UInt8] = [0xF0] + Array("swiftpcsc".utf8)

    /// Index of the MF in `files`.
    public static let masterFile = 0

    public init() {
        let aid = Self.applicationID
        let label = Array("VCARD".utf8)
        let template: [UInt8] = [0x4F, UInt8(aid.count)] + aid + [0x50, UInt8(label.count)] + label
        let efDir: [UInt8] = [0x61, UInt8(template.count)] + template

        files = [
            CardFile(fileID: 0x3F00, kind: .dedicated(name: nil), parent: nil),
            CardFile(fileID: 0x2F00, kind: .transparent(contents: efDir, shortIdentifier: 0x1E), parent: 0),
            CardFile(fileID: 0x5000, kind: .dedicated(name: aid), parent: 0),
            CardFile(
                fileID: 0x5001,
                kind: .transparent(contents: (0..<300).map { UInt8($0 % 251) }, shortIdentifier: 0x01),
                parent: 2),
            CardFile(
                fileID: 0x5002,
                kind: .transparent(contents: Array("0123456789".utf8), shortIdentifier: 0x02),
                parent: 2),
            CardFile(
                fileID: 0x5003,
                kind: .transparent(contents: (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) }, shortIdentifier: 0x03),
                parent: 2),
        ]
    }

    /// Returns the index of the child of DF `directory` with file id `fileID`.
    public func child(of directory: Int, fileID: UInt16) -> Int? {
        files.indices.first { files[$0].parent == directory && files[$0].fileID == fileID }
    }

    /// Returns the index of the EF below DF `directory` with short EF identifier `sfi`.
    public func child(of directory: Int, shortIdentifier sfi: UInt8) -> Int? {
        files.indices.first { index in
            guard files[index].parent == directory,
                case .transparent(_, let shortIdentifier) = files[index].kind
            else { return false }
            return shortIdentifier == sfi
        }
    }

    /// Returns the index of the first DF whose name starts with `name` (ISO allows a
    /// truncated DF name), searching after `index` when it is given.
    public func dedicatedFile(namePrefix name: [UInt8], after index: Int? = nil) -> Int? {
        let start = (index ?? -1) + 1
        guard start < files.count else { return nil }
        return files.indices[start...].first { candidate in
            guard case .dedicated(let dfName?) = files[candidate].kind else { return false }
            return dfName.starts(with: name)
        }
    }

    /// Returns the file control parameters (the contents of tag 62): descriptor, file id,
    /// size for EFs, DF name for DFs, SFI where defined.
    public func controlParameters(of index: Int) -> [UInt8] {
        let file = files[index]
        var result: [UInt8] = []

        switch file.kind {
        case .dedicated(let name):
            result += [0x82, 0x01, 0x38]
            result += [0x83, 0x02, UInt8(file.fileID >> 8), UInt8(file.fileID & 0xFF)]
            if let name { result += [0x84, UInt8(name.count)] + name }

        case .transparent(let contents, let sfi):
            result += [0x82, 0x01, 0x01]
            result += [0x83, 0x02, UInt8(file.fileID >> 8), UInt8(file.fileID & 0xFF)]
            result += [0x80, 0x02, UInt8(contents.count >> 8), UInt8(contents.count & 0xFF)]
            if let sfi { result += [0x88, 0x01, sfi << 3] }
        }
        return result
    }
}
