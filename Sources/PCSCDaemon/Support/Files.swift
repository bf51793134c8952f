import Glibc

/// Reads a small file (at most `limit` bytes) as UTF-8; nil when it cannot be read.
func readTextFile(_ path: String, limit: Int = 65536) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: limit)
    var used = 0
    while used < limit {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, limit - used) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        used += count
    }
    return String(decoding: buffer[..<used], as: UTF8.self)
}
