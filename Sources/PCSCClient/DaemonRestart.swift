import Glibc
import PCSCTypes
import PCSCWire
import Threading

extension Session {
    /// Makes sure the context has a working daemon connection before a call uses it.
    ///
    /// pcsc-lite never reconnects: once its daemon went away, every call on an old context
    /// fails (`SCARD_E_NO_SERVICE`) and the application must establish a new one.
    ///
    /// Here the daemon may have closed the connection because it exited or was restarted
    /// (for example by socket activation). When a daemon accepts connections on the socket
    /// again, the context opens a new connection, negotiates the version and creates a new
    /// daemon context, so the application's context handle keeps working. Card handles of
    /// the old connection cannot move with it (see `isOrphaned`). When no daemon accepts
    /// the connection, the call fails as pcsc-lite's would, with `SCARD_E_NO_SERVICE`.
    mutating func ensureLive(client: PCSCClient) throws(PCSCError) {
        guard connectionIsGone else { return }
        dropConnection()
        // The daemon may have been replaced by one of another version.
        client.acceptedVersion.withLock { $0.forget() }
        try reestablish(client: client)
    }

    /// Opens a new connection and daemon context with the context's original scope.
    mutating func reestablish(client: PCSCClient) throws(PCSCError) {
        var newConnection = try client.openConnection()
        let newDaemonContext = try client.establishDaemonContext(on: &newConnection, scope: scope)

        let oldDaemonContext = daemonContext
        client.table.withLock { $0.replaceDaemonContext(oldDaemonContext, with: newDaemonContext) }
        connection = newConnection
        daemonContext = newDaemonContext
        generation += 1
    }
}
