import Glibc
import PCSCWire

/// Bytes that arrived from the daemon and were not consumed yet, in a fixed 4 KiB buffer
/// that belongs to one connection and is used only under its context's lock.
///
/// One `recv` of up to 4 KiB takes a reply's struct together with the data behind it
/// (TRANSMIT and CONTROL responses), or with the next reply of pipelined requests (the
/// 4:6 reader array). So most replies cost one `poll` and one `recv`. Longer reads drain
/// the buffer and then receive straight into their destination.
///
/// A read first polls the non-blocking socket for a short window (`BusyPoll`), because
/// a fast daemon's reply arrives within microseconds and sleeping until it comes costs
/// more than the request itself. When the window passes, or polling is off, the read
/// waits with `poll` and then calls `recv`.
final class ReceiveBuffer: @unchecked Sendable {
    static let capacity = 4096

    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var busyPoll: BusyPoll

    /// Creates an empty buffer whose reads start polling after the connection's first
    /// reply. That reply comes from a daemon thread that has just started, which takes
    /// longer than the polling window.
    init(busyPollMicroseconds: Int = ClientConfiguration.defaultBusyPollMicroseconds) {
        storage = .allocate(byteCount: Self.capacity, alignment: 8)
        busyPoll = BusyPoll(windowMicroseconds: busyPollMicroseconds, pollsFirst: false)
    }

    deinit {
        storage.deallocate()
    }

    /// The number of bytes received and not consumed.
    var count: Int { end - start }

    /// Makes at least `count` bytes available, receiving from `socket` as needed.
    func fill(_ count: Int, from socket: UnixSocket) throws(SocketError) {
        precondition(count <= Self.capacity, "a buffered read of \(count) bytes exceeds the receive buffer")
        guard self.count < count else { return }

        if start + count > Self.capacity {
            moveToFront()
        }
        while self.count < count {
            end += try receive(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]), from: socket)
        }
    }

    /// Passes the next `count` buffered bytes to `body`, then consumes them. `fill` must
    /// have made them available.
    func consume<Result>(_ count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        precondition(count <= self.count, "consuming \(count) bytes with only \(self.count) buffered")
        defer {
            start += count
            if start == end {
                start = 0
                end = 0
            }
        }
        return body(UnsafeRawBufferPointer(rebasing: storage[start..<start + count]))
    }

    /// Returns at once when bytes are buffered, else waits up to `timeoutMilliseconds` for
    /// the socket to become readable. Throws `SocketError.timedOut` when nothing came.
    func waitForData(from socket: UnixSocket, timeoutMilliseconds: Int32) throws(SocketError) {
        guard count == 0 else { return }
        try socket.waitFor(events: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Fills `destination`: first from the buffer, then straight from `socket`.
    func read(into destination: UnsafeMutableRawBufferPointer, from socket: UnixSocket) throws(SocketError) {
        let buffered = min(count, destination.count)
        if buffered > 0 {
            consume(buffered) { destination.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: buffered) }
        }
        var offset = buffered
        while offset < destination.count {
            offset += try receive(into: UnsafeMutableRawBufferPointer(rebasing: destination[offset...]), from: socket)
        }
    }

    /// The polling places of all connections of this process, so that many client threads
    /// do not all poll at once.
    static let pollingPlaces = PollingPlaces()

    /// Receives at least one byte into `destination`: polls first, then sleeps in `poll`.
    private func receive(into destination: UnsafeMutableRawBufferPointer, from socket: UnixSocket) throws(SocketError) -> Int {
        try busyPoll.receive(fd: socket.fd, into: destination, places: Self.pollingPlaces) { () throws(SocketError) -> Int in
            try socket.waitFor(events: Int16(POLLIN), timeoutMilliseconds: -1)
            return try socket.receiveAvailable(into: destination)
        }
    }

    private func moveToFront() {
        let pending = count
        if pending > 0 {
            memmove(storage.baseAddress!, storage.baseAddress! + start, pending)
        }
        start = 0
        end = pending
    }
}
