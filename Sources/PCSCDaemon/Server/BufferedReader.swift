import Glibc
import PCSCWire

/// Reads requests from a client socket through one buffer, so that a request whose header,
/// struct and payload arrive together costs one `recv` instead of three. When the buffer
/// is empty it polls the socket for a short time before it sleeps (`RequestPolling`).
final class BufferedReader {
    private let fd: Int32
    private let storage: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private let polling: RequestPolling
    private var busyPoll: BusyPoll

    /// Large enough for a TRANSMIT request with a maximal APDU (8 + 32 + 65 548 bytes).
    static let capacity = 8 + 32 + 65_548 + 1024

    init(fd: Int32, polling: RequestPolling = RequestPolling(windowMicroseconds: 0)) {
        self.fd = fd
        storage = .allocate(byteCount: Self.capacity, alignment: 8)
        self.polling = polling
        busyPoll = BusyPoll(windowMicroseconds: polling.windowMicroseconds)
    }

    deinit {
        storage.deallocate()
    }

    /// Returns the next `count` bytes, waiting for them as needed.
    func read(_ count: Int) throws(SocketError) -> [UInt8] {
        precondition(count <= Self.capacity, "request part of \(count) bytes exceeds the buffer")
        while end - start < count {
            try fill(atLeast: count)
        }
        let bytes = Array(storage[start..<start + count])
        start += count
        if start == end {
            start = 0
            end = 0
        }
        return bytes
    }

    /// Receives whatever the client has sent, after moving unread bytes to the front when
    /// the request would not fit behind them.
    private func fill(atLeast count: Int) throws(SocketError) {
        if start + count > Self.capacity {
            let unread = end - start
            storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: unread)
            start = 0
            end = unread
        }
        let free = UnsafeMutableRawBufferPointer(rebasing: storage[end...])
        end += try busyPoll.receive(fd: fd, into: free, places: polling.places) { () throws(SocketError) -> Int in
            try Self.sleepingReceive(fd: fd, into: free)
        }
    }

    /// Waits in a blocking `recv` until the client sends at least one byte.
    private static func sleepingReceive(fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int {
        while true {
            let received = recv(fd, buffer.baseAddress!, buffer.count, 0)
            if received > 0 { return received }
            if received == 0 { throw .closed }
            switch errno {
            case EINTR: continue
            case ECONNRESET: throw .reset
            default: throw .system(call: "recv", errno: errno)
            }
        }
    }
}
