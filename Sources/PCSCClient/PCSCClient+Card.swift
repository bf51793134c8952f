import PCSCTypes
import PCSCWire
import Threading

// Card handles whose daemon connection was replaced after a daemon restart ("orphaned"
// handles, see `Session.ensureLive`) cannot reach their card any more. They return what
// pcsc-lite programs already handle for a card that went away: `SCARD_W_REMOVED_CARD`
// for calls that use the card and success for `disconnect`, while `reconnect` connects
// the handle to the same reader on the new daemon.

extension PCSCClient {
    /// Connects to the card in `readerName`. `SCardConnect`.
    ///
    /// Names longer than 128 bytes are rejected with `SCARD_E_INVALID_VALUE` before the
    /// context is checked; a 128-byte name is cut to 127 bytes on the wire. The daemon
    /// checks the share mode and protocols. No retry on sharing violations.
    public func connect(
        _ context: ContextHandle, readerName: ReaderName, shareMode: DaemonValidated<ShareMode>,
        preferredProtocols: CardProtocols
    ) throws(PCSCError) -> ConnectOutcome {
        guard readerName.bytes.count <= PCSCLimits.maxReaderName else { throw .invalidValue }
        let record = try contextRecord(context)

        return try withSession(record) { (session: inout Session) throws(PCSCError) -> ConnectOutcome in
            try session.ensureLive(client: self)
            let request = ConnectMessage(
                context: session.daemonContext, readerName: readerName,
                shareMode: shareMode.rawValue, preferredProtocols: preferredProtocols.rawValue)
            let reply = try session.run { connection throws(TransportFailure) in
                try connection.exchange(.connect, request)
            }
            let activeProtocol = CardProtocols(rawValue: reply.activeProtocol)
            if let error = PCSCError(code: reply.rv) {
                return .failed(error, reportedCard: Int32(bitPattern: reply.card), reportedProtocol: activeProtocol)
            }

            let binding = CardBinding(daemonCard: reply.card, readerName: readerName, generation: session.generation)
            let card = registerCard(binding, in: &session, record: record)
            return .connected(card, activeProtocol: activeProtocol)
        }
    }

    private func registerCard(_ binding: CardBinding, in session: inout Session, record: ContextRecord) -> CardHandle {
        let card = table.withLock { table in
            let card = CardHandle(rawValue: table.unusedHandleValue())
            table.insert(card: card, owner: record)
            return card
        }
        session.cards[card] = binding
        return card
    }

    private func unregisterCard(_ card: CardHandle, in session: inout Session) {
        session.cards[card] = nil
        table.withLock { $0.remove(card: card) }
    }

    /// Reconnects the card, optionally resetting or powering it down. `SCardReconnect`.
    ///
    /// Retries every 100 ms on a sharing violation unless `PCSCLITE_NO_BLOCKING` is set.
    /// A handle orphaned by a daemon restart is connected anew to its reader with the
    /// given share mode and protocols. `initialization` must then be leave, reset or
    /// unpower (`SCARD_E_INVALID_VALUE` otherwise), as the daemon requires.
    public func reconnect(
        _ card: CardHandle, shareMode: DaemonValidated<ShareMode>, preferredProtocols: CardProtocols,
        initialization: DaemonValidated<Disposition>
    ) throws(PCSCError) -> ReconnectOutcome {
        try retryingOnSharingViolation(isSharingViolation: { $0.failure == .sharingViolation }) {
            () throws(PCSCError) -> ReconnectOutcome in
            try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) -> ReconnectOutcome in
                try session.ensureLive(client: self)
                if session.isOrphaned(binding) {
                    return try rebind(card, binding, &session, shareMode: shareMode, preferredProtocols: preferredProtocols, initialization: initialization)
                }
                let request = ReconnectMessage(
                    card: binding.daemonCard, shareMode: shareMode.rawValue,
                    preferredProtocols: preferredProtocols.rawValue, initialization: initialization.rawValue)
                let reply = try session.run { connection throws(TransportFailure) in
                    try connection.exchange(.reconnect, request)
                }
                let activeProtocol = CardProtocols(rawValue: reply.activeProtocol)
                if let error = PCSCError(code: reply.rv) {
                    return .failed(error, reportedProtocol: activeProtocol)
                }
                return .reconnected(activeProtocol: activeProtocol)
            }
        }
    }

    /// Binds an orphaned handle to a new daemon card in the same reader. A reader that is
    /// gone is reported as `SCARD_E_READER_UNAVAILABLE`, the code pcsc-lite's `reconnect`
    /// gives for a removed reader.
    private func rebind(
        _ card: CardHandle, _ binding: CardBinding, _ session: inout Session,
        shareMode: DaemonValidated<ShareMode>, preferredProtocols: CardProtocols,
        initialization: DaemonValidated<Disposition>
    ) throws(PCSCError) -> ReconnectOutcome {
        guard case .known(let disposition) = initialization, disposition != .eject else { throw .invalidValue }

        let request = ConnectMessage(
            context: session.daemonContext, readerName: binding.readerName,
            shareMode: shareMode.rawValue, preferredProtocols: preferredProtocols.rawValue)
        let reply = try session.run { connection throws(TransportFailure) in
            try connection.exchange(.connect, request)
        }
        let activeProtocol = CardProtocols(rawValue: reply.activeProtocol)
        if let error = PCSCError(code: reply.rv) {
            return .failed(error == .unknownReader ? .readerUnavailable : error, reportedProtocol: activeProtocol)
        }

        session.cards[card] = CardBinding(daemonCard: reply.card, readerName: binding.readerName, generation: session.generation)
        return .reconnected(activeProtocol: activeProtocol)
    }

    /// Ends the connection to the card. The handle is dropped only when the daemon
    /// succeeds (an invalid disposition keeps it). `SCardDisconnect`.
    ///
    /// A handle whose daemon connection is gone, or was replaced after a daemon restart,
    /// is dropped without traffic and the call succeeds. pcsc-lite fails it with
    /// `SCARD_E_NO_SERVICE` and keeps the handle, which then can never be released.
    public func disconnect(_ card: CardHandle, disposition: DaemonValidated<Disposition>) throws(PCSCError) {
        try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) in
            if session.isOrphaned(binding) || session.connectionIsGone {
                unregisterCard(card, in: &session)
                return
            }
            let request = DisconnectMessage(card: binding.daemonCard, disposition: disposition.rawValue)
            let reply = try session.run { connection throws(TransportFailure) in
                try connection.exchange(.disconnect, request)
            }
            if let error = PCSCError(code: reply.rv) { throw error }
            unregisterCard(card, in: &session)
        }
    }

    /// Starts a transaction, waiting (in 100 ms steps, with the context unlocked) while
    /// another handle holds one; this retry ignores `PCSCLITE_NO_BLOCKING`, as in
    /// pcsc-lite. Transactions nest on one handle. `SCardBeginTransaction`.
    public func beginTransaction(_ card: CardHandle) throws(PCSCError) {
        try retryingOnSharingViolation(always: true, isSharingViolation: { false }) { () throws(PCSCError) in
            try cardRequest(card) { binding in
                (Command.beginTransaction, BeginTransactionMessage(card: binding.daemonCard))
            }
        }
    }

    /// Ends a transaction with the given disposition; one end too many fails with
    /// `SCARD_E_NOT_TRANSACTED`. `SCardEndTransaction`.
    public func endTransaction(_ card: CardHandle, disposition: DaemonValidated<Disposition>) throws(PCSCError) {
        try cardRequest(card) { binding in
            (Command.endTransaction, EndTransactionMessage(card: binding.daemonCard, disposition: disposition.rawValue))
        }
    }

    /// Sends a request whose reply carries only a code; an orphaned handle gets
    /// `SCARD_W_REMOVED_CARD`.
    private func cardRequest<Message: WireMessage & ResultCarrying>(
        _ card: CardHandle, _ makeRequest: (CardBinding) -> (Command, Message)
    ) throws(PCSCError) {
        try withCard(card) { (session: inout Session, binding: CardBinding) throws(PCSCError) in
            try session.ensureLive(client: self)
            guard !session.isOrphaned(binding) else { throw .removedCard }
            let (command, request) = makeRequest(binding)
            let reply = try session.run { connection throws(TransportFailure) in
                try connection.exchange(command, request)
            }
            if let error = PCSCError(code: reply.rv) { throw error }
        }
    }
}

/// Reply structs whose last field is the call's result code.
protocol ResultCarrying {
    var rv: UInt32 { get }
}

extension CardMessage: ResultCarrying {}
extension CardDispositionMessage: ResultCarrying {}

extension ReconnectOutcome {
    var failure: PCSCError? {
        if case .failed(let error, _) = self { return error }
        return nil
    }
}
