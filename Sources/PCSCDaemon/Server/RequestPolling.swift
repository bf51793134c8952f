import Glibc
import Threading

/// The policy for how connection threads wait for a client's next request. After a reply,
/// each thread polls its socket for up to `windowMicroseconds` before it sleeps in `recv`
/// (`BusyPoll`). At most `maximumPollers` threads poll at once: one fewer than the online
/// CPUs, and at least one. So polling threads never take every CPU from threads doing work.
final class RequestPolling: Sendable {
    /// The default of `--busy-poll`: a client that sends its next request at once, such
    /// as one going through a list of APDUs, does so within a few microseconds.
    static let defaultWindowMicroseconds = 50

    let windowMicroseconds: Int
    let maximumPollers: Int
    private let pollers = Locked(0)

    init(windowMicroseconds: Int = defaultWindowMicroseconds, maximumPollers: Int = RequestPolling.pollersForOnlineCPUs()) {
        self.windowMicroseconds = windowMicroseconds
        self.maximumPollers = max(1, maximumPollers)
    }

    /// Returns one fewer than the number of online CPUs.
    static func pollersForOnlineCPUs() -> Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1
    }

    /// Takes one of the polling places. Returns false when all are taken.
    func tryAcquire() -> Bool {
        pollers.withLock { count in
            guard count < maximumPollers else { return false }
            count += 1
            return true
        }
    }

    /// Gives back a place that `tryAcquire` took.
    func release() {
        pollers.withLock { $0 -= 1 }
    }
}
