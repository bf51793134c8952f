import PCSCTypes
import PCSCWire

/// The reader-array commands: plain fetch, fetch plus event registration, and the end of a
/// registration, each in the form the negotiated protocol version needs.
///
/// With 4:6 the array takes two requests, `CMD_GET_READERS_STATE_SIZE` and
/// `CMD_GET_READERS_STATE_ARRAY`. Both go out in one write, and their replies come back
/// in one round trip instead of two. Daemons handle one request after the other:
/// pcsc-lite 2.5's pcscd reads the next request only after it has answered the previous
/// one, and ours answers the array request with the count it last reported to the size
/// request on that connection.
extension DaemonConnection {
    /// The largest array a 4:6 daemon may announce. Real daemons report their slot
    /// capacity (at least 2 in pcsc-lite 2.5); the limit only stops a rogue daemon from
    /// making the client allocate gigabytes.
    static let maximumReaderArrayCount = 4096

    /// The result of a fetch with registration.
    enum Registration {
        /// Registered for one event signal; the array is the state at registration time.
        case registered(ReaderArray)
        /// A signal with a non-zero code (`SCARD_E_CANCELLED`) ended the registration
        /// before the array arrived.
        case signalled(PCSCError)
    }

    /// Fetches the reader array without registering: `CMD_GET_READERS_STATE` (16 fixed
    /// entries) up to 4:5, `CMD_GET_READERS_STATE_SIZE` plus `_ARRAY` with 4:6.
    func fetchReaderArray() throws(TransportFailure) -> ReaderArray {
        if version.usesFixedReaderArray {
            try channel.send(.getReadersState)
            return try receiveFixedArray()
        }
        try channel.send(.getReadersStateSize, .getReadersStateArray)
        return try receivingPipelinedReplies { () throws(TransportFailure) in
            let count = try receiveArrayCount()
            return try receiveArray(count: count)
        }
    }

    /// Registers for the next event and fetches the array.
    ///
    /// NOTE: with 4:6, a signal that a daemon writes between its size reply and its
    /// array reply cannot be told apart from array bytes, and it garbles the stream.
    /// pcsc-lite 2.5's client has the same exposure; the daemon must hold signals back
    /// until it has sent the array. Up to 4:5 the daemon replies to
    /// `CMD_WAIT_READER_STATE_CHANGE` with the array itself. With 4:6 it sends no reply,
    /// and an event between the registration and the size request puts the 8-byte signal
    /// in front of the size. A size of 0, which no daemon reports, marks that case, and the
    /// size and array replies of that round follow the signal.
    mutating func fetchAndRegister() throws(TransportFailure) -> Registration {
        if version.usesFixedReaderArray {
            try channel.send(.waitReaderStateChange)
            isRegistered = true
            return .registered(try receiveFixedArray())
        }

        while true {
            try channel.send(.waitReaderStateChange, .getReadersStateSize, .getReadersStateArray)
            isRegistered = true
            let reply = try receivingPipelinedReplies { () throws(TransportFailure) in try receiveRegistrationReplies() }

            switch reply {
            case .readers(let readers):
                return .registered(readers)
            case .signal(let code):
                isRegistered = false
                if let error = PCSCError(code: code) {
                    return .signalled(error)
                }
                // The event is already in the state the next round fetches: register again.
            }
        }
    }

    /// The replies to one 4:6 registration round.
    private enum RegistrationReplies {
        /// The reader array, and the connection is registered.
        case readers(ReaderArray)
        /// A signal with this code came first and ended the registration.
        case signal(UInt32)
    }

    /// Reads the replies to WAIT, SIZE and ARRAY sent together.
    private func receiveRegistrationReplies() throws(TransportFailure) -> RegistrationReplies {
        let count = try receiveArrayCount()
        if count > 0 {
            return .readers(try receiveArray(count: count))
        }

        // The first half of a signal {0, rv}. The size and array replies follow it, and the
        // array is dropped because the signal ended the registration.
        let code = try channel.receiveUInt32()
        let arrayCount = try receiveArrayCount()
        try channel.discard(arrayCount * ReaderStateEntry.size)
        return .signal(code)
    }

    /// Ends a registration with `CMD_STOP_WAITING_READER_STATE_CHANGE` and reads the one
    /// 8-byte message that follows: the stop reply, or an event or cancel signal that was
    /// already on its way. Returns that message's code.
    mutating func unregister() throws(TransportFailure) -> PCSCError? {
        precondition(isRegistered, "the daemon answers the stop command only while registered")
        try channel.send(.stopWaitingReaderStateChange)
        let message = try channel.receive(WaitReaderStateChangeMessage.self)
        isRegistered = false
        return PCSCError(code: message.rv)
    }

    /// Reads the daemon's reader add/remove counter (`CMD_GET_READER_EVENTS`, 4:5 and
    /// later; nil for older daemons, which would close the connection on it).
    func readerEvents() throws(TransportFailure) -> UInt32? {
        guard version >= .v4_5 else { return nil }
        try channel.send(.getReaderEvents)
        return try channel.receive(ReaderEventsMessage.self).readerEvents
    }

    /// Runs `body`, which reads replies to requests that went out in one write. A daemon
    /// that closes the connection while one of those requests is still unread makes the
    /// kernel report `ECONNRESET` where one request at a time would have seen the end of
    /// the stream. pcsc-lite reads a reset as a refusal (`SCARD_W_SECURITY_VIOLATION`),
    /// which daemons give only when a connection opens, so here it is the
    /// `SCARD_F_COMM_ERROR` of a closed connection.
    private func receivingPipelinedReplies<Result>(_ body: () throws(TransportFailure) -> Result) throws(TransportFailure) -> Result {
        do {
            return try body()
        } catch where error.code == .securityViolation {
            throw TransportFailure(.commError)
        }
    }

    private func receiveFixedArray() throws(TransportFailure) -> ReaderArray {
        try receiveArray(count: PCSCLimits.fixedReaderArrayCount)
    }

    private func receiveArrayCount() throws(TransportFailure) -> Int {
        let count = Int32(bitPattern: try channel.receiveUInt32())
        guard count >= 0, Int(count) <= Self.maximumReaderArrayCount else {
            throw .protocolViolation
        }
        return Int(count)
    }

    private func receiveArray(count: Int) throws(TransportFailure) -> ReaderArray {
        try ReaderArray(count: count) { (bytes) throws(TransportFailure) in try channel.receive(into: bytes) }
    }
}
