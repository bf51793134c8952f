#if canImport(Glibc)
import Glibc
#endif
import Threading

/// Failures of socket I/O on the pcsc-lite socket.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer closed the connection (read returned 0 bytes).
    case closed
    /// The peer reset the connection (`ECONNRESET`); pcscd does this to refuse a client.
    case reset
    /// No data arrived within the timeout.
    case timedOut
    /// The socket path is too long for `sockaddr_un`.
    case pathTooLong(String)
    /// A system call failed with this `errno`.
    case system(call: String, errno: Int32)

    public var description: String {
        switch self {
        case .closed: "connection closed by peer"
        case .reset: "connection reset by peer"
        case .timedOut: "timed out"
        case .pathTooLong(let path): "socket path is longer than 107 bytes: \(path)"
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}

/// Blocking and timed I/O on a connected stream socket, owned by the caller.
public struct UnixSocket: Sendable {
    public let fd: Int32

    public init(fd: Int32) {
        self.fd = fd
    }

    /// Connects a new `SOCK_STREAM | SOCK_CLOEXEC` socket to `path`.
    public static func connect(to path: String) throws(SocketError) -> UnixSocket {
        var address = try socketAddress(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }

        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .system(call: "connect", errno: code)
        }
        return UnixSocket(fd: fd)
    }

    /// Builds the `sockaddr_un` for `path`.
    public static func socketAddress(_ path: String) throws(SocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)

        // Copied from the string's own UTF-8 storage rather than through `Array(path.utf8)`,
        // whose first use costs the client library about 27 000 instructions of generic
        // metadata instantiation (callgrind).
        let copied = path.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count < capacity else { return false }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(bytes))
                raw[bytes.count] = 0
            }
            return true
        }
        guard let copied else {
            var contiguous = path
            contiguous.makeContiguousUTF8()
            return try socketAddress(contiguous)
        }
        guard copied else { throw .pathTooLong(path) }
        return address
    }

    public func close() {
        Glibc.close(fd)
    }

    /// Writes every byte, retrying on short writes and `EINTR`. Never raises `SIGPIPE`.
    public func writeAll(_ bytes: [UInt8]) throws(SocketError) {
        // `withUnsafeBytes` rethrows untyped errors, so the failure is carried out by hand.
        var failure: SocketError?
        bytes.withUnsafeBytes { raw in
            do throws(SocketError) {
                try writeAll(raw)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Writes every byte of `bytes`, retrying on short writes and `EINTR`. Never raises
    /// `SIGPIPE`.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let written = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written > 0 {
                offset += written
                continue
            }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try waitFor(events: Int16(POLLOUT), timeoutMilliseconds: -1)
                continue
            }
            if written < 0 && errno == ECONNRESET { throw .reset }
            throw .system(call: "send", errno: written < 0 ? errno : EPIPE)
        }
    }

    /// Reads exactly `count` bytes. A timeout, when given, bounds the wait for each chunk
    /// of data, in milliseconds; nil waits forever.
    public func readExactly(_ count: Int, timeoutMilliseconds: Int32? = nil) throws(SocketError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var failure: SocketError?
        buffer.withUnsafeMutableBytes { raw in
            do throws(SocketError) {
                try readExactly(into: raw, timeoutMilliseconds: timeoutMilliseconds)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return buffer
    }

    /// Fills `buffer` completely. A timeout, when given, bounds the wait for each chunk of
    /// data, in milliseconds; nil waits forever.
    public func readExactly(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32? = nil) throws(SocketError) {
        var offset = 0
        while offset < buffer.count {
            if let timeout = timeoutMilliseconds {
                try waitFor(events: Int16(POLLIN), timeoutMilliseconds: timeout)
            }
            offset += try receiveAvailable(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]),
                timeoutMilliseconds: timeoutMilliseconds ?? -1)
        }
    }

    /// Receives at least one byte and at most `buffer.count` with one successful `recv`,
    /// and returns how many arrived. Waits up to `timeoutMilliseconds` (-1: forever) each
    /// time the socket has no data.
    public func receiveAvailable(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32 = -1) throws(SocketError) -> Int {
        precondition(buffer.count > 0, "a receive needs room for at least one byte")
        while true {
            let received = recv(fd, buffer.baseAddress!, buffer.count, 0)
            if received > 0 { return received }
            if received == 0 { throw .closed }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                try waitFor(events: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds)
            case ECONNRESET:
                throw .reset
            default:
                throw .system(call: "recv", errno: errno)
            }
        }
    }

    /// Waits until the socket is ready for `events`; -1 waits forever. A signal that
    /// interrupts the wait does not extend it: the next `poll` gets the time left.
    public func waitFor(events: Int16, timeoutMilliseconds: Int32) throws(SocketError) {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        let deadline = MonotonicClock.milliseconds + Int64(timeoutMilliseconds)
        var timeout = timeoutMilliseconds
        while true {
            let ready = poll(&descriptor, 1, timeout)
            if ready > 0 { return }
            if ready == 0 { throw .timedOut }
            if errno != EINTR { throw .system(call: "poll", errno: errno) }
            if timeoutMilliseconds >= 0 {
                timeout = Int32(clamping: max(0, deadline - MonotonicClock.milliseconds))
            }
        }
    }

    /// Sends a request: the header for `command`, then `body`, then `payload` (TRANSMIT
    /// and CONTROL data, not counted in the header's size), in one write.
    public func sendRequest(_ command: Command, body: [UInt8] = [], payload: [UInt8] = []) throws(SocketError) {
        var message = RequestHeader(size: UInt32(body.count), command: command.rawValue).encoded
        message.reserveCapacity(RequestHeader.size + body.count + payload.count)
        message.append(contentsOf: body)
        message.append(contentsOf: payload)
        try writeAll(message)
    }
}
