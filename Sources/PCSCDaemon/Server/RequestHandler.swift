import Glibc
import PCSCTypes
import PCSCWire
import Threading

/// A malformed request, for which the connection is closed without a reply as pcscd does.
enum ProtocolViolation: Error, CustomStringConvertible {
    case unknownCommand(UInt32)
    case wrongSize(command: Command, size: UInt32)
    case lengthTooLarge(command: Command, field: String, value: UInt32, limit: Int)
    case noContext(command: Command)
    case foreignHandles

    var description: String {
        switch self {
        case .unknownCommand(let code):
            "unknown command 0x\(hex(code, width: 2))"
        case .wrongSize(let command, let size):
            "\(command) with body size \(size), expected \(command.bodySize)"
        case .lengthTooLarge(let command, let field, let value, let limit):
            "\(command) with \(field) \(value), the maximum is \(limit)"
        case .noContext(let command):
            "\(command) on a connection without a context"
        case .foreignHandles:
            "too many requests with card handles of other connections"
        }
    }
}

/// The reason a connection's request loop ends: its socket failed or closed, or the client
/// broke the protocol.
enum RequestError: Error {
    case socket(SocketError)
    case protocolViolation(ProtocolViolation)
}

/// Serves one client connection: reads requests, checks them, and replies to them.
struct RequestHandler {
    let daemon: Daemon
    let connection: ClientConnection
    let reader: BufferedReader

    init(daemon: Daemon, connection: ClientConnection) {
        self.daemon = daemon
        self.connection = connection
        self.reader = BufferedReader(fd: connection.socket.fd, polling: daemon.requestPolling)
    }

    /// Requests naming other connections' card handles before the connection is closed;
    /// handles are random 31-bit values, so this stops guessing without hurting clients.
    static let maxForeignHandleRequests = 8

    /// Runs until the client disconnects or breaks the protocol, then cleans up.
    func run() {
        defer { cleanUp() }
        while true {
            do throws(RequestError) {
                let header = RequestHeader(decoding: try read(RequestHeader.size))
                try handle(header)
            } catch {
                switch error {
                case .socket(let socketError):
                    if socketError != .closed && socketError != .reset {
                        log.debug("\(connection.label): \(socketError)")
                    }
                case .protocolViolation(let violation):
                    log.error("\(connection.label): \(violation); closing the connection")
                }
                return
            }
        }
    }

    private func handle(_ header: RequestHeader) throws(RequestError) {
        guard let command = Command(rawValue: header.command) else {
            throw .protocolViolation(.unknownCommand(header.command))
        }
        guard header.size == UInt32(command.bodySize) || command.bodySize == 0 else {
            throw .protocolViolation(.wrongSize(command: command, size: header.size))
        }
        let body = try read(command.bodySize)

        connection.beginCommand()
        var releasesHold = command != .getReadersStateSize && command != .waitReaderStateChange
        defer { connection.finishCommand(releasingHold: releasesHold) }

        switch command {
        case .version: try version(VersionMessage(decoding: body))
        case .establishContext: try establish(EstablishContextMessage(decoding: body))
        case .releaseContext: try release(ReleaseContextMessage(decoding: body))
        case .connect: try connect(ConnectMessage(decoding: body))
        case .reconnect: try reconnect(ReconnectMessage(decoding: body))
        case .disconnect: try disconnect(DisconnectMessage(decoding: body))
        case .beginTransaction: try beginTransaction(CardMessage(decoding: body))
        case .endTransaction: try endTransaction(EndTransactionMessage(decoding: body))
        case .transmit: try transmit(TransmitMessage(decoding: body))
        case .control: try control(ControlMessage(decoding: body))
        case .status: try status(CardMessage(decoding: body))
        case .cancel: try cancel(CancelMessage(decoding: body))
        case .getAttrib: try getAttribute(AttributeMessage(decoding: body))
        case .setAttrib: try setAttribute(AttributeMessage(decoding: body))
        case .getReadersState: try sendFixedReaderArray()
        case .waitReaderStateChange: releasesHold = try waitForChange()
        case .stopWaitingReaderStateChange: try stopWaiting()
        case .getReaderEvents: try send(ReaderEventsMessage(readerEvents: daemon.registry.readerEvents).encoded)
        case .getReadersStateSize: try sendReaderArraySize()
        case .getReadersStateArray: try sendReaderArray()
        }
    }

    /// Reads `count` bytes of the request.
    private func read(_ count: Int) throws(RequestError) -> [UInt8] {
        do {
            return try reader.read(count)
        } catch {
            throw .socket(error)
        }
    }

    /// Sends a reply to the client.
    private func send(_ bytes: [UInt8]) throws(RequestError) {
        do {
            try connection.reply(bytes)
        } catch {
            throw .socket(error)
        }
    }

    // MARK: Version and contexts

    private func version(_ request: VersionMessage) throws(RequestError) {
        let offered = request.version
        var reply = VersionMessage(version: .v4_6)
        if offered.major == 4 && (4...6).contains(offered.minor) {
            connection.session.withLock { $0.version = offered }
            log.debug("\(connection.label): protocol \(offered)")
        } else {
            reply.rv = PCSCError.serviceStopped.rawValue
            log.error("\(connection.label): unsupported protocol version \(offered); this daemon speaks 4:4, 4:5 and 4:6")
        }
        try send(reply.encoded)
    }

    private func establish(_ request: EstablishContextMessage) throws(RequestError) {
        var reply = request
        reply.context = 0
        if Scope(rawValue: request.scope) == nil {
            reply.rv = PCSCError.invalidValue.rawValue
        } else {
            let context = daemon.handles.allocate()
            let previous = connection.session.withLock { session in
                defer { session.context = context }
                return session.context
            }
            if previous != 0 { daemon.unregisterContext(previous) }
            daemon.registerContext(context, connection: connection)
            reply.context = context
            reply.rv = 0
            log.debug("\(connection.label): context \(context) established")
        }
        try send(reply.encoded)
    }

    private func release(_ request: ReleaseContextMessage) throws(RequestError) {
        var reply = request
        let owned = connection.session.withLock { $0.context != 0 && $0.context == request.context }
        if owned {
            dropCards()
            daemon.unregisterContext(request.context)
            connection.session.withLock { $0.context = 0 }
            reply.rv = 0
        } else {
            reply.rv = PCSCError.invalidValue.rawValue
        }
        try send(reply.encoded)
    }

    private func cancel(_ request: CancelMessage) throws(RequestError) {
        var reply = request
        if let target = daemon.connection(forContext: request.context) {
            if daemon.notifier.cancel(target) {
                log.debug("\(connection.label): cancelled the wait of \(target.label)")
            }
            reply.rv = 0
        } else {
            reply.rv = PCSCError.invalidHandle.rawValue
        }
        try send(reply.encoded)
    }

    // MARK: Card handles

    /// Checks that the request's card handle belongs to this connection. A foreign or
    /// unknown handle gets `SCARD_E_INVALID_HANDLE` (pcscd closes the connection instead).
    private func ownedCard(_ card: UInt32, for command: Command) throws(RequestError) -> PCSCError? {
        let (context, owned, strikes) = connection.session.withLock { session in
            let owned = session.cards.contains(card)
            if !owned { session.foreignHandleRequests += 1 }
            return (session.context, owned, session.foreignHandleRequests)
        }
        if context == 0 { throw .protocolViolation(.noContext(command: command)) }
        if owned { return nil }
        log.error("\(connection.label): \(command) with card handle \(card), which this connection does not own")
        if strikes > Self.maxForeignHandleRequests { throw .protocolViolation(.foreignHandles) }
        return .invalidHandle
    }

    /// Returns the reader of an owned card, or the error to report.
    private func slot(forOwnedCard card: UInt32, command: Command) throws(RequestError) -> Result<ReaderSlot, PCSCError> {
        if let error = try ownedCard(card, for: command) { return .failure(error) }
        guard let slot = daemon.registry.slot(forCard: card) else { return .failure(.readerUnavailable) }
        return .success(slot)
    }

    private func connect(_ request: ConnectMessage) throws(RequestError) {
        var reply = request
        reply.card = 0
        reply.activeProtocol = 0
        reply.readerNameField[ConnectMessage.readerNameSize - 1] = 0
        do throws(PCSCError) {
            let (card, active) = try connectCard(request)
            reply.card = card
            reply.activeProtocol = active.rawValue
            reply.rv = 0
        } catch {
            reply.rv = error.rawValue
            if error == .sharingViolation, let slot = daemon.registry.slot(named: cStringField(reply.readerNameField)) {
                logSharingViolation(on: slot, operation: "SCardConnect")
            }
        }
        try send(reply.encoded)
    }

    /// Names who holds the card, so a user can tell which program blocks theirs.
    private func logSharingViolation(on slot: ReaderSlot, operation: String) {
        guard let holder = slot.holder, holder.connection != connection.id else {
            log.info("\(operation) from \(connection.label) on \(slot.name): sharing violation")
            return
        }
        let how = holder.exclusive ? "exclusively" : "in a transaction"
        log.info(
            "\(operation) from \(connection.label) on \(slot.name): sharing violation; "
                + "the card is held \(how) by \(daemon.describe(holder.connection))")
    }

    private func connectCard(_ request: ConnectMessage) throws(PCSCError) -> (UInt32, CardProtocols) {
        let session = connection.session.withLock { $0 }
        guard session.context != 0, session.context == request.context else { throw .invalidValue }

        let preferred = CardProtocols(rawValue: request.preferredProtocols)
        let mode = ShareMode(rawValue: request.shareMode)
        if mode != .direct && preferred.intersection([.t0, .t1, .raw, .legacyAny]).isEmpty {
            throw .protocolMismatch
        }
        guard let mode else { throw .invalidValue }
        let name = cStringField(request.readerNameField)
        guard let slot = daemon.registry.slot(named: name) else { throw .unknownReader }
        guard session.cards.count < daemon.limits.maxHandlesPerConnection else { throw .noMemory }
        guard slot.entry.sharing < Int32(daemon.limits.maxHandlesPerReader) else { throw .internalError }

        let card = daemon.handles.allocate()
        do {
            let active = try slot.connect(card: card, mode: mode, preferred: preferred, connection: connection.id)
            daemon.registry.register(card: card, slot: slot)
            connection.session.withLock { _ = $0.cards.insert(card) }
            log.debug("\(connection.label): card handle \(card) connected to \(slot.name) (\(mode), \(active))")
            return (card, active)
        } catch {
            daemon.handles.release(card)
            throw error
        }
    }

    private func reconnect(_ request: ReconnectMessage) throws(RequestError) {
        var reply = request
        reply.activeProtocol = 0
        // The handle check comes first and may close the connection, as for other commands.
        let lookup = try slot(forOwnedCard: request.card, command: .reconnect)
        do throws(PCSCError) {
            reply.activeProtocol = try reconnectCard(request, lookup: lookup).rawValue
            reply.rv = 0
        } catch {
            reply.rv = error.rawValue
        }
        try send(reply.encoded)
    }

    private func reconnectCard(
        _ request: ReconnectMessage, lookup: Result<ReaderSlot, PCSCError>
    ) throws(PCSCError) -> CardProtocols {
        guard let initialization = Disposition(rawValue: request.initialization), initialization != .eject else {
            throw .invalidValue
        }
        guard let mode = ShareMode(rawValue: request.shareMode) else { throw .invalidValue }
        let preferred = CardProtocols(rawValue: request.preferredProtocols)
        if mode != .direct && preferred.intersection([.t0, .t1, .raw, .legacyAny]).isEmpty {
            throw .protocolMismatch
        }
        let slot = try lookup.get()
        return try slot.reconnect(card: request.card, mode: mode, preferred: preferred, initialization: initialization)
    }

    private func disconnect(_ request: DisconnectMessage) throws(RequestError) {
        var reply = request
        if let error = try ownedCard(request.card, for: .disconnect) {
            reply.rv = error.rawValue
        } else if let disposition = Disposition(rawValue: request.disposition) {
            if let slot = daemon.registry.slot(forCard: request.card) {
                try? slot.disconnect(card: request.card, disposition: disposition)
            }
            forget(card: request.card)
            reply.rv = 0
        } else {
            reply.rv = PCSCError.invalidValue.rawValue
        }
        try send(reply.encoded)
    }

    private func forget(card: UInt32) {
        daemon.registry.unregister(card: card)
        daemon.handles.release(card)
        connection.session.withLock { _ = $0.cards.remove(card) }
    }

    private func beginTransaction(_ request: CardMessage) throws(RequestError) {
        var reply = request
        let lookup = try slot(forOwnedCard: request.card, command: .beginTransaction)
        reply.rv = result(of: lookup) { slot throws(PCSCError) in
            try slot.beginTransaction(card: request.card)
        }
        if reply.rv == PCSCError.sharingViolation.rawValue, case .success(let slot) = lookup {
            logSharingViolation(on: slot, operation: "SCardBeginTransaction")
        }
        try send(reply.encoded)
    }

    private func endTransaction(_ request: EndTransactionMessage) throws(RequestError) {
        var reply = request
        let lookup = try slot(forOwnedCard: request.card, command: .endTransaction)
        if case .success = lookup, Disposition(rawValue: request.disposition) == nil {
            reply.rv = PCSCError.invalidValue.rawValue
        } else {
            reply.rv = result(of: lookup) { slot throws(PCSCError) in
                try slot.endTransaction(card: request.card, disposition: Disposition(rawValue: request.disposition)!)
            }
        }
        try send(reply.encoded)
    }

    private func status(_ request: CardMessage) throws(RequestError) {
        var reply = request
        reply.rv = result(of: try slot(forOwnedCard: request.card, command: .status)) { slot throws(PCSCError) in
            try slot.status(card: request.card)
        }
        try send(reply.encoded)
    }

    private func transmit(_ request: TransmitMessage) throws(RequestError) {
        let apdu = try readPayload(length: request.sendLength, command: .transmit)
        let outcome = try exchange(card: request.card, command: .transmit, capacity: request.receiveLength) {
            slot throws(PCSCError) in
            try slot.transmit(
                card: request.card, sendProtocol: CardProtocols(rawValue: request.sendPCIProtocol), apdu: apdu)
        }
        var reply = request
        reply.rv = outcome.rv
        reply.receiveLength = outcome.length
        try send(reply.encoded + outcome.data)
    }

    private func control(_ request: ControlMessage) throws(RequestError) {
        let input = try readPayload(length: request.sendLength, command: .control)
        let outcome = try exchange(card: request.card, command: .control, capacity: request.receiveLength) {
            slot throws(PCSCError) in
            try slot.control(
                card: request.card, code: ControlCode(rawValue: request.controlCode), input: input,
                maxOutput: PCSCLimits.maxBufferSizeExtended)
        }
        var reply = request
        reply.rv = outcome.rv
        reply.bytesReturned = outcome.length
        try send(reply.encoded + outcome.data)
    }

    /// Reads the bytes that follow a TRANSMIT or CONTROL struct. A length above pcsc-lite's
    /// 65 548-byte limit closes the connection, as pcscd does.
    private func readPayload(length: UInt32, command: Command) throws(RequestError) -> [UInt8] {
        guard length <= UInt32(PCSCLimits.maxBufferSizeExtended) else {
            throw .protocolViolation(
                .lengthTooLarge(
                    command: command, field: "cbSendLength", value: length, limit: PCSCLimits.maxBufferSizeExtended))
        }
        return try read(Int(length))
    }

    /// Runs a TRANSMIT or CONTROL exchange on the reader of an owned card. Returns the wire
    /// return code, the length to report, and the bytes to send after the struct: none when
    /// the response is larger than the caller's `capacity`, which then gets
    /// `SCARD_E_INSUFFICIENT_BUFFER` with the needed length.
    private func exchange(
        card: UInt32, command: Command, capacity: UInt32, _ body: (ReaderSlot) throws(PCSCError) -> [UInt8]
    ) throws(RequestError) -> (rv: UInt32, length: UInt32, data: [UInt8]) {
        switch try slot(forOwnedCard: card, command: command) {
        case .failure(let error):
            return (error.rawValue, 0, [])
        case .success(let slot):
            do throws(PCSCError) {
                let output = try body(slot)
                if output.count > Int(capacity) {
                    return (PCSCError.insufficientBuffer.rawValue, UInt32(output.count), [])
                }
                return (0, UInt32(output.count), output)
            } catch {
                return (error.rawValue, 0, [])
            }
        }
    }

    private func getAttribute(_ request: AttributeMessage) throws(RequestError) {
        try checkAttributeLength(request, command: .getAttrib)
        var reply = request
        switch try slot(forOwnedCard: request.card, command: .getAttrib) {
        case .failure(let error):
            reply.rv = error.rawValue
        case .success(let slot):
            do throws(PCSCError) {
                let value = try slot.attribute(card: request.card, id: AttributeID(rawValue: request.attributeID))
                if value.count > Int(request.attributeLength) {
                    reply.rv = PCSCError.insufficientBuffer.rawValue
                } else {
                    reply = AttributeMessage(
                        card: request.card, attributeID: request.attributeID, value: value, length: UInt32(value.count))
                    reply.rv = 0
                }
                reply.attributeLength = UInt32(value.count)
            } catch {
                reply.rv = error.rawValue
            }
        }
        try send(reply.encoded)
    }

    private func setAttribute(_ request: AttributeMessage) throws(RequestError) {
        try checkAttributeLength(request, command: .setAttrib)
        var reply = request
        reply.rv = result(of: try slot(forOwnedCard: request.card, command: .setAttrib)) { slot throws(PCSCError) in
            try slot.setAttribute(card: request.card, id: AttributeID(rawValue: request.attributeID), value: request.value)
        }
        try send(reply.encoded)
    }

    private func checkAttributeLength(_ request: AttributeMessage, command: Command) throws(RequestError) {
        guard request.attributeLength <= UInt32(AttributeMessage.attributeCapacity) else {
            throw .protocolViolation(
                .lengthTooLarge(
                    command: command, field: "cbAttrLen", value: request.attributeLength,
                    limit: AttributeMessage.attributeCapacity))
        }
    }

    /// Runs `body` on the slot of a successful lookup and returns the wire return code.
    private func result(of lookup: Result<ReaderSlot, PCSCError>, _ body: (ReaderSlot) throws(PCSCError) -> Void) -> UInt32 {
        switch lookup {
        case .failure(let error):
            return error.rawValue
        case .success(let slot):
            do throws(PCSCError) {
                try body(slot)
                return 0
            } catch {
                return error.rawValue
            }
        }
    }

    // MARK: Reader states and events

    private func sendFixedReaderArray() throws(RequestError) {
        let entries = daemon.registry.entries(count: PCSCLimits.fixedReaderArrayCount)
        try send(ReaderStateEntry.encodeArray(entries))
    }

    /// Registers for the next event and returns whether signals may flow again. Before 4:6
    /// the reply is the 16-entry array, sent after registering with signals deferred, so no
    /// event is lost in between. A 4:6 client gets no reply and fetches the array next.
    private func waitForChange() throws(RequestError) -> Bool {
        daemon.notifier.register(connection)
        if connection.session.withLock({ $0.usesFixedReaderArray }) {
            try sendFixedReaderArray()
            return true
        }
        connection.holdSignalsUntilStateArray()
        return false
    }

    private func stopWaiting() throws(RequestError) {
        if daemon.notifier.unregister(connection) {
            try send(WaitReaderStateChangeMessage(rv: 0).encoded)
        }
    }

    private func sendReaderArraySize() throws(RequestError) {
        let capacity = daemon.registry.capacity
        connection.session.withLock { $0.reportedCapacity = capacity }
        var writer = [UInt8]()
        let value = UInt32(capacity)
        for shift in stride(from: 0, to: 32, by: 8) { writer.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        try send(writer)
    }

    private func sendReaderArray() throws(RequestError) {
        let count = connection.session.withLock { $0.reportedCapacity } ?? daemon.registry.capacity
        try send(ReaderStateEntry.encodeArray(daemon.registry.entries(count: count)))
    }

    // MARK: Clean-up

    private func dropCards() {
        let cards = connection.session.withLock { session -> Set<UInt32> in
            defer { session.cards.removeAll() }
            return session.cards
        }
        var slots: [ObjectIdentifier: ReaderSlot] = [:]
        for card in cards {
            if let slot = daemon.registry.slot(forCard: card) { slots[ObjectIdentifier(slot)] = slot }
        }
        for slot in slots.values {
            slot.dropHandles(of: connection.id)
        }
        for card in cards {
            daemon.registry.unregister(card: card)
            daemon.handles.release(card)
        }
    }

    private func cleanUp() {
        _ = daemon.notifier.unregister(connection)
        dropCards()
        let context = connection.session.withLock { $0.context }
        if context != 0 { daemon.unregisterContext(context) }
        connection.close()
        log.debug("\(connection.label): disconnected")
    }
}

/// Reads a NUL-terminated string from a fixed field.
func cStringField(_ field: [UInt8]) -> String {
    let end = field.firstIndex(of: 0) ?? field.endIndex
    return String(decoding: field[..<end], as: UTF8.self)
}
