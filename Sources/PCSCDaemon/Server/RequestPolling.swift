import PCSCWire

/// The policy for how connection threads wait for a client's next request. After a reply,
/// each thread polls its socket for up to `windowMicroseconds` before it sleeps in `recv`
/// (`BusyPoll`), and `places` limits how many threads poll at once.
final class RequestPolling: Sendable {
    /// The default of `--busy-poll`: a client that sends its next request at once, such
    /// as one going through a list of APDUs, does so within a few microseconds.
    static let defaultWindowMicroseconds = 50

    let windowMicroseconds: Int
    let places: PollingPlaces

    init(windowMicroseconds: Int = defaultWindowMicroseconds, places: PollingPlaces = PollingPlaces()) {
        self.windowMicroseconds = windowMicroseconds
        self.places = places
    }
}
