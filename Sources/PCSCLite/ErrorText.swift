import CPCSC
import Glibc
import PCSCTypes

/// The size of each thread's text buffer, as in pcsc-lite.
private let errorTextCapacity = 75

/// The key of each thread's text buffer, freed when the thread exits.
private let errorTextKey: pthread_key_t = {
    var key = pthread_key_t()
    let result = pthread_key_create(&key) { buffer in free(buffer) }
    precondition(result == 0, "pthread_key_create failed with \(result)")
    return key
}()

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

    guard let buffer = threadErrorBuffer() else { return nil }
    // Copied byte by byte rather than through an Array, which would instantiate generic
    // metadata on the first call (measured: about 30 000 instructions).
    let characters = buffer.assumingMemoryBound(to: UInt8.self)
    var count = 0
    for byte in text.utf8 where count < errorTextCapacity - 1 {
        characters[count] = byte
        count += 1
    }
    characters[count] = 0
    return UnsafePointer(buffer.assumingMemoryBound(to: CChar.self))
}

private func threadErrorBuffer() -> UnsafeMutableRawPointer? {
    if let buffer = pthread_getspecific(errorTextKey) { return buffer }
    guard let buffer = malloc(errorTextCapacity) else { return nil }
    pthread_setspecific(errorTextKey, buffer)
    return buffer
}
