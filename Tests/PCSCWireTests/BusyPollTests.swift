import Glibc
import Testing

@testable import PCSCWire

/// A connected pair of UNIX stream sockets, closed by `close()`.
private struct SocketPair {
    let near: Int32
    let far: Int32

    init() {
        var descriptors: [Int32] = [-1, -1]
        let result = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors)
        precondition(result == 0, "socketpair failed: errno \(errno)")
        near = descriptors[0]
        far = descriptors[1]
    }

    func send(_ bytes: [UInt8]) {
        let written = bytes.withUnsafeBytes { Glibc.send(far, $0.baseAddress!, $0.count, 0) }
        precondition(written == bytes.count, "send failed: errno \(errno)")
    }

    func close() {
        Glibc.close(near)
        Glibc.close(far)
    }
}

@Suite struct BusyPollTests {
    /// Receives through `poll`, counting the calls of the sleeping receive, which reads
    /// with a blocking `recv`.
    private func receive(_ poll: inout BusyPoll, from pair: SocketPair, sleeps: inout Int) throws(SocketError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 16)
        var failure: SocketError?
        var count = 0
        buffer.withUnsafeMutableBytes { raw in
            do throws(SocketError) {
                count = try poll.receive(fd: pair.near, into: raw) { () throws(SocketError) -> Int in
                    sleeps += 1
                    let received = recv(pair.near, raw.baseAddress!, raw.count, 0)
                    if received == 0 { throw .closed }
                    guard received > 0 else { throw .system(call: "recv", errno: errno) }
                    return received
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return Array(buffer[..<count])
    }

    @Test func dataThatIsThereIsTakenWithoutSleeping() throws {
        let pair = SocketPair()
        defer { pair.close() }
        var poll = BusyPoll(windowMicroseconds: 1000)
        var sleeps = 0
        pair.send([1, 2, 3])
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [1, 2, 3])
        #expect(sleeps == 0)
        #expect(poll.isPolling)
    }

    @Test func dataDuringTheWindowIsTakenWithoutSleeping() throws {
        let pair = SocketPair()
        defer { pair.close() }
        var poll = BusyPoll(windowMicroseconds: 2_000_000)
        var sleeps = 0
        var writer = pthread_t()
        let far = pair.far
        let box = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { box.deallocate() }
        box.pointee = far
        pthread_create(&writer, nil, { argument in
            usleep(20_000)
            let fd = argument!.assumingMemoryBound(to: Int32.self).pointee
            var byte: UInt8 = 7
            _ = send(fd, &byte, 1, 0)
            return nil
        }, box)
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [7])
        pthread_join(writer, nil)
        #expect(sleeps == 0)
    }

    @Test func anEmptyWindowSleepsAndStopsPolling() throws {
        let pair = SocketPair()
        defer { pair.close() }
        var poll = BusyPoll(windowMicroseconds: 100)
        var sleeps = 0
        var writer = pthread_t()
        let box = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        defer { box.deallocate() }
        box.pointee = pair.far
        pthread_create(&writer, nil, { argument in
            usleep(50_000)
            let fd = argument!.assumingMemoryBound(to: Int32.self).pointee
            var byte: UInt8 = 9
            _ = send(fd, &byte, 1, 0)
            return nil
        }, box)
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [9])
        pthread_join(writer, nil)
        #expect(sleeps == 1)
        #expect(!poll.isPolling)

        // Polling is off now: even data that is already there goes through the sleeping
        // receive, and because it came at once, polling resumes.
        pair.send([4])
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [4])
        #expect(sleeps == 2)
        #expect(poll.isPolling)
    }

    @Test func aClosedPeerEndsThePoll() {
        let pair = SocketPair()
        defer { Glibc.close(pair.near) }
        Glibc.close(pair.far)
        var poll = BusyPoll(windowMicroseconds: 1000)
        var sleeps = 0
        #expect(throws: SocketError.closed) { try receive(&poll, from: pair, sleeps: &sleeps) }
        #expect(sleeps == 0)
    }

    @Test func firstReceiveCanSleep() throws {
        let pair = SocketPair()
        defer { pair.close() }
        var poll = BusyPoll(windowMicroseconds: 1000, pollsFirst: false)
        #expect(!poll.isPolling)
        var sleeps = 0
        pair.send([6])
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [6])
        #expect(sleeps == 1)
        #expect(poll.isPolling)
    }

    @Test func aZeroWindowNeverPolls() throws {
        let pair = SocketPair()
        defer { pair.close() }
        var poll = BusyPoll(windowMicroseconds: 0)
        #expect(!poll.isPolling)
        var sleeps = 0
        pair.send([5])
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [5])
        #expect(sleeps == 1)
        #expect(!poll.isPolling)
    }
}
