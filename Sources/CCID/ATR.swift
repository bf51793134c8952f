import PCSCTypes

/// An Answer-to-Reset (ISO/IEC 7816-3 §8), parsed.
///
/// Parsing never traps: a structurally broken ATR throws `ATRError`, while a wrong or
/// missing check byte is only reported in `checkByteStatus`, because readers and pcscd
/// accept such ATRs and the cards work.
public struct ATR: Sendable, Hashable, CustomStringConvertible {
    /// The largest ATR ISO 7816-3 allows, in bytes.
    public static let maxLength = 33

    /// The bit convention announced by TS.
    public enum Convention: Sendable, Hashable {
        /// TS = 0x3B.
        case direct
        /// TS = 0x3F.
        case inverse
    }

    /// The interface bytes of one group i: TAi, TBi, TCi and TDi.
    public struct InterfaceByteGroup: Sendable, Hashable {
        public var ta: UInt8?
        public var tb: UInt8?
        public var tc: UInt8?
        public var td: UInt8?

        /// The protocol T that TDi announces for the next group.
        public var announcedProtocol: UInt8? { td.map { $0 & 0x0F } }
    }

    /// Whether the ATR ends with a correct TCK.
    public enum CheckByteStatus: Sendable, Hashable {
        /// Only T=0 is announced, so there is no TCK.
        case notRequired
        /// TCK is present and T0 … TCK XOR to zero.
        case valid
        /// TCK is present but wrong; `expected` is the value that would be correct.
        case invalid(expected: UInt8)
        /// A protocol other than T=0 is announced but the ATR ends before TCK.
        case missing
    }

    /// The ATR as received.
    public let bytes: [UInt8]
    public let convention: Convention
    /// T0: presence of TA1–TD1 in the high nibble, number of historical bytes in the low.
    public let formatByte: UInt8
    /// Interface byte groups. Element 0 contains TA1, TB1, TC1 and TD1.
    public let interfaceBytes: [InterfaceByteGroup]
    public let historicalBytes: [UInt8]
    /// TCK, when present.
    public let checkByte: UInt8?
    public let checkByteStatus: CheckByteStatus
    /// Bytes after the last one the format announces; they are kept but not interpreted.
    public let trailingBytes: [UInt8]

    public init(bytes: [UInt8]) throws(ATRError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maxLength else { throw .tooLong(bytes.count) }

        switch bytes[0] {
        case 0x3B: convention = .direct
        case 0x3F: convention = .inverse
        default: throw .invalidTS(bytes[0])
        }
        guard bytes.count >= 2 else { throw .missingFormatByte }

        self.bytes = bytes
        formatByte = bytes[1]

        var index = 2
        let groups = try Self.parseInterfaceBytes(bytes, startingAt: &index)
        interfaceBytes = groups

        let historicalCount = Int(formatByte & 0x0F)
        guard index + historicalCount <= bytes.count else {
            throw .historicalBytesTruncated(expected: historicalCount, available: bytes.count - index)
        }
        historicalBytes = Array(bytes[index..<index + historicalCount])
        index += historicalCount

        let needsCheckByte = groups.contains { ($0.announcedProtocol ?? 0) != 0 }
        if !needsCheckByte {
            checkByte = nil
            checkByteStatus = .notRequired
        } else if index < bytes.count {
            let check = bytes[index]
            checkByte = check
            let sum = bytes[1..<index].reduce(0, ^)
            checkByteStatus = sum == check ? .valid : .invalid(expected: sum)
            index += 1
        } else {
            checkByte = nil
            checkByteStatus = .missing
        }

        trailingBytes = Array(bytes[index...])
    }

    /// Reads the interface byte groups. Each TDi announces which bytes of group i+1
    /// follow. Every read is bounds-checked, so a chain of TDs that points past the end
    /// (the CVE-2010-4531 pattern) throws instead of reading further.
    private static func parseInterfaceBytes(_ bytes: [UInt8], startingAt index: inout Int) throws(ATRError) -> [InterfaceByteGroup] {
        var groups: [InterfaceByteGroup] = []
        var presence = bytes[1] >> 4

        while true {
            var group = InterfaceByteGroup()
            let groupNumber = groups.count + 1

            func next(_ name: String) throws(ATRError) -> UInt8 {
                guard index < bytes.count else {
                    throw .interfaceBytesTruncated(byte: name + String(groupNumber))
                }
                defer { index += 1 }
                return bytes[index]
            }

            if presence & 0x1 != 0 { group.ta = try next("TA") }
            if presence & 0x2 != 0 { group.tb = try next("TB") }
            if presence & 0x4 != 0 { group.tc = try next("TC") }
            if presence & 0x8 != 0 { group.td = try next("TD") }
            groups.append(group)

            guard let td = group.td else { break }
            presence = td >> 4
        }
        return groups
    }

    public var description: String { hexString(bytes) }
}

/// A reason why bytes are not an ATR.
public enum ATRError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No bytes at all.
    case empty
    /// More than 33 bytes.
    case tooLong(Int)
    /// TS is neither 0x3B nor 0x3F.
    case invalidTS(UInt8)
    /// Only TS was received.
    case missingFormatByte
    /// The ATR ends where the named interface byte should be.
    case interfaceBytesTruncated(byte: String)
    /// Fewer historical bytes follow than T0 announces.
    case historicalBytesTruncated(expected: Int, available: Int)

    public var description: String {
        switch self {
        case .empty: "ATR is empty"
        case .tooLong(let count): "ATR has \(count) bytes, more than the maximum of 33"
        case .invalidTS(let ts): "ATR starts with TS 0x\(hex2(ts)), expected 0x3B or 0x3F"
        case .missingFormatByte: "ATR ends after TS, without T0"
        case .interfaceBytesTruncated(let name): "ATR ends before interface byte \(name)"
        case .historicalBytesTruncated(let expected, let available):
            "ATR announces \(expected) historical bytes but only \(available) follow"
        }
    }
}
