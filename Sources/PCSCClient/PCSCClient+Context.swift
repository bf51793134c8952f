import Glibc
import PCSCTypes
import PCSCWire
import Threading

extension PCSCClient {
    /// Fails with `SCARD_E_NO_SERVICE` when nothing exists at the socket path. pcsc-lite's
    /// `SCardEstablishContext` checks this before any of its arguments.
    public func checkServiceAvailability() throws(PCSCError) {
        guard socketPathExists(configuration.socketPath) else { throw .noService }
    }

    /// Opens a new connection to the daemon, negotiates the protocol version and creates a
    /// daemon context. `SCardEstablishContext`.
    ///
    /// The daemon rejects a scope outside `SCARD_SCOPE_*` with `SCARD_E_INVALID_VALUE`.
    public func establishContext(scope: DaemonValidated<Scope> = .known(.system)) throws(PCSCError) -> ContextHandle {
        var connection = try openConnection()
        let daemonContext = try establishDaemonContext(on: &connection, scope: scope.rawValue)

        return table.withLock { table in
            let handle = ContextHandle(rawValue: table.unusedHandleValue())
            let session = Session(scope: scope.rawValue, connection: connection, daemonContext: daemonContext)
            table.insert(context: ContextRecord(handle: handle, session: session), daemonContext: daemonContext)
            return handle
        }
    }

    /// Opens a new daemon connection, offering first the version that the daemon accepted
    /// last, and records the version this daemon accepts.
    func openConnection() throws(PCSCError) -> DaemonConnection {
        let configuration = configuration
        let path = configuration.socketPath
        let socketFile = AcceptedVersionMemory.SocketFile(path: path)
        let firstOffer = acceptedVersion.withLock { $0.firstOffer(for: socketFile) }
        do {
            let connection = try DaemonConnection.open(
                path: path, firstOffer: firstOffer, busyPollMicroseconds: configuration.busyPollMicroseconds)
            acceptedVersion.withLock { $0.remember(connection.version, for: socketFile) }
            return connection
        } catch {
            acceptedVersion.withLock { $0.forget() }
            throw error
        }
    }

    /// Sends `SCARD_ESTABLISH_CONTEXT` until the daemon returns a context number that no
    /// other context of this process uses, at most 8 times (pcsc-lite repeats without
    /// bound). Closes the connection on failure.
    func establishDaemonContext(on connection: inout DaemonConnection, scope: UInt32) throws(PCSCError) -> UInt32 {
        for _ in 0..<8 {
            let reply: EstablishContextMessage
            do {
                reply = try connection.exchange(.establishContext, EstablishContextMessage(scope: scope))
            } catch {
                connection.close()
                throw error.code
            }
            if let error = PCSCError(code: reply.rv) {
                connection.close()
                throw error
            }
            let inUse = table.withLock { $0.isInUse(daemonContext: reply.context) }
            if !inUse { return reply.context }
        }
        connection.close()
        throw .internalError
    }

    /// Releases the daemon context, then drops the context and all its card handles
    /// whatever the daemon replied. `SCardReleaseContext`.
    ///
    /// When the daemon connection is already gone, pcsc-lite fails the send with
    /// `SCARD_E_NO_SERVICE`. Here the context is dropped without traffic and the call
    /// succeeds when something exists at the socket path (a restarted or socket-activated
    /// daemon, which no longer has the old context anyway), and fails with
    /// `SCARD_E_NO_SERVICE` only when nothing does.
    public func releaseContext(_ handle: ContextHandle) throws(PCSCError) {
        let record = try contextRecord(handle)
        let socketPath = configuration.socketPath
        let result = try withSession(record) { (session: inout Session) throws(PCSCError) in
            session.isReleased = true
            let result = Self.sendRelease(&session, socketPath: socketPath)
            session.dropConnection()

            // The table lock is taken inside the context lock here, as `connect` does.
            table.withLock { table in
                table.remove(context: handle)
                session.cards.removeAll { table.remove(card: $0) }
            }
            return result
        }
        if let result { throw result }
    }

    private static func sendRelease(_ session: inout Session, socketPath: String) -> PCSCError? {
        guard !session.connectionIsGone else {
            return socketPathExists(socketPath) ? nil : .noService
        }
        let message = ReleaseContextMessage(context: session.daemonContext)
        do {
            let reply = try session.run { connection throws(TransportFailure) in
                try connection.exchange(.releaseContext, message)
            }
            return PCSCError(code: reply.rv)
        } catch {
            return error
        }
    }

    /// Succeeds for a context this process established and has not released, without
    /// daemon traffic and without the context's lock. A context stays valid after the
    /// daemon died. `SCardIsValidContext`, and the check of `SCardFreeMemory`.
    public func validateContext(_ handle: ContextHandle) throws(PCSCError) {
        _ = try contextRecord(handle)
    }

    /// Names of the daemon's readers, in the daemon's slot order. Throws
    /// `SCARD_E_NO_READERS_AVAILABLE` when there is none. `SCardListReaders`.
    public func listReaders(_ handle: ContextHandle) throws(PCSCError) -> [ReaderName] {
        let record = try contextRecord(handle)
        let readers = try withSession(record) { (session: inout Session) throws(PCSCError) in
            try session.ensureLive(client: self)
            return try session.run { connection throws(TransportFailure) in
                try connection.fetchReaderArray().readerNames
            }
        }
        guard !readers.isEmpty else { throw .noReadersAvailable }
        return readers
    }

    /// Returns the reader groups: always `SCard$DefaultReaders`, without daemon traffic, after
    /// the context check. `SCardListReaderGroups`.
    public func listReaderGroups(_ handle: ContextHandle) throws(PCSCError) -> MultiString {
        let record = try contextRecord(handle)
        return try withSession(record) { _ throws(PCSCError) in MultiString.readerGroups }
    }

    /// Cancels a `getStatusChange` that is waiting on this context; the waiting call then
    /// returns `SCARD_E_CANCELLED`. Succeeds without daemon traffic when no call waits.
    /// Does not take the context's lock. `SCardCancel`.
    ///
    /// The request goes to the daemon on a new connection without a version exchange, as
    /// pcsc-lite sends it, and the daemon's result is returned (pcsc-lite 1.9.9's pcscd
    /// returns `SCARD_E_INVALID_HANDLE` when the wait ended just before).
    public func cancel(_ handle: ContextHandle) throws(PCSCError) {
        let record = try contextRecord(handle)
        let daemonContext: UInt32? = record.waitState.withLock { state in
            switch state {
            case .idle:
                return nil
            case .waitingForDaemon:
                state = .waitingForDaemon(cancelRequested: true)
                return nil
            case .waitingOnDaemon(let daemonContext):
                return daemonContext
            }
        }
        guard let daemonContext else { return }
        try sendCancel(daemonContext: daemonContext)
    }

    private func sendCancel(daemonContext: UInt32) throws(PCSCError) {
        let configuration = configuration
        let channel = DaemonChannel(
            socket: try DaemonConnection.connectSocket(path: configuration.socketPath),
            busyPollMicroseconds: configuration.busyPollMicroseconds)
        defer { channel.socket.close() }

        let reply: CancelMessage
        do {
            try channel.send(.cancel, CancelMessage(context: daemonContext))
            reply = try channel.receive(CancelMessage.self)
        } catch {
            throw error.code
        }
        if let error = PCSCError(code: reply.rv) { throw error }
    }
}
