import Glibc
import Testing

@testable import PCSCDaemon

@Suite struct SocketActivationTests {
    let pid: pid_t = 4242

    @Test func unsetVariablesMeanNoActivation() throws {
        #expect(try SocketActivation.parse(listenPID: nil, listenFDs: nil, listenFDNames: nil, processID: pid) == nil)
        #expect(try SocketActivation.parse(listenPID: "4242", listenFDs: nil, listenFDNames: nil, processID: pid) == nil)
        #expect(try SocketActivation.parse(listenPID: nil, listenFDs: "1", listenFDNames: nil, processID: pid) == nil)
    }

    @Test func listenPIDMismatchIsIgnored() throws {
        let passed = try SocketActivation.parse(listenPID: "4243", listenFDs: "1", listenFDNames: "pcscd", processID: pid)
        #expect(passed == nil)
    }

    @Test func listenFDsCountsFromThree() throws {
        let passed = try #require(
            try SocketActivation.parse(listenPID: "4242", listenFDs: "2", listenFDNames: nil, processID: pid))
        #expect(passed.descriptors == 3..<5)
        #expect(passed.names == nil)
    }

    @Test func listenFDsWithLeadingZero() throws {
        let passed = try SocketActivation.parse(listenPID: "04242", listenFDs: "01", listenFDNames: nil, processID: pid)
        #expect(passed?.descriptors == 3..<4)
    }

    @Test func largestListenFDsCount() throws {
        let count = Int32.max - SocketActivation.firstDescriptor
        let passed = try SocketActivation.parse(
            listenPID: "4242", listenFDs: String(count), listenFDNames: nil, processID: pid)
        #expect(passed?.descriptors.count == Int(count))
        #expect(passed?.descriptors.upperBound == Int32.max)
    }

    @Test(arguments: ["0", "-1", "abc", "", " 1", "1 ", "+1", "1.0", "0x1", "2147483645", "99999999999"])
    func invalidListenFDs(value: String) {
        #expect(throws: SocketActivation.Failure.invalidListenFDs(value)) {
            try SocketActivation.parse(listenPID: "4242", listenFDs: value, listenFDNames: nil, processID: pid)
        }
    }

    @Test(arguments: ["0", "-4242", "abc", "", " 4242", "4242 ", "99999999999"])
    func invalidListenPID(value: String) {
        #expect(throws: SocketActivation.Failure.invalidListenPID(value)) {
            try SocketActivation.parse(listenPID: value, listenFDs: "1", listenFDNames: nil, processID: pid)
        }
    }

    @Test func listenFDNamesOnePerDescriptor() throws {
        let passed = try SocketActivation.parse(
            listenPID: "4242", listenFDs: "3", listenFDNames: "pcscd::extra", processID: pid)
        #expect(passed?.names == ["pcscd", "", "extra"])
    }

    @Test func listenFDNamesWithWrongCount() throws {
        let fewer = try SocketActivation.parse(listenPID: "4242", listenFDs: "2", listenFDNames: "pcscd", processID: pid)
        #expect(fewer?.descriptors == 3..<5)
        #expect(fewer?.names == nil)

        let more = try SocketActivation.parse(listenPID: "4242", listenFDs: "1", listenFDNames: "a:b", processID: pid)
        #expect(more?.descriptors == 3..<4)
        #expect(more?.names == nil)
    }

    @Test func emptyListenFDNamesIsOneEmptyName() throws {
        let passed = try SocketActivation.parse(listenPID: "4242", listenFDs: "1", listenFDNames: "", processID: pid)
        #expect(passed?.names == [""])
    }

    @Test(arguments: [
        ["LISTEN_PID": "4242", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "pcscd"],
        ["LISTEN_PID": "4243", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "pcscd"],
        ["LISTEN_PID": "4242", "LISTEN_FDS": "zero", "LISTEN_FDNAMES": "pcscd"],
        ["LISTEN_PID": "", "LISTEN_FDS": "1"],
    ])
    func takeRemovesVariables(variables: [String: String]) throws {
        let unrelated = ["PATH": "/usr/bin", "NOTIFY_SOCKET": "/run/systemd/notify"]
        var environment = variables.merging(unrelated) { first, _ in first }
        // A descriptor number that cannot be open, so no descriptor of the test process is
        // changed: the take fails after removing the variables or ignores them.
        _ = try? SocketActivation.takePassedDescriptors(
            from: &environment, processID: pid, firstDescriptor: Int32.max - 1)
        #expect(environment["LISTEN_PID"] == nil)
        #expect(environment["LISTEN_FDS"] == nil)
        #expect(environment["LISTEN_FDNAMES"] == nil)
        #expect(environment == unrelated)
    }

    @Test func takeSetsCloseOnExec() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0)

        var environment = ["LISTEN_PID": "4242", "LISTEN_FDS": "1"]
        let passed = try SocketActivation.takePassedDescriptors(from: &environment, processID: pid, firstDescriptor: fd)
        #expect(passed?.descriptors == fd..<(fd + 1))
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func takeRejectsClosedDescriptor() {
        var environment = ["LISTEN_PID": "4242", "LISTEN_FDS": "1"]
        let closed = Int32.max - 1
        #expect(throws: SocketActivation.Failure.descriptorNotOpen(fd: closed, errno: EBADF)) {
            try SocketActivation.takePassedDescriptors(from: &environment, processID: pid, firstDescriptor: closed)
        }
    }

    @Test func takeUsesProcessID() throws {
        var environment = ["LISTEN_PID": "1", "LISTEN_FDS": "1"]
        let passed = try SocketActivation.takePassedDescriptors(from: &environment, firstDescriptor: Int32.max - 1)
        #expect(passed == nil, "LISTEN_PID=1 is not the test process")
    }
}

@Suite struct ListeningSocketCheckTests {
    /// Creates an `AF_UNIX` socket of `type`, bound to `path` (a file path or "@name"), and
    /// listening when `listen` is true.
    func unixSocket(_ type: __socket_type, path: String?, listen shouldListen: Bool) -> Int32 {
        let fd = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0)
        if let path {
            let address =
                path.hasPrefix("@")
                ? UnixSocketAddress(abstractName: Array(path.utf8.dropFirst()))!
                : UnixSocketAddress(path: path)!
            precondition(address.withSocketAddress { bind(fd, $0, $1) } == 0, "bind failed: errno \(errno)")
        }
        if shouldListen {
            precondition(listen(fd, 4) == 0)
        }
        return fd
    }

    @Test func listeningStreamSocketPasses() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["listen.sock"]) }
        let path = directory.file("listen.sock")
        let fd = unixSocket(SOCK_STREAM, path: path, listen: true)
        defer { close(fd) }

        try SocketActivation.checkListeningUnixStreamSocket(fd)
        try SocketActivation.checkListeningUnixStreamSocket(fd, path: path)
    }

    @Test func otherPathIsRejected() {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["listen.sock"]) }
        let path = directory.file("listen.sock")
        let fd = unixSocket(SOCK_STREAM, path: path, listen: true)
        defer { close(fd) }

        #expect(throws: SocketActivation.SocketMismatch.otherPath(path)) {
            try SocketActivation.checkListeningUnixStreamSocket(fd, path: "/run/pcscd/pcscd.comm")
        }
    }

    @Test func abstractSocketPathIsCompared() throws {
        let name = "@" + uniqueAbstractName("listen")
        let fd = unixSocket(SOCK_STREAM, path: name, listen: true)
        defer { close(fd) }

        try SocketActivation.checkListeningUnixStreamSocket(fd, path: name)
        #expect(throws: SocketActivation.SocketMismatch.otherPath(name)) {
            try SocketActivation.checkListeningUnixStreamSocket(fd, path: name + "-other")
        }
    }

    @Test func notListeningIsRejected() {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["bound.sock"]) }
        let fd = unixSocket(SOCK_STREAM, path: directory.file("bound.sock"), listen: false)
        defer { close(fd) }

        #expect(throws: SocketActivation.SocketMismatch.notListening) {
            try SocketActivation.checkListeningUnixStreamSocket(fd)
        }
    }

    @Test func datagramSocketIsRejected() {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["datagram.sock"]) }
        let fd = unixSocket(SOCK_DGRAM, path: directory.file("datagram.sock"), listen: false)
        defer { close(fd) }

        #expect(throws: SocketActivation.SocketMismatch.notStream(type: Int32(SOCK_DGRAM.rawValue))) {
            try SocketActivation.checkListeningUnixStreamSocket(fd)
        }
    }

    @Test func connectedPairIsRejected() {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }

        #expect(throws: SocketActivation.SocketMismatch.notListening) {
            try SocketActivation.checkListeningUnixStreamSocket(pair[0])
        }
    }

    @Test func inetSocketIsRejected() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian  // 127.0.0.1, port 0
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(bound == 0)
        #expect(listen(fd, 4) == 0)

        #expect(throws: SocketActivation.SocketMismatch.notUnix(family: AF_INET)) {
            try SocketActivation.checkListeningUnixStreamSocket(fd)
        }
    }

    @Test func regularFileIsRejected() {
        let directory = TemporaryDirectory()
        defer { directory.remove(files: ["file"]) }
        let fd = open(directory.file("file"), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { close(fd) }

        #expect(throws: SocketActivation.SocketMismatch.notSocket) {
            try SocketActivation.checkListeningUnixStreamSocket(fd)
        }
    }

    @Test func closedDescriptorIsRejected() {
        #expect(throws: SocketActivation.SocketMismatch.system(SystemCallError(call: "fstat", errno: EBADF))) {
            try SocketActivation.checkListeningUnixStreamSocket(Int32.max - 1)
        }
    }
}
