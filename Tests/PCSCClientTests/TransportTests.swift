import Glibc

@testable import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func closedConnectionIsCommError() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        daemon.updateBehaviour { $0.closeOn = .getReadersStateSize }

        #expect(throws: PCSCError.commError) { try client.listReaders(context) }
    }
}

@Test func connectionClosedBeforeArrayIsCommError() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        daemon.updateBehaviour { $0.closeOn = .getReadersStateArray }

        // The size reply arrives, and the array's bytes never do.
        #expect(throws: PCSCError.commError) { try client.listReaders(context) }
        daemon.updateBehaviour { $0.closeOn = nil }
        #expect(try client.listReaders(context) == [readerName])
    }
}

@Test func resetConnectionIsSecurityViolation() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.resetOn = .establishContext
    withFakeDaemon(behaviour: behaviour) { _, client in
        #expect(throws: PCSCError.securityViolation) { try client.establishContext() }
    }
}

@Test func stoppedDaemonIsNoService() throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let daemon = FakeDaemon(path: directory.socketPath, readers: [Readers.withCard(readerName)])
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath))
    let context = try client.establishContext()
    let card = try connectedCard(client, context)

    // A socket file without a listener, as a crashed or socket-activated daemon leaves.
    daemon.stop(keepSocketFile: true)

    #expect(throws: PCSCError.noService) { try client.listReaders(context) }
    #expect(throws: PCSCError.noService) { try client.transmit(card, sendPCI: .t1, command: [1], receivePCI: nil, receiveCapacity: 10) }
    #expect(throws: PCSCError.noService) { try client.establishContext() }
}

@Test func daemonDeathDuringWaitIsCommError() throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let daemon = FakeDaemon(path: directory.socketPath, readers: [Readers.empty(readerName)])
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: directory.socketPath))
    let context = try client.establishContext()
    let error = SharedResult<PCSCError>()
    let elapsed = SharedResult<Int>()

    let waiter = TestThread {
        var states = watching(readerName, 0x10)
        let milliseconds = measureMilliseconds {
            error.set(caughtError { () throws(PCSCError) in
                try client.getStatusChange(context, timeout: .milliseconds(600), states: &states)
            } ?? .internalError)
        }
        elapsed.set(milliseconds)
    }
    #expect(daemon.waitForRegistration())
    daemon.stop()
    waiter.join()

    // No daemon came back before the timeout: pcsc-lite's code for a broken wait.
    #expect(error.value == .commError)
    #expect((elapsed.value ?? 0) >= 550)
}

@Test func sendFailuresMapLikePcscLite() {
    #expect(TransportFailure.sending(.system(call: "send", errno: EPIPE)).code == .noService)
    #expect(TransportFailure.sending(.reset).code == .noService)
    #expect(TransportFailure.sending(.system(call: "poll", errno: EINVAL)).code == .commError)
}

@Test func receiveFailuresMapLikePcscLite() {
    #expect(TransportFailure.receiving(.closed).code == .commError)
    #expect(TransportFailure.receiving(.reset).code == .securityViolation)
    #expect(TransportFailure.receiving(.system(call: "recv", errno: EBADF)).code == .commError)
}

@Test func contextSocketFlags() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        let record = try client.contextRecord(context)
        let fd = record.session.withLock { $0.connection?.socket.fd } ?? -1

        #expect(fd >= 0)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
    }
}

@Test func eachContextHasOwnSocket() throws {
    try withFakeDaemon { daemon, client in
        _ = try client.establishContext()
        _ = try client.establishContext()

        #expect(daemon.connectionCount == 2)
        #expect(daemon.versionRequests == [.v4_6, .v4_6])
    }
}
