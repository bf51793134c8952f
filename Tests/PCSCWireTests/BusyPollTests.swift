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

/// A thread that sends one byte on `fd` after a pause.
private final class DelayedWriter {
    private struct Job {
        let fd: Int32
        let byte: UInt8
        let pause: UInt32
    }

    private var thread = pthread_t()
    private let job: UnsafeMutablePointer<Job>

    init(fd: Int32, byte: UInt8, afterMicroseconds pause: UInt32) {
        job = .allocate(capacity: 1)
        job.initialize(to: Job(fd: fd, byte: byte, pause: pause))
        let result = pthread_create(&thread, nil, { argument in
            let job = argument!.assumingMemoryBound(to: Job.self).pointee
            usleep(job.pause)
            var byte = job.byte
            _ = send(job.fd, &byte, 1, 0)
            return nil
        }, job)
        precondition(result == 0, "pthread_create failed: \(result)")
    }

    /// Waits for the thread to end.
    func join() {
        pthread_join(thread, nil)
        job.deallocate()
    }
}

@Suite struct BusyPollTests {
    /// Receives through `poll`, counting the calls of the sleeping receive, which reads
    /// with a blocking `recv`.
    private func receive(
        _ poll: inout BusyPoll, from pair: SocketPair, places: PollingPlaces? = nil, sleeps: inout Int
    ) throws(SocketError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 16)
        var failure: SocketError?
        var count = 0
        buffer.withUnsafeMutableBytes { raw in
            do throws(SocketError) {
                count = try poll.receive(fd: pair.near, into: raw, places: places) { () throws(SocketError) -> Int in
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
        let writer = DelayedWriter(fd: pair.far, byte: 7, afterMicroseconds: 20_000)
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [7])
        writer.join()
        #expect(sleeps == 0)
    }

    @Test func anEmptyWindowSleepsAndStopsPolling() throws {
        let pair = SocketPair()
        defer { pair.close() }
        var poll = BusyPoll(windowMicroseconds: 100)
        var sleeps = 0
        let writer = DelayedWriter(fd: pair.far, byte: 9, afterMicroseconds: 50_000)
        #expect(try receive(&poll, from: pair, sleeps: &sleeps) == [9])
        writer.join()
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

    @Test func pollingNeedsAFreePlace() throws {
        let pair = SocketPair()
        defer { pair.close() }
        let places = PollingPlaces(maximum: 1)
        var poll = BusyPoll(windowMicroseconds: 1000)
        var sleeps = 0
        #expect(places.tryAcquire())

        // Every place is taken: the data goes through the sleeping receive.
        pair.send([1])
        #expect(try receive(&poll, from: pair, places: places, sleeps: &sleeps) == [1])
        #expect(sleeps == 1)
        #expect(poll.isPolling)

        // With the place free, the receive polls and gives the place back.
        places.release()
        pair.send([2])
        #expect(try receive(&poll, from: pair, places: places, sleeps: &sleeps) == [2])
        #expect(sleeps == 1)
        #expect(places.tryAcquire())
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
