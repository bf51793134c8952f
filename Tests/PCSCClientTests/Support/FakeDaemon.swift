import Glibc
import PCSCTypes
import PCSCWire
import Synchronization

/// A scripted pcscd on a private UNIX socket: it speaks the wire protocol (4:4, 4:5, 4:6)
/// well enough for the client's tests, records every command, and misbehaves on request.
///
/// With 4:6 it holds back an event signal for a connection that registered until it has
/// sent that connection's reader array: a signal between the size and the array reply
/// would be read as array bytes, and no client can tell the two apart.
final class FakeDaemon: Sendable {
    /// Which versions the daemon accepts and which minor it puts in its replies.
    struct VersionPolicy: Sendable {
        var acceptedMinors: Set<Int32>
        var replyMinor: Int32

        /// pcsc-lite 2.5.1: accepts 4:4, 4:5, 4:6 and replies 4:6.
        static let modern = VersionPolicy(acceptedMinors: [4, 5, 6], replyMinor: 6)
        /// pcsc-lite 1.9.9: accepts exactly 4:4.
        static let strict44 = VersionPolicy(acceptedMinors: [4], replyMinor: 4)
        /// pcsc-lite 2.3.x: accepts exactly 4:5.
        static let strict45 = VersionPolicy(acceptedMinors: [5], replyMinor: 5)
        /// A daemon that rejects every version and names 4:5 each time.
        static let rejectsAll = VersionPolicy(acceptedMinors: [], replyMinor: 5)
        /// A daemon from the future: rejects everything and names 4:7.
        static let unknownVersion = VersionPolicy(acceptedMinors: [], replyMinor: 7)
    }

    /// A TRANSMIT request as the daemon received it.
    struct TransmitRequest: Sendable {
        var message: TransmitMessage
        var command: [UInt8]
    }

    /// The daemon's reply to a TRANSMIT or CONTROL request: code, length field and data.
    struct DataReply: Sendable {
        var rv: UInt32
        var length: UInt32
        var data: [UInt8]
    }

    struct Behaviour: Sendable {
        var versionPolicy = VersionPolicy.modern
        /// Replies to TRANSMIT; by default the command followed by 90 00, or
        /// `SCARD_E_INSUFFICIENT_BUFFER` with the needed length when it does not fit.
        var transmit: @Sendable (TransmitRequest) -> DataReply = { request in
            let response = request.command + [0x90, 0x00]
            if response.count > Int(request.message.receiveLength) {
                return DataReply(rv: PCSCError.insufficientBuffer.rawValue, length: UInt32(response.count), data: [])
            }
            return DataReply(rv: 0, length: UInt32(response.count), data: response)
        }
        /// Replies to CONTROL; by default the command reversed.
        var control: @Sendable (ControlMessage, [UInt8]) -> DataReply = { _, command in
            DataReply(rv: 0, length: UInt32(command.count), data: command.reversed())
        }
        /// The value GET_ATTRIB returns.
        var attribute: [UInt8] = Array("FakeVendor\0".utf8)
        /// The code SCARD_STATUS returns.
        var statusResult: UInt32 = 0
        /// How many TRANSMIT, RECONNECT and BEGIN_TRANSACTION requests get
        /// `SCARD_E_SHARING_VIOLATION` before the daemon serves them.
        var sharingViolations = 0
        /// With 4:6: write an event signal right after the next registration, before the
        /// size reply, as a daemon without deferred signals may do.
        var signalBeforeSize = false
        /// Close the connection without a reply when this command arrives.
        var closeOn: Command?
        /// Reset the connection (`ECONNRESET` at the client) when this command arrives.
        var resetOn: Command?
    }

    /// One command the daemon received.
    struct Received: Sendable, Equatable {
        var connection: Int
        var command: UInt32
        var version: ProtocolVersion?
    }

    private struct Connection {
        let fd: Int32
        var version: ProtocolVersion?
        var context: UInt32?
        var isRegistered = false
        var reportedCapacity = 0
        /// Registered with 4:6, and the reader array has not been sent yet.
        var awaitsArray = false
        /// A signal held back until the array is sent.
        var heldSignal: UInt32?
    }

    private struct State {
        var behaviour: Behaviour
        var readers: [ReaderStateEntry]
        var readerEvents: UInt32 = 1
        var connections: [Int: Connection] = [:]
        var nextConnection = 1
        var received: [Received] = []
        var queuedBehind: [UInt32] = []
        var versionRequests: [ProtocolVersion] = []
        var violations: [String] = []
        var setAttributes: [[UInt8]] = []
        var threads: [TestThread] = []
        var isStopped = false
    }

    let path: String
    private let listener: Int32
    private let state: Mutex<State>
    private let acceptThread = Mutex<TestThread?>(nil)

    /// Starts listening on `path`; the reader array is `readers` (empty names are free
    /// slots).
    init(path: String, readers: [ReaderStateEntry] = [], behaviour: Behaviour = Behaviour()) {
        self.path = path
        state = Mutex(State(behaviour: behaviour, readers: readers))
        unlink(path)
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = try! UnixSocket.socketAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        precondition(bound == 0 && listen(listener, 16) == 0, "cannot listen on \(path): errno \(errno)")
        let thread = TestThread { [self] in acceptLoop() }
        acceptThread.withLock { $0 = thread }
    }

    // MARK: Control from tests

    /// Stops the daemon: closes the listener and every connection and removes the socket
    /// file unless `keepSocketFile` is set. Later calls do nothing.
    func stop(keepSocketFile: Bool = false) {
        // Connection descriptors are shut down under the lock: a serving thread closes its
        // descriptor under the same lock, so the number cannot belong to another socket yet.
        let wasStopped = state.withLock { state -> Bool in
            let wasStopped = state.isStopped
            state.isStopped = true
            for connection in state.connections.values {
                shutdown(connection.fd, Int32(SHUT_RDWR))
            }
            return wasStopped
        }
        guard !wasStopped else { return }

        shutdown(listener, Int32(SHUT_RDWR))
        acceptThread.withLock { $0 }?.join()
        close(listener)
        for thread in state.withLock({ $0.threads }) {
            thread.join()
        }
        if !keepSocketFile {
            unlink(path)
        }
    }

    /// Replaces the reader array and signals an event, as pcscd does after a change.
    func setReaders(_ readers: [ReaderStateEntry]) {
        state.withLock { state in
            if state.readers.filter({ !$0.isEmpty }).count != readers.filter({ !$0.isEmpty }).count {
                state.readerEvents += 1
            }
            state.readers = readers
            Self.signalAll(&state, rv: 0)
        }
    }

    func updateBehaviour(_ change: @Sendable (inout Behaviour) -> Void) {
        state.withLock { change(&$0.behaviour) }
    }

    var received: [Received] { state.withLock { $0.received } }
    /// The body-less commands that had the client's next request already waiting behind
    /// them when the daemon read them, that is, requests the client sent in one write.
    var queuedBehind: [UInt32] { state.withLock { $0.queuedBehind } }
    var versionRequests: [ProtocolVersion] { state.withLock { $0.versionRequests } }
    var violations: [String] { state.withLock { $0.violations } }
    var setAttributes: [[UInt8]] { state.withLock { $0.setAttributes } }
    var connectionCount: Int { state.withLock { $0.nextConnection - 1 } }

    /// The commands received, in order.
    var commands: [UInt32] { received.map(\.command) }

    /// True while some connection is registered for an event and has its reader array,
    /// so that its client waits for the signal.
    var hasRegisteredConnection: Bool {
        state.withLock { $0.connections.values.contains { $0.isRegistered && !$0.awaitsArray } }
    }

    /// Waits up to `milliseconds` for a client waiting for an event; returns whether one
    /// came.
    func waitForRegistration(milliseconds: Int = 2000) -> Bool {
        for _ in 0..<(milliseconds / 5) {
            if hasRegisteredConnection { return true }
            sleepMilliseconds(5)
        }
        return false
    }

    // MARK: Serving

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            let id: Int? = state.withLock { state in
                guard !state.isStopped else { return nil }
                let id = state.nextConnection
                state.nextConnection += 1
                state.connections[id] = Connection(fd: fd)
                return id
            }
            guard let id else {
                close(fd)
                return
            }
            let thread = TestThread { [self] in serve(connection: id, fd: fd) }
            state.withLock { $0.threads.append(thread) }
        }
    }

    private func serve(connection id: Int, fd: Int32) {
        let socket = UnixSocket(fd: fd)
        while let header = try? socket.readExactly(RequestHeader.size) {
            let request = RequestHeader(decoding: header)
            guard handle(request, connection: id, socket: socket) else { break }
        }
        state.withLock { state in
            state.connections[id] = nil
            close(fd)
        }
    }

    /// Handles one request; returns false to close the connection.
    private func handle(_ header: RequestHeader, connection id: Int, socket: UnixSocket) -> Bool {
        let (behaviour, version) = state.withLock { state in
            let version = state.connections[id]?.version
            state.received.append(Received(connection: id, command: header.command, version: version))
            return (state.behaviour, version)
        }
        guard let command = Command(rawValue: header.command) else {
            record(violation: "unknown command \(header.command)")
            return false
        }
        guard Int(header.size) == command.bodySize else {
            record(violation: "size \(header.size) for command \(command)")
            return false
        }
        if behaviour.closeOn == command { return false }
        if behaviour.resetOn == command {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            return false
        }
        guard let body = try? socket.readExactly(command.bodySize) else { return false }
        if command.bodySize == 0 && Self.hasQueuedBytes(socket) {
            state.withLock { $0.queuedBehind.append(command.rawValue) }
        }
        return dispatch(command, body: body, connection: id, socket: socket, version: version ?? .v4_6)
    }

    private func dispatch(_ command: Command, body: [UInt8], connection id: Int, socket: UnixSocket, version: ProtocolVersion) -> Bool {
        switch command {
        case .version: return replyVersion(VersionMessage(decoding: body), connection: id)
        case .establishContext: return replyEstablish(EstablishContextMessage(decoding: body), connection: id)
        case .releaseContext: return reply(id, ReleaseContextMessage(decoding: body).with { $0.rv = 0 })
        case .connect: return replyConnect(ConnectMessage(decoding: body), connection: id)
        case .reconnect: return replyReconnect(ReconnectMessage(decoding: body), connection: id)
        case .disconnect: return replyDisposition(CardDispositionMessage(decoding: body), connection: id)
        case .endTransaction: return replyDisposition(CardDispositionMessage(decoding: body), connection: id)
        case .beginTransaction: return replyBegin(CardMessage(decoding: body), connection: id)
        case .status: return replyStatus(CardMessage(decoding: body), connection: id)
        case .transmit: return replyTransmit(TransmitMessage(decoding: body), connection: id, socket: socket)
        case .control: return replyControl(ControlMessage(decoding: body), connection: id, socket: socket)
        case .cancel: return replyCancel(CancelMessage(decoding: body), connection: id)
        case .getAttrib: return replyGetAttribute(AttributeMessage(decoding: body), connection: id)
        case .setAttrib: return replySetAttribute(AttributeMessage(decoding: body), connection: id)
        case .getReadersState: return writeFixedArray(connection: id)
        case .waitReaderStateChange: return register(connection: id, version: version)
        case .stopWaitingReaderStateChange: return unregister(connection: id)
        case .getReaderEvents: return replyReaderEvents(connection: id, version: version)
        case .getReadersStateSize: return replyArraySize(connection: id, version: version)
        case .getReadersStateArray: return replyArray(connection: id, version: version)
        }
    }

    // MARK: Replies

    private func replyVersion(_ request: VersionMessage, connection id: Int) -> Bool {
        state.withLock { state in
            state.versionRequests.append(request.version)
            let policy = state.behaviour.versionPolicy
            let accepted = request.major == 4 && policy.acceptedMinors.contains(request.minor)
            let own = ProtocolVersion(major: 4, minor: policy.replyMinor)
            if accepted {
                state.connections[id]?.version = min(request.version, own)
            }
            let rv = accepted ? 0 : PCSCError.serviceStopped.rawValue
            return Self.write(&state, id, VersionMessage(version: own, rv: rv).encoded)
        }
    }

    private func replyEstablish(_ request: EstablishContextMessage, connection id: Int) -> Bool {
        state.withLock { state in
            var reply = request
            if request.scope > 3 {
                reply.rv = PCSCError.invalidValue.rawValue
            } else {
                reply.context = UInt32.random(in: 1...UInt32(Int32.max))
                reply.rv = 0
                state.connections[id]?.context = reply.context
            }
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replyConnect(_ request: ConnectMessage, connection id: Int) -> Bool {
        state.withLock { state in
            var reply = request
            let requested = ReaderName(bytes: request.readerNameField)
            let entry = state.readers.first { !$0.isEmpty && ReaderName(bytes: $0.nameField) == requested }
            if entry == nil {
                reply.rv = PCSCError.unknownReader.rawValue
            } else if entry!.readerState.contains(.absent) {
                reply.rv = PCSCError.noSmartCard.rawValue
            } else {
                reply.card = UInt32.random(in: 1...UInt32(Int32.max))
                reply.activeProtocol = CardProtocols.t1.rawValue
            }
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replyReconnect(_ request: ReconnectMessage, connection id: Int) -> Bool {
        state.withLock { state in
            var reply = request
            if Self.takeSharingViolation(&state) {
                reply.rv = PCSCError.sharingViolation.rawValue
            } else {
                reply.activeProtocol = CardProtocols.t1.rawValue
            }
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replyDisposition(_ request: CardDispositionMessage, connection id: Int) -> Bool {
        var reply = request
        reply.rv = request.disposition > 3 ? PCSCError.invalidValue.rawValue : 0
        return self.reply(id, reply)
    }

    private func replyBegin(_ request: CardMessage, connection id: Int) -> Bool {
        state.withLock { state in
            var reply = request
            reply.rv = Self.takeSharingViolation(&state) ? PCSCError.sharingViolation.rawValue : 0
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replyStatus(_ request: CardMessage, connection id: Int) -> Bool {
        state.withLock { state in
            var reply = request
            reply.rv = state.behaviour.statusResult
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replyTransmit(_ request: TransmitMessage, connection id: Int, socket: UnixSocket) -> Bool {
        guard let command = try? socket.readExactly(Int(request.sendLength)) else { return false }
        return state.withLock { state in
            var reply = request
            if Self.takeSharingViolation(&state) {
                reply.rv = PCSCError.sharingViolation.rawValue
                reply.receiveLength = 0
                return Self.write(&state, id, reply.encoded)
            }
            let answer = state.behaviour.transmit(TransmitRequest(message: request, command: command))
            reply.rv = answer.rv
            reply.receiveLength = answer.length
            return Self.write(&state, id, reply.encoded + (answer.rv == 0 ? answer.data : []))
        }
    }

    private func replyControl(_ request: ControlMessage, connection id: Int, socket: UnixSocket) -> Bool {
        guard let command = try? socket.readExactly(Int(request.sendLength)) else { return false }
        return state.withLock { state in
            var reply = request
            var answer = state.behaviour.control(request, command)
            if answer.rv == 0 && answer.length > request.receiveLength {
                answer = DataReply(rv: PCSCError.insufficientBuffer.rawValue, length: answer.length, data: [])
            }
            reply.rv = answer.rv
            reply.bytesReturned = answer.length
            return Self.write(&state, id, reply.encoded + (answer.rv == 0 ? answer.data : []))
        }
    }

    private func replyCancel(_ request: CancelMessage, connection id: Int) -> Bool {
        state.withLock { state in
            var reply = request
            let target = state.connections.first { $0.value.context == request.context }
            if let (targetID, connection) = target {
                if connection.isRegistered {
                    Self.signal(&state, targetID, rv: PCSCError.cancelled.rawValue)
                }
                reply.rv = 0
            } else {
                reply.rv = PCSCError.invalidHandle.rawValue
            }
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replyGetAttribute(_ request: AttributeMessage, connection id: Int) -> Bool {
        state.withLock { state in
            let value = state.behaviour.attribute
            var reply = AttributeMessage(card: request.card, attributeID: request.attributeID, value: value, length: UInt32(value.count))
            if value.count > Int(request.attributeLength) {
                reply.rv = PCSCError.insufficientBuffer.rawValue
            }
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func replySetAttribute(_ request: AttributeMessage, connection id: Int) -> Bool {
        state.withLock { state in
            state.setAttributes.append(request.value)
            var reply = request
            reply.rv = 0
            return Self.write(&state, id, reply.encoded)
        }
    }

    private func writeFixedArray(connection id: Int) -> Bool {
        state.withLock { state in
            Self.write(&state, id, ReaderStateEntry.encodeArray(Self.fixedArray(state.readers)))
        }
    }

    private func register(connection id: Int, version: ProtocolVersion) -> Bool {
        state.withLock { state in
            state.connections[id]?.isRegistered = true
            if version.usesFixedReaderArray {
                return Self.write(&state, id, ReaderStateEntry.encodeArray(Self.fixedArray(state.readers)))
            }
            if state.behaviour.signalBeforeSize {
                state.behaviour.signalBeforeSize = false
                state.connections[id]?.isRegistered = false
                return Self.write(&state, id, WaitReaderStateChangeMessage(rv: 0).encoded)
            }
            state.connections[id]?.awaitsArray = true
            return true
        }
    }

    private func unregister(connection id: Int) -> Bool {
        state.withLock { state in
            guard state.connections[id]?.isRegistered == true else {
                return Self.releaseHeldSignal(&state, id)
            }
            state.connections[id]?.isRegistered = false
            return Self.write(&state, id, WaitReaderStateChangeMessage(rv: 0).encoded)
        }
    }

    private func replyReaderEvents(connection id: Int, version: ProtocolVersion) -> Bool {
        guard version >= .v4_5 else {
            record(violation: "CMD_GET_READER_EVENTS on a \(version) connection")
            return false
        }
        return state.withLock { state in
            Self.write(&state, id, ReaderEventsMessage(readerEvents: state.readerEvents).encoded)
        }
    }

    private func replyArraySize(connection id: Int, version: ProtocolVersion) -> Bool {
        guard !version.usesFixedReaderArray else {
            record(violation: "CMD_GET_READERS_STATE_SIZE on a \(version) connection")
            return false
        }
        return state.withLock { state in
            let capacity = max(16, state.readers.count)
            state.connections[id]?.reportedCapacity = capacity
            let value = UInt32(capacity)
            return Self.write(&state, id, (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
        }
    }

    private func replyArray(connection id: Int, version: ProtocolVersion) -> Bool {
        guard !version.usesFixedReaderArray else {
            record(violation: "CMD_GET_READERS_STATE_ARRAY on a \(version) connection")
            return false
        }
        return state.withLock { state in
            let capacity = state.connections[id]?.reportedCapacity ?? 0
            var entries = Array(state.readers.prefix(capacity))
            entries += Array(repeating: ReaderStateEntry.empty, count: capacity - entries.count)
            return Self.write(&state, id, ReaderStateEntry.encodeArray(entries)) && Self.releaseHeldSignal(&state, id)
        }
    }

    // MARK: Helpers

    private func reply<Message: WireMessage>(_ id: Int, _ message: Message) -> Bool {
        state.withLock { Self.write(&$0, id, message.encoded) }
    }

    private func record(violation: String) {
        state.withLock { $0.violations.append(violation) }
    }

    private static func write(_ state: inout State, _ id: Int, _ bytes: [UInt8]) -> Bool {
        guard let fd = state.connections[id]?.fd else { return false }
        return (try? UnixSocket(fd: fd).writeAll(bytes)) != nil
    }

    private static func signalAll(_ state: inout State, rv: UInt32) {
        for (id, connection) in state.connections where connection.isRegistered {
            signal(&state, id, rv: rv)
        }
    }

    /// Ends a registration with a signal, held back while the array is outstanding.
    private static func signal(_ state: inout State, _ id: Int, rv: UInt32) {
        state.connections[id]?.isRegistered = false
        if state.connections[id]?.awaitsArray == true {
            state.connections[id]?.heldSignal = rv
        } else {
            _ = write(&state, id, WaitReaderStateChangeMessage(rv: rv).encoded)
        }
    }

    /// Sends a held-back signal once nothing is outstanding any more.
    private static func releaseHeldSignal(_ state: inout State, _ id: Int) -> Bool {
        state.connections[id]?.awaitsArray = false
        guard let rv = state.connections[id]?.heldSignal else { return true }
        state.connections[id]?.heldSignal = nil
        return write(&state, id, WaitReaderStateChangeMessage(rv: rv).encoded)
    }

    private static func hasQueuedBytes(_ socket: UnixSocket) -> Bool {
        var byte: UInt8 = 0
        return recv(socket.fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) > 0
    }

    private static func takeSharingViolation(_ state: inout State) -> Bool {
        guard state.behaviour.sharingViolations > 0 else { return false }
        state.behaviour.sharingViolations -= 1
        return true
    }

    private static func fixedArray(_ readers: [ReaderStateEntry]) -> [ReaderStateEntry] {
        let count = PCSCLimits.fixedReaderArrayCount
        let first = Array(readers.prefix(count))
        return first + Array(repeating: ReaderStateEntry.empty, count: count - first.count)
    }
}

extension WireMessage {
    /// Returns a copy with `change` applied.
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}

/// Reader array entries for tests.
enum Readers {
    static let atr: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]

    /// Returns a reader with a powered card, shared by `sharing` connections.
    static func withCard(_ name: ReaderName, counter: UInt32 = 0, sharing: Int32 = 0) -> ReaderStateEntry {
        ReaderStateEntry(
            name: name, eventCounter: counter, readerState: [.present, .powered, .negotiable],
            sharing: sharing, atr: atr, cardProtocol: .t1)
    }

    /// Returns an empty reader.
    static func empty(_ name: ReaderName, counter: UInt32 = 0) -> ReaderStateEntry {
        ReaderStateEntry(name: name, eventCounter: counter, readerState: [.absent], sharing: 0, atr: [], cardProtocol: [])
    }
}
