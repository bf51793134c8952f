import Glibc
import PCSCTypes
import PCSCWire

/// The byte stream to the daemon: every request goes out in one write, and replies come
/// in through a `ReceiveBuffer`. Failures are mapped to pcsc-lite's codes.
///
/// Requests are encoded into stack memory and replies decoded from the receive buffer,
/// so no request allocates or needs generic type metadata at run time. Each generic type
/// that a process uses for the first time (`[UInt8]`, a `Dictionary`, an `Optional` of a
/// generic type) costs it 10 000 to 30 000 instructions of metadata instantiation and
/// protocol-conformance lookups (callgrind, first `SCardEstablishContext`).
struct DaemonChannel {
    let socket: UnixSocket
    let incoming: ReceiveBuffer

    /// `busyPollMicroseconds` is how long a read polls before it sleeps (`BusyPoll`).
    init(socket: UnixSocket, busyPollMicroseconds: Int = ClientConfiguration.defaultBusyPollMicroseconds) {
        self.socket = socket
        incoming = ReceiveBuffer(busyPollMicroseconds: busyPollMicroseconds)
    }

    /// Sends a request with a fixed-size struct and, for TRANSMIT and CONTROL, `payload`
    /// after it (not counted in the header's size), in one write.
    func send<Message: WireMessage>(
        _ command: Command, _ message: Message, payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    ) throws(TransportFailure) {
        let bodyStart = RequestHeader.size
        let payloadStart = bodyStart + Message.size
        try withUnsafeTemporaryAllocation(byteCount: payloadStart + payload.count, alignment: 8) {
            (request: UnsafeMutableRawBufferPointer) throws(TransportFailure) in
            RequestHeader(size: UInt32(Message.size), command: command.rawValue).encode(into: request)
            message.encode(into: UnsafeMutableRawBufferPointer(rebasing: request[bodyStart..<payloadStart]))
            if payload.count > 0 {
                (request.baseAddress! + payloadStart).copyMemory(from: payload.baseAddress!, byteCount: payload.count)
            }
            try write(UnsafeRawBufferPointer(request))
        }
    }

    /// Sends body-less requests (0x12 to 0x17) in one write, in the order given. The daemon
    /// handles them one after the other, so their replies arrive in that order too.
    func send(_ first: Command, _ second: Command? = nil, _ third: Command? = nil) throws(TransportFailure) {
        let size = RequestHeader.size
        try withUnsafeTemporaryAllocation(byteCount: 3 * size, alignment: 8) {
            (request: UnsafeMutableRawBufferPointer) throws(TransportFailure) in
            // Three parameters rather than a list, because an array literal here would
            // instantiate `Array<Command>` metadata at run time.
            var count = 0
            func append(_ command: Command?) {
                guard let command else { return }
                precondition(command.bodySize == 0, "\(command) needs a request struct")
                RequestHeader(command: command).encode(into: UnsafeMutableRawBufferPointer(rebasing: request[count...]))
                count += size
            }
            append(first)
            append(second)
            append(third)
            try write(UnsafeRawBufferPointer(rebasing: request[..<count]))
        }
    }

    /// Reads a reply struct.
    func receive<Message: WireMessage>(_ type: Message.Type) throws(TransportFailure) -> Message {
        try fill(Message.size)
        return incoming.consume(Message.size) { Message(decoding: $0) }
    }

    /// Reads one 32-bit value (the 4:6 array size, or half of an event signal).
    func receiveUInt32() throws(TransportFailure) -> UInt32 {
        try fill(4)
        return incoming.consume(4) { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
    }

    /// Reads `count` bytes of reply data.
    func receiveBytes(_ count: Int) throws(TransportFailure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var failure: TransportFailure?
        bytes.withUnsafeMutableBytes { destination in
            do throws(TransportFailure) {
                try receive(into: destination)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `destination` with the next reply bytes.
    func receive(into destination: UnsafeMutableRawBufferPointer) throws(TransportFailure) {
        do {
            try incoming.read(into: destination, from: socket)
        } catch {
            throw .receiving(error)
        }
    }

    /// Reads and drops `count` bytes.
    func discard(_ count: Int) throws(TransportFailure) {
        var left = count
        while left > 0 {
            let chunk = min(left, ReceiveBuffer.capacity)
            try fill(chunk)
            incoming.consume(chunk) { _ in }
            left -= chunk
        }
    }

    /// Waits up to `timeoutMilliseconds` until a reply byte is buffered or arrives.
    func waitForData(timeoutMilliseconds: Int32) throws(SocketError) {
        try incoming.waitForData(from: socket, timeoutMilliseconds: timeoutMilliseconds)
    }

    private func fill(_ count: Int) throws(TransportFailure) {
        do {
            try incoming.fill(count, from: socket)
        } catch {
            throw .receiving(error)
        }
    }

    private func write(_ request: UnsafeRawBufferPointer) throws(TransportFailure) {
        do {
            try socket.writeAll(request)
        } catch {
            throw .sending(error)
        }
    }
}
