import CPCSC
import Glibc
import PCSCTypes

/// Returns the text for a result code, in a buffer that belongs to the calling thread and
/// stays valid until that thread's next call. Codes without a text, including any value
/// outside 32 bits, give `Unknown error: 0x%08lX` of the whole 64-bit value.
@_cdecl("pcsc_stringify_error")
public func stringifyError(_ code: LONG) -> UnsafePointer<CChar>? {
    let text: String
    if let value = UInt32(exactly: code) {
        text = PCSCError.stringify(value)
    } else {
        text = "Unknown error: 0x" + hex(UInt64(bitPattern: Int64(code)), width: 8)
    }

    let buffer = cpcsc_thread_error_text()!
    let capacity = Int(CPCSC_ERROR_TEXT_CAPACITY)
    var count = 0
    for byte in text.utf8 where count < capacity - 1 {
        buffer[count] = CChar(bitPattern: byte)
        count += 1
    }
    buffer[count] = 0
    return UnsafePointer(buffer)
}
