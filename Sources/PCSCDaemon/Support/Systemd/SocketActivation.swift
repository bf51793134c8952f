import Glibc

/// systemd's socket activation, as sd_listen_fds(3) documents it: the service manager
/// passes listening sockets as descriptors 3, 4, and so on, and describes them in
/// `$LISTEN_PID` (the process they are meant for), `$LISTEN_FDS` (their count) and the
/// optional `$LISTEN_FDNAMES` (colon-separated names).
enum SocketActivation {
    /// The first passed descriptor (`SD_LISTEN_FDS_START`).
    static let firstDescriptor: Int32 = 3

    /// The descriptors passed to this process.
    struct PassedDescriptors: Equatable {
        var descriptors: Range<Int32>
        /// One name per descriptor, from `$LISTEN_FDNAMES`. It is nil when the variable is
        /// unset or does not contain one name per descriptor. sd_listen_fds_with_names(3)
        /// rejects the second case, but the names are optional, so the descriptors are kept.
        var names: [String]?
    }

    /// An activation variable with an invalid value, or a passed descriptor that is not open.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidListenPID(String)
        case invalidListenFDs(String)
        case descriptorNotOpen(fd: Int32, errno: Int32)

        var description: String {
            switch self {
            case .invalidListenPID(let value):
                "$LISTEN_PID is '\(value)', expected a process id"
            case .invalidListenFDs(let value):
                "$LISTEN_FDS is '\(value)', expected a count of at least 1"
            case .descriptorNotOpen(let fd, let code):
                "descriptor \(fd) from $LISTEN_FDS is not usable: \(String(cString: strerror(code)))"
            }
        }
    }

    /// Takes the descriptors passed to this process, as `sd_listen_fds(1)` does: reads the
    /// variables, removes `$LISTEN_PID`, `$LISTEN_FDS` and `$LISTEN_FDNAMES` from
    /// `environment` whether they are valid or not, so child processes do not inherit them,
    /// and sets `FD_CLOEXEC` on each passed descriptor. Returns nil when the variables are
    /// unset or `$LISTEN_PID` is another process's id.
    static func takePassedDescriptors(
        from environment: inout some EnvironmentVariables,
        processID: pid_t = getpid(),
        firstDescriptor: Int32 = firstDescriptor
    ) throws(Failure) -> PassedDescriptors? {
        let listenPID = environment["LISTEN_PID"]
        let listenFDs = environment["LISTEN_FDS"]
        let listenFDNames = environment["LISTEN_FDNAMES"]
        environment.remove("LISTEN_PID")
        environment.remove("LISTEN_FDS")
        environment.remove("LISTEN_FDNAMES")

        guard
            let passed = try parse(
                listenPID: listenPID, listenFDs: listenFDs, listenFDNames: listenFDNames,
                processID: processID, firstDescriptor: firstDescriptor)
        else { return nil }
        for fd in passed.descriptors {
            let flags = fcntl(fd, F_GETFD)
            guard flags >= 0, fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0 else {
                throw .descriptorNotOpen(fd: fd, errno: errno)
            }
        }
        return passed
    }

    /// Parses the activation variables without touching the environment or the descriptors.
    /// Returns nil when `$LISTEN_PID` or `$LISTEN_FDS` is unset or `$LISTEN_PID` is not
    /// `processID`. Both values must be plain decimal numbers. That is stricter than
    /// libsystemd 252, which also accepts a sign and leading spaces in `$LISTEN_FDS`.
    static func parse(
        listenPID: String?, listenFDs: String?, listenFDNames: String?,
        processID: pid_t, firstDescriptor: Int32 = firstDescriptor
    ) throws(Failure) -> PassedDescriptors? {
        guard let listenPID, let listenFDs else { return nil }
        guard let pid = decimal(listenPID), pid > 0 else { throw .invalidListenPID(listenPID) }
        guard pid == processID else { return nil }

        // The end of the range, firstDescriptor + count, must be a valid Int32.
        guard let count = decimal(listenFDs), count > 0, count <= Int32.max - firstDescriptor else {
            throw .invalidListenFDs(listenFDs)
        }
        let descriptors = firstDescriptor..<(firstDescriptor + count)

        var names: [String]?
        if let listenFDNames {
            let split = listenFDNames.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            names = split.count == descriptors.count ? split : nil
        }
        return PassedDescriptors(descriptors: descriptors, names: names)
    }

    /// Parses a string of ASCII digits. Returns nil for anything else or for a value above
    /// `Int32.max`.
    private static func decimal(_ text: String) -> Int32? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int32(text)
    }
}

extension SocketActivation {
    /// The way a passed descriptor differs from a listening UNIX stream socket.
    enum SocketMismatch: Error, Equatable, CustomStringConvertible {
        case system(SystemCallError)
        case notSocket
        case notStream(type: Int32)
        case notListening
        case notUnix(family: Int32)
        case otherPath(String)

        var description: String {
            switch self {
            case .system(let error): "\(error)"
            case .notSocket: "it is not a socket"
            case .notStream(let type): "it is not a stream socket (SO_TYPE \(type))"
            case .notListening: "it is not listening"
            case .notUnix(let family): "it is not a UNIX socket (address family \(family))"
            case .otherPath(let path): "it is bound to \(path.isEmpty ? "no path" : path)"
            }
        }
    }

    /// Checks that `fd` is a listening `AF_UNIX` `SOCK_STREAM` socket, the check that
    /// `sd_is_socket_unix(fd, SOCK_STREAM, 1, path, 0)` makes. With a `path`, the socket must
    /// be bound to it. A name in the abstract namespace is compared as "@name".
    static func checkListeningUnixStreamSocket(_ fd: Int32, path: String? = nil) throws(SocketMismatch) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system(SystemCallError(call: "fstat", errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw .notSocket }

        let type = try integerOption(fd, SO_TYPE)
        guard type == Int32(SOCK_STREAM.rawValue) else { throw .notStream(type: type) }
        guard try integerOption(fd, SO_ACCEPTCONN) == 1 else { throw .notListening }

        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw .system(SystemCallError(call: "getsockname", errno: errno)) }
        guard address.sun_family == sa_family_t(AF_UNIX) else { throw .notUnix(family: Int32(address.sun_family)) }

        guard let path else { return }
        let bound = boundPath(address, length: Int(length))
        guard bound == path else { throw .otherPath(bound) }
    }

    private static func integerOption(_ fd: Int32, _ option: Int32) throws(SocketMismatch) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 else {
            throw .system(SystemCallError(call: "getsockopt", errno: errno))
        }
        return value
    }

    /// Returns the path in a `getsockname` result: the file path up to its NUL, "@name" for
    /// the abstract namespace, or "" for an unbound socket.
    private static func boundPath(_ address: sockaddr_un, length: Int) -> String {
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let count = max(0, min(length, MemoryLayout<sockaddr_un>.size) - pathOffset)
        let bytes = withUnsafeBytes(of: address.sun_path) { Array($0.prefix(count)) }
        guard let first = bytes.first else { return "" }
        if first == 0 {
            return "@" + String(decoding: bytes.dropFirst(), as: UTF8.self)
        }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
