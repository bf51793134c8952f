import PCSCTypes
import PCSCWire

extension PCSCClient {
    /// Sends an APDU to the card and returns its response. `SCardTransmit`.
    ///
    /// `command` longer than 65548 bytes fails with `SCARD_E_INSUFFICIENT_BUFFER` before
    /// anything is sent (its bytes are not read then, so a C caller may pass a view of
    /// any claimed length). `receiveCapacity` is the size of the caller's buffer, clamped
    /// to 32 bits. The APDU reaches the card even when the buffer is too small, and the
    /// daemon then reports the length the response needs. `receivePCI` nil sends
    /// `SCARD_PROTOCOL_ANY` with length 16, as pcsc-lite does. Retries every 100 ms on a
    /// sharing violation unless `PCSCLITE_NO_BLOCKING` is set. An orphaned handle gets
    /// `SCARD_W_REMOVED_CARD`.
    public func transmit<Bytes: Collection<UInt8>>(
        _ card: CardHandle, sendPCI: IORequest, command: Bytes, receivePCI: IORequest?, receiveCapacity: UInt
    ) throws(PCSCError) -> TransmitOutcome {
        try withContiguousBytes(command) { (command) throws(PCSCError) in
            try transmit(card, sendPCI: sendPCI, command: command, receivePCI: receivePCI, receiveCapacity: receiveCapacity)
        }
    }

    /// `transmit` for bytes in memory, which go to the socket without a copy.
    public func transmit(
        _ card: CardHandle, sendPCI: IORequest, command: UnsafeRawBufferPointer, receivePCI: IORequest?, receiveCapacity: UInt
    ) throws(PCSCError) -> TransmitOutcome {
        let room = Int(min(receiveCapacity, UInt(PCSCLimits.maxBufferSizeExtended)))
        var response = [UInt8](repeating: 0, count: room)
        var result: Result<TransmitResult, PCSCError> = .failure(.internalError)
        response.withUnsafeMutableBytes { buffer in
            result = Result { () throws(PCSCError) in
                try transmit(card, sendPCI: sendPCI, command: command, receivePCI: receivePCI, into: buffer, receiveCapacity: receiveCapacity)
            }
        }

        switch try result.get() {
        case .received(let count, let returnedPCI):
            return .response(Array(response[..<count]), receivePCI: returnedPCI)
        case .failed(let error, let reportedLength):
            return .failed(error, reportedLength: reportedLength)
        }
    }

    /// `transmit` that writes the response into `response`, the caller's buffer, without
    /// allocating. The daemon learns the capacity `receiveCapacity`, and `response` must
    /// have room for `min(receiveCapacity, 65548)` bytes. A longer response, which no
    /// daemon may send, fails with `SCARD_E_INSUFFICIENT_BUFFER` and closes the connection.
    public func transmit(
        _ card: CardHandle, sendPCI: IORequest, command: UnsafeRawBufferPointer, receivePCI: IORequest?,
        into response: UnsafeMutableRawBufferPointer, receiveCapacity: UInt
    ) throws(PCSCError) -> TransmitResult {
        try retryingOnSharingViolation(isSharingViolation: { $0.failure == .sharingViolation }) {
            () throws(PCSCError) -> TransmitResult in
            try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) -> TransmitResult in
                guard command.count <= PCSCLimits.maxBufferSizeExtended else { throw .insufficientBuffer }
                try session.ensureLive(client: self)
                guard !session.isOrphaned(binding) else { return .failed(.removedCard, reportedLength: 0) }

                let capacity = UInt32(clamping: receiveCapacity)
                let receivePCI = receivePCI ?? .anyProtocol
                let request = TransmitMessage(
                    card: binding.daemonCard, sendPCIProtocol: sendPCI.cardProtocol.rawValue,
                    sendPCILength: sendPCI.length, sendLength: UInt32(command.count),
                    receivePCIProtocol: receivePCI.cardProtocol.rawValue, receivePCILength: receivePCI.length,
                    receiveLength: capacity)
                let reply = try session.exchangeWithData(.transmit, request, payload: command, capacity: capacity, room: response.count) {
                    ($0.rv, $0.receiveLength)
                } readData: { (channel, length) throws(TransportFailure) in
                    try channel.receive(into: UnsafeMutableRawBufferPointer(rebasing: response[..<length]))
                    return length
                }

                guard let count = reply.data else {
                    return .failed(reply.error ?? .insufficientBuffer, reportedLength: reply.message.receiveLength)
                }
                let returnedPCI = IORequest(
                    cardProtocol: CardProtocols(rawValue: reply.message.receivePCIProtocol),
                    length: reply.message.receivePCILength)
                return .received(count: count, receivePCI: returnedPCI)
            }
        }
    }

    /// Sends a control code with data to the reader driver. `SCardControl`.
    ///
    /// Length rules as for `transmit`; no retry on sharing violations. An orphaned handle
    /// gets `SCARD_W_REMOVED_CARD`.
    public func control<Bytes: Collection<UInt8>>(
        _ card: CardHandle, code: ControlCode, command: Bytes, receiveCapacity: UInt
    ) throws(PCSCError) -> ControlOutcome {
        try withContiguousBytes(command) { (command) throws(PCSCError) in
            try control(card, code: code, command: command, receiveCapacity: receiveCapacity)
        }
    }

    /// `control` for bytes in memory, which go to the socket without a copy.
    public func control(
        _ card: CardHandle, code: ControlCode, command: UnsafeRawBufferPointer, receiveCapacity: UInt
    ) throws(PCSCError) -> ControlOutcome {
        try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) -> ControlOutcome in
            guard command.count <= PCSCLimits.maxBufferSizeExtended else { throw .insufficientBuffer }
            try session.ensureLive(client: self)
            guard !session.isOrphaned(binding) else { return .failed(.removedCard, reportedLength: 0) }

            let capacity = UInt32(clamping: receiveCapacity)
            let request = ControlMessage(
                card: binding.daemonCard, controlCode: code.rawValue,
                sendLength: UInt32(command.count), receiveLength: capacity)
            let reply = try session.exchangeWithData(.control, request, payload: command, capacity: capacity, room: Int(capacity)) {
                ($0.rv, $0.bytesReturned)
            } readData: { (channel, length) throws(TransportFailure) in
                try channel.receiveBytes(length)
            }

            guard let data = reply.data else {
                return .failed(reply.error ?? .insufficientBuffer, reportedLength: reply.message.bytesReturned)
            }
            return .response(data)
        }
    }

    /// Reads a reader or card attribute. `SCardGetAttrib`.
    ///
    /// A `capacity` above 264 fails with `SCARD_E_INSUFFICIENT_BUFFER` without daemon
    /// traffic. The daemon is always asked for up to 264 bytes. An orphaned handle gets
    /// `SCARD_W_REMOVED_CARD`.
    public func getAttribute(_ card: CardHandle, id: AttributeID, capacity: UInt) throws(PCSCError) -> AttributeOutcome {
        try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) -> AttributeOutcome in
            guard capacity <= UInt(PCSCLimits.maxBufferSize) else { throw .insufficientBuffer }
            try session.ensureLive(client: self)
            guard !session.isOrphaned(binding) else { throw .removedCard }

            let request = AttributeMessage(
                card: binding.daemonCard, attributeID: id.rawValue, value: [],
                length: UInt32(AttributeMessage.attributeCapacity))
            let reply = try session.run { connection throws(TransportFailure) in
                try connection.exchange(.getAttrib, request)
            }
            if let error = PCSCError(code: reply.rv) { throw error }

            guard UInt(reply.attributeLength) <= capacity else {
                return .truncated(prefix: Array(reply.attributeField.prefix(Int(capacity))), length: reply.attributeLength)
            }
            return .value(reply.value)
        }
    }

    /// Sets a reader or card attribute. `SCardSetAttrib`.
    ///
    /// An empty value is `SCARD_E_INVALID_PARAMETER` (checked first); more than 264 bytes
    /// is `SCARD_E_INSUFFICIENT_BUFFER` (checked after the handle, bytes not read). An
    /// orphaned handle gets `SCARD_W_REMOVED_CARD`.
    public func setAttribute<Bytes: Collection<UInt8>>(_ card: CardHandle, id: AttributeID, value: Bytes) throws(PCSCError) {
        guard !value.isEmpty else { throw .invalidParameter }
        try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) in
            guard value.count <= PCSCLimits.maxBufferSize else { throw .insufficientBuffer }
            try session.ensureLive(client: self)
            guard !session.isOrphaned(binding) else { throw .removedCard }

            let request = AttributeMessage(
                card: binding.daemonCard, attributeID: id.rawValue, value: Array(value),
                length: UInt32(value.count))
            let reply = try session.run { connection throws(TransportFailure) in
                try connection.exchange(.setAttrib, request)
            }
            if let error = PCSCError(code: reply.rv) { throw error }
        }
    }
}

/// A TRANSMIT or CONTROL reply: the struct and, when the daemon succeeded and the data
/// fits the caller's capacity, what `readData` made of the data that followed it.
struct DataReply<Message: WireMessage, Data> {
    let message: Message
    let error: PCSCError?
    let data: Data?
}

extension Session {
    /// Sends a TRANSMIT or CONTROL request with its payload and reads the reply. The data
    /// follows the struct only when the reply's code is 0.
    ///
    /// A daemon must never report more data than the caller's capacity. pcsc-lite then
    /// returns `SCARD_E_INSUFFICIENT_BUFFER` and leaves the data in the socket, which
    /// garbles every later reply. Here the data is read and dropped when it is no longer
    /// than 65548 bytes; beyond that the connection is closed (the next call reconnects).
    /// Data that fits the capacity but not `room`, the bytes `readData` can take, is
    /// longer than 65548 bytes too and is handled the same way.
    mutating func exchangeWithData<Message: WireMessage, Data>(
        _ command: Command, _ request: Message, payload: UnsafeRawBufferPointer, capacity: UInt32, room: Int,
        fields: (Message) -> (rv: UInt32, length: UInt32),
        readData: (DaemonChannel, Int) throws(TransportFailure) -> Data
    ) throws(PCSCError) -> DataReply<Message, Data> {
        var oversized = false
        let reply = try run { connection throws(TransportFailure) -> DataReply<Message, Data> in
            let message = try connection.exchange(command, request, payload: payload)
            let (rv, length) = fields(message)
            if let error = PCSCError(code: rv) {
                return DataReply(message: message, error: error, data: nil)
            }
            guard length <= capacity, Int(length) <= room else {
                if length <= UInt32(PCSCLimits.maxBufferSizeExtended) {
                    try connection.channel.discard(Int(length))
                } else {
                    oversized = true
                }
                return DataReply(message: message, error: .insufficientBuffer, data: nil)
            }
            return DataReply(message: message, error: nil, data: try readData(connection.channel, Int(length)))
        }
        if oversized {
            dropConnection()
        }
        return reply
    }
}

extension TransmitResult {
    var failure: PCSCError? {
        if case .failed(let error, _) = self { return error }
        return nil
    }
}

/// Runs `body` on `bytes` as one contiguous buffer, copying them only when the collection
/// has no contiguous storage.
func withContiguousBytes<Bytes: Collection<UInt8>, Result>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws(PCSCError) -> Result
) throws(PCSCError) -> Result {
    // `withContiguousStorageIfAvailable` rethrows untyped errors, so the code is carried
    // out by hand.
    var failure: PCSCError?
    func run(_ raw: UnsafeRawBufferPointer) -> Result? {
        do throws(PCSCError) {
            return try body(raw)
        } catch {
            failure = error
            return nil
        }
    }

    let result = bytes.withContiguousStorageIfAvailable { run(UnsafeRawBufferPointer($0)) } ?? Array(bytes).withUnsafeBytes(run)
    if let failure { throw failure }
    return result!
}
