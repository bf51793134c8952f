import CPosix
import Glibc
import PCSCTypes
import PCSCWire
import Threading

/// One client socket: its session state and the rules for writing to it.
///
/// Event signals come from other threads. They are never written while this
/// connection's own thread is handling a command (they would land inside a reply), and
/// for a 4:6 client not between its WAIT request and the reader array that follows it.
/// A deferred signal is written as soon as the command finishes.
final class ClientConnection: Sendable {
    struct OutputState {
        /// True while the connection's thread handles a command.
        var busy = false
        /// Set from a 4:6 WAIT until the reader array reply that completes it, or until
        /// this monotonic time in milliseconds, whichever comes first.
        var holdUntil: Int64?
        var pendingSignal: UInt32?
        /// Set before the socket is closed: its descriptor number may be reused at once.
        var isClosed = false
    }

    /// How long signals wait after a 4:6 WAIT for the state requests that follow it.
    /// pcsc-lite 2.5 clients send them at once; a client that only waits gets its signal
    /// after this delay.
    static let holdMilliseconds: Int64 = 200

    struct Session {
        /// Protocol version the client announced; nil when it sent none (served as 4:6).
        var version: ProtocolVersion?
        /// The connection's context, 0 when none.
        var context: UInt32 = 0
        var cards: Set<UInt32> = []
        /// The reader-array size last reported by `CMD_GET_READERS_STATE_SIZE`.
        var reportedCapacity: Int?
        /// Requests naming a card handle of another connection.
        var foreignHandleRequests = 0

        var usesFixedReaderArray: Bool { version?.usesFixedReaderArray ?? false }
    }

    let id: ConnectionID
    let socket: UnixSocket
    /// Peer process id and user id, for log lines.
    let peer: (pid: Int32, uid: UInt32)
    /// The peer's process name (`/proc/PID/comm`), for log lines.
    let processName: String
    private let output = Locked(OutputState())
    let session = Locked(Session())

    init(id: ConnectionID, socket: UnixSocket) {
        self.id = id
        self.socket = socket
        self.peer = Self.peerCredentials(of: socket.fd)
        self.processName = Self.processName(of: peer.pid)
    }

    var label: String { "client \(id) (pid \(peer.pid) \(processName))" }

    /// Marks the start of a command: signals wait until `finishCommand()`.
    func beginCommand() {
        output.withLock { $0.busy = true }
    }

    /// Ends a command and writes a deferred signal unless a 4:6 wait still holds it.
    func finishCommand(releasingHold: Bool) {
        output.withLock { state in
            state.busy = false
            if releasingHold { state.holdUntil = nil }
            flushIfAllowed(&state)
        }
    }

    func holdSignalsUntilStateArray() {
        output.withLock { $0.holdUntil = MonotonicClock.milliseconds + Self.holdMilliseconds }
    }

    /// Writes an event or cancel signal now, or defers it while the connection is busy or
    /// a 4:6 wait holds signals back.
    func deliverSignal(rv: UInt32) {
        let flushAt = output.withLock { state -> Int64? in
            state.pendingSignal = rv
            flushIfAllowed(&state)
            guard state.pendingSignal != nil, !state.busy else { return nil }
            return state.holdUntil
        }
        if let flushAt {
            // Nothing else wakes this connection when its client only waits.
            DelayedSignals.shared.schedule(self, at: flushAt)
        }
    }

    /// Writes a held signal whose hold time has passed.
    func flushHeldSignal() {
        output.withLock { flushIfAllowed(&$0) }
    }

    /// Closes the socket; signals that arrive later are dropped.
    func close() {
        output.withLock { state in
            state.isClosed = true
            state.pendingSignal = nil
            socket.close()
        }
    }

    /// Writes the pending signal unless a command is running or the hold is still active.
    private func flushIfAllowed(_ state: inout OutputState) {
        guard !state.isClosed, !state.busy, let rv = state.pendingSignal else { return }
        if let until = state.holdUntil {
            guard MonotonicClock.milliseconds >= until else { return }
            state.holdUntil = nil
        }
        state.pendingSignal = nil
        writeSignal(rv)
    }

    /// Writes the 8-byte signal without blocking. A client whose socket buffer is full is
    /// not reading its socket: its connection is shut down rather than stalling the caller.
    private func writeSignal(_ rv: UInt32) {
        let bytes = WaitReaderStateChangeMessage(rv: rv).encoded
        let written = bytes.withUnsafeBytes { raw in
            send(socket.fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if written != bytes.count {
            log.error("\(label): cannot write an event signal (socket full or closed); closing the connection")
            shutdown(socket.fd, Int32(SHUT_RDWR))
        }
    }

    func reply(_ bytes: [UInt8]) throws(SocketError) {
        try socket.writeAll(bytes)
    }

    /// Returns the peer's process name with control characters replaced, so that a client
    /// cannot rewrite log lines on a terminal.
    private static func processName(of pid: Int32) -> String {
        guard pid > 0, let text = readTextFile("/proc/\(pid)/comm") else { return "unknown" }
        let name = text.prefix { $0 != "\n" }
        return String(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }

    private static func peerCredentials(of fd: Int32) -> (pid: Int32, uid: UInt32) {
        var pid: pid_t = 0
        var uid: uid_t = 0
        guard cposix_peer_credentials(fd, &pid, &uid) == 0 else { return (0, 0) }
        return (pid, uid)
    }
}
