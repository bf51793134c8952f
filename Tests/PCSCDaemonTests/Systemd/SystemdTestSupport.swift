import Glibc

@testable import PCSCDaemon

/// A dictionary in place of the process environment, so tests neither read nor change the
/// variables of the test process.
extension Dictionary: EnvironmentVariables where Key == String, Value == String {
    public mutating func remove(_ name: String) {
        removeValue(forKey: name)
    }
}

/// A private directory under /tmp for one test's sockets and files. `remove()` deletes
/// the files the test created in it, then the directory.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/pcscd-systemd-test-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove(files: [String]) {
        for name in files { unlink(file(name)) }
        rmdir(path)
    }
}

/// Returns a name in the abstract socket namespace that no other test or process uses.
func uniqueAbstractName(_ label: String) -> String {
    "swift-pcsc-test-\(getpid())-\(label)-\(UInt64.random(in: 0...UInt64.max))"
}

/// A bound `AF_UNIX` datagram socket that the tests use in place of systemd's notification
/// socket or journald's socket.
struct DatagramReceiver {
    let fd: Int32

    /// Binds to the socket file at `path`.
    init(path: String) {
        self.init(address: UnixSocketAddress(path: path)!)
    }

    /// Binds to `name` in the abstract namespace.
    init(abstractName name: String) {
        self.init(address: UnixSocketAddress(abstractName: Array(name.utf8))!)
    }

    private init(address: UnixSocketAddress) {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket failed: errno \(errno)")
        let bound = address.withSocketAddress { bind(fd, $0, $1) }
        precondition(bound == 0, "bind failed: errno \(errno)")
    }

    /// Returns the next datagram, or nil when none arrives within `timeoutMilliseconds`.
    func receive(timeoutMilliseconds: Int32 = 2000) -> [UInt8]? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return Array(buffer[..<count])
    }

    func close() {
        Glibc.close(fd)
    }
}

/// Returns the text of the file at `path`.
func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { break }
        bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}
