import CPCSC
import Glibc
#if !EMBEDDED_LIBPCSCLITE  // scripts/build-libpcsclite.sh compiles both as one module
import PCSCClient
#endif
import PCSCTypes

/// The value of a successful call, `SCARD_S_SUCCESS`.
let success: LONG = 0

/// The length value with which the caller requests a buffer that the library allocates.
let autoAllocate: DWORD = DWORD.max

extension PCSCError {
    /// The `LONG` a C caller receives: the 32-bit code zero-extended, so it stays positive.
    var code: LONG { LONG(rawValue) }
}

/// Runs a call and returns its result as a C return value.
func resultCode(_ body: () throws(PCSCError) -> Void) -> LONG {
    do {
        try body()
        return success
    } catch {
        return error.code
    }
}

/// Copies a reader name argument byte for byte, up to its NUL, without decoding it.
func readerName(_ pointer: UnsafePointer<CChar>) -> ReaderName {
    ReaderName(bytes: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
}

/// Cuts a DWORD argument that travels in a 32-bit wire field to 32 bits, as pcsc-lite's
/// assignment to the `uint32_t` field does.
func wireValue(_ value: DWORD) -> UInt32 {
    UInt32(truncatingIfNeeded: value)
}

/// Returns a view of a C input buffer with a caller-supplied length. The client checks the
/// length before it reads any byte, so an oversized claim never reads past the buffer.
func inputBytes(_ pointer: UnsafeRawPointer?, count: DWORD) -> UnsafeRawBufferPointer {
    guard let pointer, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: pointer, count: Int(clamping: count))
}

/// Returns a view of a C output buffer of a caller-supplied length, cut to 32 bits as the
/// capacity the daemon receives is. Only the bytes the daemon returns are written.
func outputBytes(_ pointer: UnsafeMutableRawPointer, count: DWORD) -> UnsafeMutableRawBufferPointer {
    UnsafeMutableRawBufferPointer(start: pointer, count: Int(min(count, DWORD(UInt32.max))))
}

/// Copies `bytes` to `destination`, which must have room for them.
func copy(_ bytes: [UInt8], to destination: UnsafeMutableRawPointer) {
    guard !bytes.isEmpty else { return }
    bytes.withUnsafeBytes { source in
        destination.copyMemory(from: source.baseAddress!, byteCount: source.count)
    }
}

/// Allocates a buffer for `SCARD_AUTOALLOCATE` with `malloc` (released by
/// `SCardFreeMemory`, which calls `free`) and stores its address where the caller's
/// buffer argument points. Returns nil when `malloc` fails.
func allocateOutput(_ count: Int, storingAddressAt buffer: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    guard let memory = malloc(max(count, 1)) else { return nil }
    buffer.assumingMemoryBound(to: UnsafeMutableRawPointer?.self).pointee = memory
    return memory
}

/// Fills a multi-string output (`SCardListReaders`, `SCardListReaderGroups`) by
/// pcsc-lite's rules and returns the call's result. The length is always written.
func writeMultiString(_ list: MultiString, to buffer: UnsafeMutablePointer<CChar>?, length: UnsafeMutablePointer<DWORD>) -> LONG {
    defer { length.pointee = DWORD(list.length) }

    if length.pointee == autoAllocate {
        guard let buffer else { return PCSCError.invalidParameter.code }
        guard let memory = allocateOutput(list.length, storingAddressAt: UnsafeMutableRawPointer(buffer)) else {
            return PCSCError.noMemory.code
        }
        copy(list.bytes, to: memory)
        return success
    }

    switch BufferFill.forMultiString(needed: list.length, capacity: buffer == nil ? nil : length.pointee) {
    case .lengthOnly:
        return success
    case .tooSmall:
        return PCSCError.insufficientBuffer.code
    case .copy:
        copy(list.bytes, to: UnsafeMutableRawPointer(buffer!))
        return success
    }
}
