/// A reader name as the bytes of its C string, without the terminating NUL.
///
/// pcsc-lite 1.9.9 compares reader names with `strcmp` and never decodes them. So a name
/// that is not valid UTF-8 must keep its exact bytes, such as a Latin-1 FRIENDLYNAME from
/// reader.conf or a name that pcscd cut at 127 bytes inside a multi-byte character. A
/// Swift `String` would replace those bytes with U+FFFD.
public struct ReaderName: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The name's bytes, none of them NUL.
    public let bytes: [UInt8]

    /// Creates a name from bytes. A NUL ends the name as it ends a C string, so the bytes
    /// from the first NUL on are dropped. A NUL-padded wire field gives the name it contains.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) {
        self.bytes = Array(bytes.prefix { $0 != 0 })
    }

    /// Creates a name from the UTF-8 bytes of `string`, up to its first NUL.
    public init(_ string: String) {
        self.init(bytes: string.utf8)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The name decoded as UTF-8 with U+FFFD for invalid bytes, for logs and messages only.
    public var description: String {
        String(decoding: bytes, as: UTF8.self)
    }
}
