import Glibc

/// A failed system call and its `errno`.
struct SystemCallError: Error, Equatable, CustomStringConvertible {
    let call: String
    let errno: Int32

    var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
}

/// A `sockaddr_un` with its length: a socket file, or a name in Linux's abstract socket
/// namespace (no file, written with a leading "@" in systemd's variables).
struct UnixSocketAddress: Sendable {
    private var storage = sockaddr_un()
    private var length: socklen_t

    private static let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
    /// Size of `sun_path` (108 bytes on Linux).
    private static let pathCapacity = MemoryLayout<sockaddr_un>.size - pathOffset

    /// The address of the socket file at `path`. Returns nil when the path is empty,
    /// contains a NUL byte, or is longer than 107 bytes, the room in `sun_path` left by the
    /// terminating NUL.
    init?(path: String) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0), bytes.count < Self.pathCapacity else { return nil }
        self.init(sunPath: bytes + [0])
    }

    /// The address of `name` in the abstract namespace. `sun_path` is a NUL byte followed
    /// by the name, and the address length covers exactly those bytes, so at most 107 bytes
    /// fit. Returns nil when the name is longer.
    init?(abstractName name: [UInt8]) {
        guard name.count < Self.pathCapacity else { return nil }
        self.init(sunPath: [0] + name)
    }

    private init(sunPath: [UInt8]) {
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: sunPath)
        }
        length = socklen_t(Self.pathOffset + sunPath.count)
    }

    /// Calls `body` with the address as a `sockaddr` and its length.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

/// An unbound `AF_UNIX` datagram socket that sends each datagram to an address given with
/// it, so a receiver that restarts and binds its path again still gets the next one.
struct UnixDatagramSender: Sendable {
    let fd: Int32

    /// Opens a `SOCK_DGRAM | SOCK_CLOEXEC` socket.
    static func open() throws(SystemCallError) -> UnixDatagramSender {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError(call: "socket", errno: errno) }
        return UnixDatagramSender(fd: fd)
    }

    /// Sends `bytes` as one datagram to `address`, retrying on `EINTR`. A datagram larger
    /// than the socket's send buffer fails with `EMSGSIZE`. The call blocks while the
    /// receiver's queue is full.
    func send(_ bytes: [UInt8], to address: UnixSocketAddress) throws(SystemCallError) {
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                address.withSocketAddress { socketAddress, length in
                    sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
            if sent >= 0 { return }
            if errno == EINTR { continue }
            throw SystemCallError(call: "sendto", errno: errno)
        }
    }

    func close() {
        Glibc.close(fd)
    }
}
