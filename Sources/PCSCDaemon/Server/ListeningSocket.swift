import Glibc
import PCSCWire

/// Why the daemon cannot listen, with the value at fault and what to do.
enum ListenError: Error, CustomStringConvertible {
    case tooManyInheritedSockets(Int)
    case inheritedSocketNotUnixStream(fd: Int32, SocketActivation.SocketMismatch)
    case anotherDaemonRunning(path: String)
    case pathNotSocket(String)
    case system(call: String, path: String, errno: Int32)
    case invalidPath(String)

    var description: String {
        switch self {
        case .tooManyInheritedSockets(let count):
            "systemd passed \(count) sockets; pcscd.socket must have exactly one ListenStream="
        case .inheritedSocketNotUnixStream(let fd, let mismatch):
            "descriptor \(fd) passed by systemd is not a listening UNIX stream socket (\(mismatch)); "
                + "check ListenStream= in pcscd.socket"
        case .anotherDaemonRunning(let path):
            "another pcscd already answers on \(path); stop it first, or set PCSCLITE_CSOCK_NAME to another path"
        case .pathNotSocket(let path):
            "\(path) exists and is not a socket; remove it, or set PCSCLITE_CSOCK_NAME to another path"
        case .system(let call, let path, let code):
            "\(call) on \(path) failed: \(String(cString: strerror(code)))"
        case .invalidPath(let path):
            "socket path \(path) is not usable (empty or longer than 107 bytes); set PCSCLITE_CSOCK_NAME to a shorter path"
        }
    }
}

/// The listening UNIX socket: inherited from systemd, or created by the daemon.
struct ListeningSocket {
    let fd: Int32
    let path: String
    /// True when systemd (or another activator) passed the socket: it is never unlinked,
    /// recreated or chmod-ed, because others (sandboxes, systemd) hold the same path.
    let isInherited: Bool
    /// Device and inode of the socket file the daemon created, to remove only that one.
    private let createdFile: (device: UInt64, inode: UInt64)?

    /// Adopts the socket systemd passed, if any, and removes the activation variables from
    /// the environment. Returns nil when the daemon was not socket-activated. Invalid
    /// activation variables are logged and also return nil, so the daemon creates its own
    /// socket.
    static func inherited(path: String) throws(ListenError) -> ListeningSocket? {
        var environment = ProcessEnvironment()
        let passed: SocketActivation.PassedDescriptors?
        do {
            passed = try SocketActivation.takePassedDescriptors(from: &environment)
        } catch {
            log.error("Ignoring the socket activation variables, creating the socket instead: \(error)")
            return nil
        }
        guard let passed else { return nil }
        guard passed.descriptors.count == 1 else { throw .tooManyInheritedSockets(passed.descriptors.count) }
        let fd = passed.descriptors.lowerBound
        do {
            try SocketActivation.checkListeningUnixStreamSocket(fd)
        } catch {
            throw .inheritedSocketNotUnixStream(fd: fd, error)
        }
        return ListeningSocket(fd: fd, path: path, isInherited: true, createdFile: nil)
    }

    /// Creates the socket at `path` (mode 0666, parent directory created with 0755).
    /// A socket file nobody answers on is stale and replaced; a live one is an error.
    static func create(path: String) throws(ListenError) -> ListeningSocket {
        guard !path.isEmpty, let address = try? UnixSocket.socketAddress(path) else { throw .invalidPath(path) }
        try createParentDirectory(of: path)
        try removeStaleSocket(at: path)

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", path: path, errno: errno) }
        var bindAddress = address
        let bound = withUnsafePointer(to: &bindAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .system(call: "bind", path: path, errno: code)
        }
        chmod(path, 0o666)
        // A large backlog keeps bursts of clients queued instead of refused.
        guard listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw .system(call: "listen", path: path, errno: code)
        }
        var info = stat()
        stat(path, &info)
        return ListeningSocket(
            fd: fd, path: path, isInherited: false,
            createdFile: (UInt64(info.st_dev), UInt64(info.st_ino)))
    }

    private static func createParentDirectory(of path: String) throws(ListenError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        var info = stat()
        if stat(directory, &info) == 0 { return }
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
            throw .system(call: "mkdir", path: directory, errno: errno)
        }
        chmod(directory, 0o755)
    }

    private static func removeStaleSocket(at path: String) throws(ListenError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if let probe = try? UnixSocket.connect(to: path) {
            probe.close()
            throw .anotherDaemonRunning(path: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw .pathNotSocket(path)
        }
        log.info("Removing stale socket \(path)")
        unlink(path)
    }

    /// Removes the socket file if it is still the one this daemon created.
    func removeCreatedFile() {
        guard let created = createdFile else { return }
        var info = stat()
        guard stat(path, &info) == 0, UInt64(info.st_dev) == created.device, UInt64(info.st_ino) == created.inode else {
            return
        }
        unlink(path)
    }

    /// True when a client is waiting in the accept queue.
    var hasPendingConnection: Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0 && descriptor.revents & Int16(POLLIN) != 0
    }
}
