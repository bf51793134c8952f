/// Little-endian field access for the fixed-layout structs of the wire protocol.
///
/// Every integer on the pcsc-lite socket is 32 bits wide in host byte order, which is
/// little-endian on every platform this project builds for.
struct FieldReader {
    private let bytes: [UInt8]
    private var offset: Int

    init(_ bytes: some Collection<UInt8>) {
        self.bytes = Array(bytes)
        self.offset = 0
    }

    mutating func uint32() -> UInt32 {
        defer { offset += 4 }
        return UInt32(bytes[offset])
            | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    mutating func int32() -> Int32 {
        Int32(bitPattern: uint32())
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}

struct FieldWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func uint32(_ value: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    mutating func int32(_ value: Int32) {
        uint32(UInt32(bitPattern: value))
    }

    /// Appends `value` padded with zeros, or cut, to exactly `count` bytes.
    mutating func bytes(_ value: [UInt8], count: Int) {
        let used = min(value.count, count)
        bytes.append(contentsOf: value[0..<used])
        bytes.append(contentsOf: repeatElement(0, count: count - used))
    }
}

/// Converts a NUL-padded fixed-size field to a string, stopping at the first NUL.
func cString(from field: [UInt8]) -> String {
    let end = field.firstIndex(of: 0) ?? field.endIndex
    return String(decoding: field[..<end], as: UTF8.self)
}

/// Encodes a string into a fixed-size field: cut to `count - 1` bytes and NUL-padded, so
/// the field always ends with a NUL.
func fixedField(_ string: String, count: Int) -> [UInt8] {
    var bytes = Array(string.utf8.prefix(count - 1))
    bytes.append(contentsOf: repeatElement(0, count: count - bytes.count))
    return bytes
}
