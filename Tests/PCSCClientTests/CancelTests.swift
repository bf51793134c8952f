import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func cancelWithoutWaitIsSilent() throws {
    try withFakeDaemon { daemon, client in
        let context = try client.establishContext()
        let connectionsBefore = daemon.connectionCount

        try client.cancel(context)

        #expect(daemon.connectionCount == connectionsBefore)
        #expect(daemon.count(.cancel) == 0)
    }
}

@Test func cancelEndsWaitFromOtherThread() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { daemon, client in
        let context = try client.establishContext()
        let error = SharedResult<PCSCError>()
        let elapsed = SharedResult<Int>()

        let waiter = TestThread {
            var states = watching(readerName, 0x10)
            let milliseconds = measureMilliseconds {
                if let failure = caughtError({ () throws(PCSCError) in
                    try client.getStatusChange(context, timeout: .infinite, states: &states)
                }) {
                    error.set(failure)
                }
            }
            elapsed.set(milliseconds)
        }
        #expect(daemon.waitForRegistration())
        sleepMilliseconds(50)
        try client.cancel(context)
        waiter.join()

        #expect(error.value == .cancelled)
        #expect((elapsed.value ?? .max) < 2000)
        #expect(daemon.count(.cancel) == 1)
        // The cancel connection skips the version exchange.
        #expect(daemon.versionRequests == [.v4_6])
        #expect(daemon.connectionCount == 2)
        // A cancelled wait is already unregistered: no stop command follows.
        #expect(daemon.count(.stopWaitingReaderStateChange) == 0)
        #expect(try client.listReaders(context) == [readerName])
    }
}
