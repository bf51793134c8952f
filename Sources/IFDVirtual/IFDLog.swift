import Glibc

/// Error messages of the handler, written to standard error (pcscd's log in --foreground).
enum IFDLog {
    static func error(_ message: String) {
        let line = Array(("ifdvirtual: " + message + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
