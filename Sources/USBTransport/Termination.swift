import Glibc

/// Writes "Fatal error: `message`" to standard error, as `fatalError` does, and aborts the
/// process. An optimized Embedded Swift build of `fatalError` drops the message.
func terminate(_ message: String) -> Never {
    let line = Array("Fatal error: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}
