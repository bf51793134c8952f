import PCSCTypes

/// A list of strings in C multi-string form: every string followed by a NUL, then one more
/// NUL. Lengths count every NUL, so an empty list is 1 byte and three 17-byte reader
/// names are 55.
public struct MultiString: Sendable, Equatable {
    public let bytes: [UInt8]

    /// Creates the list of the UTF-8 bytes of `strings`.
    public init(_ strings: [String]) {
        self.init(byteStrings: strings.map { Array($0.utf8) })
    }

    /// Creates the list of reader names with their exact bytes.
    public init(readerNames: [ReaderName]) {
        self.init(byteStrings: readerNames.map { $0.bytes })
    }

    private init(byteStrings: [[UInt8]]) {
        var bytes: [UInt8] = []
        for string in byteStrings {
            bytes.append(contentsOf: string)
            bytes.append(0)
        }
        bytes.append(0)
        self.bytes = bytes
    }

    /// The length in bytes, including every NUL.
    public var length: Int { bytes.count }

    /// The only reader group pcsc-lite reports: `"SCard$DefaultReaders\0\0"`, 22 bytes.
    public static let readerGroups = MultiString([PCSCLimits.defaultReaderGroup])

    /// The length `SCardListReaders` reports with `SCARD_E_NO_READERS_AVAILABLE`: that of
    /// the empty list.
    public static let emptyLength = MultiString([]).length
}

/// The way a caller-supplied output buffer is filled, by pcsc-lite's rules.
public enum BufferFill: Equatable, Sendable {
    /// No buffer was passed: report the needed length and succeed.
    case lengthOnly
    /// The data fits: copy it and report its length.
    case copy
    /// The buffer is too small: copy nothing, report the needed length and fail with
    /// `SCARD_E_INSUFFICIENT_BUFFER`.
    case tooSmall

    /// Applies the rule of `SCardListReaders` and `SCardListReaderGroups`. `capacity` is nil when
    /// the caller passed no buffer.
    public static func forMultiString(needed: Int, capacity: UInt?) -> BufferFill {
        guard let capacity else { return .lengthOnly }
        return capacity < UInt(needed) ? .tooSmall : .copy
    }
}

/// A partial copy, as `SCardStatus` makes one: the bytes to write into the caller's buffer
/// and whether they were cut short.
public struct TruncatedCopy: Equatable, Sendable {
    public let bytes: [UInt8]
    /// True when the buffer is smaller than the value, which makes the call fail with
    /// `SCARD_E_INSUFFICIENT_BUFFER` after the copy.
    public let isTruncated: Bool

    /// Applies the reader name rule: pcsc-lite copies with `strncpy(buffer, name, capacity)`, so a
    /// short buffer receives the first `capacity` bytes without a terminating NUL.
    /// `strncpy` also pads the rest of a larger buffer with NULs; this copy stops after the
    /// terminating NUL, which C callers cannot tell apart.
    public static func cString(_ name: ReaderName, capacity: UInt) -> TruncatedCopy {
        bytes(name.bytes + [0], capacity: capacity)
    }

    /// Applies the ATR rule: `min(length, capacity)` bytes.
    public static func bytes(_ value: [UInt8], capacity: UInt) -> TruncatedCopy {
        let count = Int(min(UInt(value.count), capacity))
        return TruncatedCopy(bytes: Array(value.prefix(count)), isTruncated: UInt(value.count) > capacity)
    }
}
