import Glibc
import PCSCTypes
import PCSCWire

/// One socket to the daemon after the version exchange, with the negotiated protocol
/// version. Owned by one context and used only under that context's lock.
struct DaemonConnection {
    let channel: DaemonChannel
    let version: ProtocolVersion
    /// True between a `CMD_WAIT_READER_STATE_CHANGE` and the one 8-byte message that ends
    /// the registration (event signal, cancel signal or the reply to the stop command).
    /// The daemon replies to the stop command only while registered, so the client must
    /// never send it otherwise.
    var isRegistered = false

    var socket: UnixSocket { channel.socket }

    /// Connects and negotiates the protocol version, offering `firstOffer` first. Every
    /// failure closes the socket.
    static func open(path: String, firstOffer: ProtocolVersion, busyPollMicroseconds: Int) throws(PCSCError) -> DaemonConnection {
        let channel = DaemonChannel(socket: try connectSocket(path: path), busyPollMicroseconds: busyPollMicroseconds)
        do {
            let version = try negotiateVersion(on: channel, firstOffer: firstOffer)
            return DaemonConnection(channel: channel, version: version)
        } catch {
            channel.socket.close()
            throw error.code
        }
    }

    /// Opens a `SOCK_STREAM | SOCK_CLOEXEC` socket to `path` and makes it non-blocking, as
    /// pcsc-lite's client does. A missing or refusing socket is `SCARD_E_NO_SERVICE`.
    static func connectSocket(path: String) throws(PCSCError) -> UnixSocket {
        let socket: UnixSocket
        do {
            socket = try UnixSocket.connect(to: path)
        } catch {
            throw .noService
        }
        let flags = fcntl(socket.fd, F_GETFL)
        guard flags >= 0, fcntl(socket.fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            socket.close()
            throw .noService
        }
        return socket
    }

    private static func negotiateVersion(on channel: DaemonChannel, firstOffer: ProtocolVersion) throws(TransportFailure) -> ProtocolVersion {
        var negotiation = VersionNegotiation()
        var request = firstOffer
        while true {
            try channel.send(.version, VersionMessage(version: request))
            let reply = try channel.receive(VersionMessage.self)
            switch negotiation.handle(reply: reply, to: request) {
            case .retry(let version): request = version
            case .accepted(let version): return version
            case .rejected(let code): throw TransportFailure(code)
            }
        }
    }

    func close() {
        socket.close()
    }

    /// True when the daemon closed its end. Checked without blocking before a call reuses
    /// the connection, so that a daemon restart is noticed before a request is sent.
    var isHungUp: Bool {
        var descriptor = pollfd(fd: socket.fd, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        let hangUp = Int16(POLLHUP) | pollReadHangUp | Int16(POLLERR) | Int16(POLLNVAL)
        return descriptor.revents & hangUp != 0
    }

    /// Sends a fixed-size request (plus TRANSMIT or CONTROL payload) and reads the struct
    /// the daemon sends back.
    func exchange<Message: WireMessage>(
        _ command: Command, _ message: Message, payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) throws(TransportFailure) -> Message {
        try channel.send(command, message, payload: payload)
        return try channel.receive(Message.self)
    }
}

/// `POLLRDHUP` (Linux): the peer closed its end. Glibc declares it only with `_GNU_SOURCE`.
private let pollReadHangUp: Int16 = 0x2000
