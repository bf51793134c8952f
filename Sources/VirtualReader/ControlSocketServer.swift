import Glibc

/// A UNIX stream socket that serves a line protocol on its own thread: each request line
/// gets the line `handler` returns. Serves the virtual reader control protocol, in the
/// daemon and in the IFD handler.
///
/// One thread polls the listening socket, every client and a stop pipe, so `stop()` ends
/// it at once. Lines longer than `maxLineLength` end their connection with an error reply.
public final class ControlSocketServer: @unchecked Sendable {
    // Every mutable field below belongs to the server thread once `start()` returns;
    // `stop()` touches them only after joining that thread.
    public let path: String
    private let handler: @Sendable (String) -> String
    private let logError: @Sendable (String) -> Void
    private let listener: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private var clients: [Int32: [UInt8]] = [:]
    private var thread = pthread_t()
    private var running = false

    static let maxLineLength = 4096
    /// Control clients served at once; more are told so and disconnected, so a client
    /// cannot use up the process's file descriptors.
    static let maxClients = 16

    /// Binds and listens on `path`. A socket file left there by a process that is gone is
    /// replaced; a path some live server listens on is not.
    /// `logError` receives the server's own failures (poll, accept), one line each.
    public init(
        path: String, logError: @escaping @Sendable (String) -> Void,
        handler: @escaping @Sendable (String) -> String
    ) throws(ControlSocketError) {
        self.path = path
        self.handler = handler
        self.logError = logError
        listener = try Self.listen(on: path)

        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            let error = ControlSocketError(operation: "pipe", path: path, code: errno)
            close(listener)
            unlink(path)
            throw error
        }
        stopPipe = (fds[0], fds[1])
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    }

    /// Starts the server thread.
    public func start() throws(ControlSocketError) {
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, runControlSocketServer, context)
        guard result == 0 else {
            Unmanaged<ControlSocketServer>.fromOpaque(context).release()
            throw ControlSocketError(operation: "pthread_create", path: path, code: result)
        }
        running = true
    }

    /// Stops the thread, closes every connection and removes the socket file.
    public func stop() {
        if running {
            var byte: UInt8 = 1
            _ = write(stopPipe.write, &byte, 1)
            pthread_join(thread, nil)
            running = false
        }

        for client in clients.keys { close(client) }
        clients = [:]
        close(listener)
        close(stopPipe.read)
        close(stopPipe.write)
        unlink(path)
    }

    fileprivate func serve() {
        while true {
            var polled = [
                pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
            ]
            polled += clients.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }

            let ready = poll(&polled, nfds_t(polled.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logError("control socket \(path): poll failed: \(String(cString: strerror(errno)))")
                return
            }

            if polled[0].revents != 0 { return }
            if polled[1].revents != 0 { accept() }
            for entry in polled.dropFirst(2) where entry.revents != 0 {
                receive(from: entry.fd)
            }
        }
    }

    private func accept() {
        let client = Glibc.accept(listener, nil, nil)
        guard client >= 0 else {
            let code = errno
            logError("control socket \(path): accept failed: \(String(cString: strerror(code)))")
            // Out of descriptors the listener stays readable; pause instead of spinning.
            if code == EMFILE || code == ENFILE { usleep(100_000) }
            return
        }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        guard clients.count < Self.maxClients else {
            _ = send("error too many control connections (\(Self.maxClients)); close one and retry\n", to: client)
            close(client)
            return
        }
        clients[client] = []
    }

    private func receive(from client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = read(client, &buffer, buffer.count)
        guard count > 0 else {
            disconnect(client)
            return
        }

        var pending = clients[client, default: []] + buffer[..<count]
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            guard send(handler(line) + "\n", to: client) else {
                disconnect(client)
                return
            }
        }

        if pending.count > Self.maxLineLength {
            _ = send("error request line longer than \(Self.maxLineLength) bytes: send one request per line\n", to: client)
            disconnect(client)
            return
        }
        clients[client] = pending
    }

    /// Writes a reply without blocking. A client that does not read its replies fills its
    /// socket buffer and is disconnected, rather than stalling every other control client.
    private func send(_ text: String, to client: Int32) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            bytes = bytes.dropFirst(written)
        }
        return true
    }

    private func disconnect(_ client: Int32) {
        close(client)
        clients[client] = nil
    }

    private static func listen(on path: String) throws(ControlSocketError) -> Int32 {
        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw ControlSocketError(operation: "socket", path: path, code: errno) }

        do throws(ControlSocketError) {
            var address = try socketAddress(path)
            if bind(socketFD, &address) != 0 {
                let bindError = errno
                guard bindError == EADDRINUSE, isSocketFile(path), !isListening(&address) else {
                    throw ControlSocketError(operation: "bind", path: path, code: bindError)
                }
                unlink(path)
                guard bind(socketFD, &address) == 0 else {
                    throw ControlSocketError(operation: "bind", path: path, code: errno)
                }
            }
            guard Glibc.listen(socketFD, 8) == 0 else {
                throw ControlSocketError(operation: "listen", path: path, code: errno)
            }
            return socketFD
        } catch {
            close(socketFD)
            throw error
        }
    }

    private static func socketAddress(_ path: String) throws(ControlSocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ControlSocketError(operation: "bind", path: path, code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return address
    }

    private static func bind(_ socketFD: Int32, _ address: inout sockaddr_un) -> Int32 {
        withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// Returns true when `path` is a socket file (and not, say, a regular file to keep).
    private static func isSocketFile(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK
    }

    /// Returns true when a server accepts connections at `address`.
    private static func isListening(_ address: inout sockaddr_un) -> Bool {
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

/// The thread entry point: `context` is a retained `ControlSocketServer`.
private func runControlSocketServer(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let server = Unmanaged<ControlSocketServer>.fromOpaque(context!).takeRetainedValue()
    server.serve()
    return nil
}

/// A failed system call while setting up the control socket.
public struct ControlSocketError: Error, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    public var description: String {
        "\(operation) failed for control socket \(path): \(String(cString: strerror(code)))"
    }
}
