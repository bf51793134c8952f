import Glibc
import PCSCTypes
import PCSCWire
import Threading

extension PCSCClient {
    /// Waits until the state of one of the requested readers differs from the state the
    /// application passed in, or the timeout expires. `SCardGetStatusChange`.
    ///
    /// Returns at once, without checking the context, when `states` is empty or every
    /// entry is ignored. A name that is neither a reader nor the plug-and-play entry
    /// (`\\?PnP?\Notification`, any ASCII case) fails with `SCARD_E_UNKNOWN_READER`.
    /// There is no limit on the number of entries (pcsc-lite before 2.5 rejects more than
    /// 16). On return every entry that is not ignored contains the new event state, with
    /// the reader's event counter (or, for the plug-and-play entry with a 4:5 or later
    /// daemon, the daemon's reader counter) in the high 16 bits. The entries are updated
    /// even when the call fails after the name check.
    ///
    /// `cancel` from another thread ends the wait with `SCARD_E_CANCELLED`. When the
    /// daemon goes away during the wait, pcsc-lite returns `SCARD_F_COMM_ERROR` at once.
    /// Here the call reconnects when a daemon answers again before the timeout expires,
    /// and goes on waiting on the new daemon (readers it does not know yet are reported
    /// as vanished); otherwise it returns `SCARD_F_COMM_ERROR` at the timeout.
    public func getStatusChange(
        _ context: ContextHandle, timeout: StatusChangeTimeout, states: inout [ReaderState]
    ) throws(PCSCError) {
        guard !states.allSatisfy({ $0.isIgnored }) else { return }
        let record = try contextRecord(context)

        var working = states
        defer { states = working }
        try withSession(record) { (session: inout Session) throws(PCSCError) in
            var wait = StatusChangeWait(client: self, record: record, timeout: timeout)
            try wait.run(session: &session, states: &working)
        }
    }
}

/// One `getStatusChange` call: the wait loop around `StatusChangePass`, with the daemon's
/// event registration, the timeout and cancellation.
struct StatusChangeWait {
    /// The length of one wait when the timeout is infinite (pcsc-lite's 60 s "infinite").
    static let infiniteSliceMilliseconds: Int64 = 60_000
    /// The pause between attempts to reach a restarted daemon.
    static let reconnectIntervalMilliseconds: Int64 = 250
    /// How often the reconnect pause looks for a `cancel`.
    static let cancelCheckMilliseconds: Int64 = 50
    /// Consecutive handshake failures after which a reachable daemon counts as refusing.
    static let maximumRefusals = 4

    let client: PCSCClient
    let record: ContextRecord
    let timeout: StatusChangeTimeout
    /// The end of the wait on the monotonic clock, in milliseconds; nil when infinite.
    let deadline: Int64?

    init(client: PCSCClient, record: ContextRecord, timeout: StatusChangeTimeout) {
        self.client = client
        self.record = record
        self.timeout = timeout
        switch timeout {
        case .infinite:
            deadline = nil
        case .milliseconds(let milliseconds):
            deadline = MonotonicClock.milliseconds + Int64(clamping: milliseconds)
        }
    }

    mutating func run(session: inout Session, states: inout [ReaderState]) throws(PCSCError) {
        try session.ensureLive(client: client)
        var readers = try register(&session)
        defer { Self.unregisterOnExit(&session) }

        guard StatusChangePass.allNamesKnown(states, readers: readers) else { throw .unknownReader }
        for index in states.indices {
            states[index].eventState = .unaware
        }

        var changed = startPlugAndPlay(&session, states: &states, readers: readers)
        var pass = StatusChangePass(readers: readers)
        while true {
            let passChanged = pass.run(states: &states, readers: readers) {
                try? session.run { connection throws(TransportFailure) in try connection.readerEvents() } ?? nil
            }
            changed = changed || passChanged
            if changed { return }

            readers = try waitForChange(&session)
        }
    }

    /// With a 4:5 or later daemon, puts the reader counter into the plug-and-play entry
    /// before the first pass, and returns true when that already counts as a change.
    private func startPlugAndPlay(_ session: inout Session, states: inout [ReaderState], readers: ReaderArray) -> Bool {
        guard let index = StatusChangePass.plugAndPlayIndex(states, readers: readers),
            let readerEvents = try? session.run({ connection throws(TransportFailure) in try connection.readerEvents() }) ?? nil
        else { return false }

        let result = ReaderStateTransition.plugAndPlayStart(
            current: states[index].currentState.rawValue, readerEvents: readerEvents)
        states[index].eventState = ReaderStateWord(rawValue: result.eventState)
        return result.changed
    }

    /// Registers for the next event and returns the reader array; a signal that ended
    /// the registration early (a cancel) is thrown.
    private func register(_ session: inout Session) throws(PCSCError) -> ReaderArray {
        let registration = try session.run { connection throws(TransportFailure) in
            try connection.fetchAndRegister()
        }
        switch registration {
        case .registered(let readers): return readers
        case .signalled(let error): throw error
        }
    }

    /// Ends a registration that is still open when the call returns; its result is
    /// ignored, as in pcsc-lite.
    private static func unregisterOnExit(_ session: inout Session) {
        guard session.connection?.isRegistered == true else { return }
        _ = try? session.run { connection throws(TransportFailure) in try connection.unregister() }
    }

    /// Waits for the daemon's event signal and returns the new reader array, registered
    /// again. Throws `SCARD_E_TIMEOUT` when the time is up, or the code of a cancel.
    private mutating func waitForChange(_ session: inout Session) throws(PCSCError) -> ReaderArray {
        switch waitForSignal(&session) {
        case .signal(let error):
            session.connection?.isRegistered = false
            if let error { throw error }
            let readers = try register(&session)
            if isPastDeadline { throw .timeout }
            return readers

        case .timedOut:
            guard socketPathExists(client.configuration.socketPath) else { throw .noService }
            let stopResult = try session.run { connection throws(TransportFailure) in try connection.unregister() }
            if let stopResult { throw stopResult }
            if deadline != nil { throw .timeout }
            return try register(&session)

        case .connectionLost(let error):
            session.dropConnection()
            try reconnectBeforeDeadline(&session, failure: error)
            return try register(&session)
        }
    }

    /// The end of one wait for the event signal.
    private enum SignalWait {
        /// The 8-byte signal arrived with this code (nil for an event, else a cancel).
        case signal(PCSCError?)
        /// The wait time ran out.
        case timedOut
        /// The connection failed with this code.
        case connectionLost(PCSCError)
    }

    private func waitForSignal(_ session: inout Session) -> SignalWait {
        guard let channel = session.connection?.channel else { return .connectionLost(.commError) }

        record.waitState.withLock { $0 = .waitingOnDaemon(daemonContext: session.daemonContext) }
        defer { record.waitState.withLock { $0 = .idle } }

        do {
            try channel.waitForData(timeoutMilliseconds: pollMilliseconds)
        } catch .timedOut {
            return .timedOut
        } catch {
            return .connectionLost(.commError)
        }

        // pcsc-lite's timed receive reports every read failure, a reset included, as
        // SCARD_F_COMM_ERROR.
        guard let message = try? channel.receive(WaitReaderStateChangeMessage.self) else {
            return .connectionLost(.commError)
        }
        return .signal(PCSCError(code: message.rv))
    }

    /// Tries to reach a restarted daemon until the deadline (forever for an infinite
    /// timeout), checking for a `cancel` meanwhile. A missing daemon
    /// (`SCARD_E_NO_SERVICE`) is waited for. A daemon that accepts the connection but then
    /// fails the handshake is given `maximumRefusals` attempts in a row, because a daemon
    /// that is exiting does so briefly, while one that refuses this client does so every
    /// time. Throws `failure`, pcsc-lite's code for the broken wait, when it gives up.
    private func reconnectBeforeDeadline(_ session: inout Session, failure: PCSCError) throws(PCSCError) {
        record.waitState.withLock { $0 = .waitingForDaemon(cancelRequested: false) }
        defer { record.waitState.withLock { $0 = .idle } }

        var refusals = 0
        while true {
            try throwIfCancelled()
            do {
                try session.reestablish(client: client)
                return
            } catch {
                refusals = error == .noService ? 0 : refusals + 1
                if isPastDeadline || refusals >= Self.maximumRefusals { throw failure }
            }
            try pause(milliseconds: Self.reconnectIntervalMilliseconds)
        }
    }

    private func throwIfCancelled() throws(PCSCError) {
        let cancelled = record.waitState.withLock { state in
            if case .waitingForDaemon(cancelRequested: true) = state { return true }
            return false
        }
        if cancelled { throw .cancelled }
    }

    /// Sleeps up to `milliseconds`, but not past the deadline, waking early for a cancel.
    private func pause(milliseconds: Int64) throws(PCSCError) {
        let end = MonotonicClock.milliseconds + milliseconds
        while MonotonicClock.milliseconds < end && !isPastDeadline {
            usleep(UInt32(Self.cancelCheckMilliseconds * 1000))
            try throwIfCancelled()
        }
    }

    private var isPastDeadline: Bool {
        guard let deadline else { return false }
        return MonotonicClock.milliseconds >= deadline
    }

    /// The time left for one `poll`, in milliseconds, rounded up.
    private var pollMilliseconds: Int32 {
        guard let deadline else { return Int32(Self.infiniteSliceMilliseconds) }
        return Int32(clamping: max(0, deadline - MonotonicClock.milliseconds))
    }
}
