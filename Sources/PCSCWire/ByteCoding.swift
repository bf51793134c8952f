/// Little-endian field access for the fixed-layout structs of the wire protocol.
///
/// Every integer on the pcsc-lite socket is 32 bits wide in host byte order, which is
/// little-endian on every platform this project builds for.
///
/// Reader and writer work on raw memory rather than on `[UInt8]`, so that encoding and
/// decoding a message allocates nothing and needs no generic type metadata at run time.
/// The client library sends its first requests while the process may still be starting,
/// and the first `[UInt8]` costs about 30 000 instructions of metadata instantiation
/// (callgrind, libpcsclite.so.1 built by `make build`).
struct FieldReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func uint32() -> UInt32 {
        precondition(offset + 4 <= bytes.count, "wire field beyond the end of the message")
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func int32() -> Int32 {
        Int32(bitPattern: uint32())
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        precondition(offset + count <= bytes.count, "wire field beyond the end of the message")
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func skip(_ count: Int) {
        offset += count
    }
}

struct FieldWriter {
    private let bytes: UnsafeMutableRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeMutableRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func uint32(_ value: UInt32) {
        precondition(offset + 4 <= bytes.count, "wire field beyond the end of the buffer")
        bytes.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
    }

    mutating func int32(_ value: Int32) {
        uint32(UInt32(bitPattern: value))
    }

    /// Writes `value` padded with zeros, or cut, to exactly `count` bytes.
    mutating func bytes(_ value: [UInt8], count: Int) {
        precondition(offset + count <= bytes.count, "wire field beyond the end of the buffer")
        let used = min(value.count, count)
        value.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<offset + used]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: source[0..<used]))
        }
        zeros(count - used, at: offset + used)
        offset += count
    }

    /// Writes `count` zero bytes.
    mutating func zeros(_ count: Int) {
        precondition(offset + count <= bytes.count, "wire field beyond the end of the buffer")
        zeros(count, at: offset)
        offset += count
    }

    private func zeros(_ count: Int, at start: Int) {
        guard count > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: bytes[start..<start + count]).initializeMemory(as: UInt8.self, repeating: 0)
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
    fixedField(string.utf8, count: count)
}

/// Encodes bytes into a fixed-size field: cut to `count - 1` bytes and NUL-padded, so the
/// field always ends with a NUL.
func fixedField<Bytes: Collection<UInt8>>(_ value: Bytes, count: Int) -> [UInt8] {
    var bytes = Array(value.prefix(count - 1))
    bytes.append(contentsOf: repeatElement(0, count: count - bytes.count))
    return bytes
}

extension Collection<UInt8> {
    /// Runs `body` on the bytes as one contiguous buffer, copying them only when the
    /// collection has no contiguous storage.
    func withContiguousBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(self).withUnsafeBytes(body)
    }
}
