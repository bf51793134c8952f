#if canImport(Glibc)
import Glibc
#endif
import Threading

/// Polls a socket for a short time before the thread sleeps until data arrives.
///
/// A thread that sleeps in `poll` or `recv` must be woken by the kernel when the peer
/// writes. When the two peers run on different CPUs, that wake-up costs most of a
/// request's round trip. On the benchmark machine (a KVM guest), a blocking round trip
/// between two processes on a socketpair took 50 µs. It took 6 µs when both sides
/// retried a non-blocking `recv` instead of sleeping (20 000 round trips each). So a
/// receive first retries `recv` with `MSG_DONTWAIT` for up to the window, and sleeps
/// only when nothing came.
///
/// Polling costs CPU time, so it adapts. After a wait that outlasts the window (a USB
/// reader that takes milliseconds, an idle peer) the next receives sleep at once, and
/// polling resumes after data arrives within the window of a sleeping wait. Between two
/// tries the thread calls `sched_yield`, so a busy CPU serves its other threads first.
public struct BusyPoll: Sendable {
    /// The largest window that `--busy-poll` and `PCSCLITE_BUSY_POLL` accept, 10 ms.
    public static let maximumWindowMicroseconds = 10_000

    /// The maximum time one receive polls, in nanoseconds. Zero turns polling off.
    public let windowNanoseconds: UInt64
    /// False after a poll that ended without data, until data arrives within the window.
    public private(set) var isPolling: Bool

    /// With `pollsFirst` false, the first receive sleeps, and polling starts only after
    /// data arrived within the window.
    public init(windowMicroseconds: Int, pollsFirst: Bool = true) {
        windowNanoseconds = UInt64(max(0, windowMicroseconds)) * 1000
        isPolling = windowMicroseconds > 0 && pollsFirst
    }

    /// Receives into `buffer`: polls first when polling is on and one of `places` is free,
    /// then calls `sleepingReceive` when the window passed without data. Returns the number
    /// of bytes received (at least one). The place is given back before the sleep.
    public mutating func receive(
        fd: Int32,
        into buffer: UnsafeMutableRawBufferPointer,
        places: PollingPlaces? = nil,
        sleepingReceive: () throws(SocketError) -> Int
    ) throws(SocketError) -> Int {
        guard windowNanoseconds > 0 else { return try sleepingReceive() }
        let start = MonotonicClock.nanoseconds
        if isPolling && places?.tryAcquire() ?? true {
            defer { places?.release() }
            if let received = try receiveWhilePolling(fd: fd, into: buffer, until: start + windowNanoseconds) {
                return received
            }
            isPolling = false
        }
        let received = try sleepingReceive()
        if MonotonicClock.nanoseconds - start <= windowNanoseconds {
            isPolling = true
        }
        return received
    }

    /// Retries a non-blocking `recv` until data arrives, or returns nil when `deadline`
    /// passes first.
    private func receiveWhilePolling(
        fd: Int32, into buffer: UnsafeMutableRawBufferPointer, until deadline: UInt64
    ) throws(SocketError) -> Int? {
        while true {
            let received = recv(fd, buffer.baseAddress!, buffer.count, Int32(MSG_DONTWAIT))
            if received > 0 { return received }
            if received == 0 { throw .closed }
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR: break
            case ECONNRESET: throw .reset
            default: throw .system(call: "recv", errno: errno)
            }
            if MonotonicClock.nanoseconds >= deadline { return nil }
            sched_yield()
        }
    }
}

/// A limit on how many threads of one process poll sockets at once (`BusyPoll`): one
/// fewer than the online CPUs, and at least one. So polling threads never take every CPU
/// from the threads doing work.
public final class PollingPlaces: Sendable {
    public let maximum: Int
    private let pollingThreads = Locked(0)

    public init(maximum: Int = PollingPlaces.onlineCPUs() - 1) {
        self.maximum = max(1, maximum)
    }

    /// Returns the number of online CPUs.
    public static func onlineCPUs() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Takes one of the places. Returns false when all are taken.
    public func tryAcquire() -> Bool {
        pollingThreads.withLock { count in
            guard count < maximum else { return false }
            count += 1
            return true
        }
    }

    /// Gives back a place that `tryAcquire` took.
    public func release() {
        pollingThreads.withLock { $0 -= 1 }
    }
}
