import PCSCClient
import PCSCTypes
import PCSCWire
import Testing

@Test func statusChangeUnawareReturnsAtOnce() throws {
    try withFakeDaemon(readers: [Readers.withCard(readerName, sharing: 1)]) { daemon, client in
        let context = try client.establishContext()
        var states = watching(readerName, 0)

        try client.getStatusChange(context, timeout: .infinite, states: &states)

        #expect(states[0].eventState.rawValue == 0x122)
        #expect(states[0].atr == Readers.atr)
        // The exit path ends the registration with the stop command.
        #expect(daemon.commands.last == Command.stopWaitingReaderStateChange.code)
        #expect(!daemon.hasRegisteredConnection)
    }
}

@Test func statusChangeTimesOut() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { daemon, client in
        let context = try client.establishContext()
        var states = watching(readerName, 0x10)

        let elapsed = measureMilliseconds {
            #expect(throws: PCSCError.timeout) {
                try client.getStatusChange(context, timeout: .milliseconds(150), states: &states)
            }
        }

        #expect(elapsed >= 145)
        #expect(elapsed < 1000)
        #expect(states[0].eventState.rawValue == 0x10)
        #expect(!daemon.hasRegisteredConnection)
        // The stream is still in step.
        #expect(try client.listReaders(context) == [readerName])
    }
}

@Test func statusChangeZeroTimeout() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { _, client in
        let context = try client.establishContext()
        var states = watching(readerName, 0x10)

        let elapsed = measureMilliseconds {
            #expect(throws: PCSCError.timeout) {
                try client.getStatusChange(context, timeout: .milliseconds(0), states: &states)
            }
        }

        #expect(elapsed < 100)
    }
}

@Test func statusChangeSeesInsertion() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { daemon, client in
        let context = try client.establishContext()
        let result = SharedResult<[ReaderState]>()
        let error = SharedResult<PCSCError>()

        let waiter = TestThread {
            var states = watching(readerName, 0x12)
            if let failure = caughtError({ () throws(PCSCError) in
                try client.getStatusChange(context, timeout: .infinite, states: &states)
            }) {
                error.set(failure)
            }
            result.set(states)
        }
        #expect(daemon.waitForRegistration())
        daemon.setReaders([Readers.withCard(readerName, counter: 1)])
        waiter.join()

        #expect(error.value == nil)
        #expect(result.value?[0].eventState.rawValue == 0x10022)
        #expect(result.value?[0].atr == Readers.atr)
    }
}

@Test func statusChangeSeesRemoval() throws {
    try withFakeDaemon(readers: [Readers.withCard(readerName, counter: 1)]) { daemon, client in
        let context = try client.establishContext()
        let result = SharedResult<UInt32>()

        let waiter = TestThread {
            var states = watching(readerName, 0x10022)
            try? client.getStatusChange(context, timeout: .milliseconds(5000), states: &states)
            result.set(states[0].eventState.rawValue)
        }
        #expect(daemon.waitForRegistration())
        daemon.setReaders([Readers.empty(readerName, counter: 2)])
        waiter.join()

        #expect(result.value == 0x20012)
    }
}

@Test func statusChangeUnknownReaderUpFront() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        var states = watching("No Such Reader", 0)
        states[0].eventState = ReaderStateWord(rawValue: 0x55)

        #expect(throws: PCSCError.unknownReader) {
            try client.getStatusChange(context, timeout: .milliseconds(0), states: &states)
        }
        #expect(states[0].eventState.rawValue == 0x55)
    }
}

@Test func statusChangeEmptyRequestSkipsContextCheck() throws {
    let client = PCSCClient(configuration: ClientConfiguration(socketPath: "/nonexistent/pcscd.comm"))
    var none: [ReaderState] = []
    var ignored = [ReaderState(readerName: "x", currentState: ReaderStateWord(flags: .ignore))]

    try client.getStatusChange(ContextHandle(rawValue: 1), timeout: .infinite, states: &none)
    try client.getStatusChange(ContextHandle(rawValue: 1), timeout: .infinite, states: &ignored)

    #expect(ignored[0].eventState == .unaware)
}

@Test func statusChangeBeyondSixteenReaders() throws {
    let readers = (0..<20).map { Readers.empty(ReaderName("Reader \($0)")) }
    try withFakeDaemon(readers: readers) { daemon, client in
        let context = try client.establishContext()
        let result = SharedResult<[ReaderState]>()

        let waiter = TestThread {
            var states = (0..<20).map { ReaderState(readerName: ReaderName("Reader \($0)"), currentState: ReaderStateWord(rawValue: 0x10)) }
            try? client.getStatusChange(context, timeout: .milliseconds(5000), states: &states)
            result.set(states)
        }
        #expect(daemon.waitForRegistration())
        var changed = readers
        changed[19] = Readers.withCard("Reader 19", counter: 1)
        daemon.setReaders(changed)
        waiter.join()

        #expect(result.value?[19].eventState.rawValue == 0x10022)
        #expect(result.value?[0].eventState.rawValue == 0x10)
    }
}

@Test func statusChangeSignalBeforeArraySize() throws {
    var behaviour = FakeDaemon.Behaviour()
    behaviour.signalBeforeSize = true
    try withFakeDaemon(readers: [Readers.empty(readerName)], behaviour: behaviour) { daemon, client in
        let context = try client.establishContext()
        var states = watching(readerName, 0x10)

        // The event signal comes before the size and array replies of the first round,
        // whose array the client drops before it registers again.
        #expect(throws: PCSCError.timeout) {
            try client.getStatusChange(context, timeout: .milliseconds(100), states: &states)
        }
        #expect(daemon.count(.getReadersStateArray) == 2)
        #expect(daemon.count(.waitReaderStateChange) == 2)
        #expect(try client.listReaders(context) == [readerName])
        #expect(daemon.violations == [])
    }
}

@Test func statusChangeReportsReaderAdded() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { daemon, client in
        let context = try client.establishContext()
        let result = SharedResult<UInt32>()

        let waiter = TestThread {
            var states = [ReaderState(readerName: PCSCLimits.plugAndPlayReaderName, currentState: ReaderStateWord(rawValue: 0x10000))]
            try? client.getStatusChange(context, timeout: .milliseconds(5000), states: &states)
            result.set(states[0].eventState.rawValue)
        }
        #expect(daemon.waitForRegistration())
        daemon.setReaders([Readers.empty(readerName), Readers.empty("Second Reader 01 00")])
        waiter.join()

        #expect(result.value == 0x20002)
    }
}

@Test func statusChangePlugAndPlayCounterMoved() throws {
    try withFakeDaemon { _, client in
        let context = try client.establishContext()
        // The daemon's counter is 1; an application that last saw 5 is told at once.
        var states = [ReaderState(readerName: PCSCLimits.plugAndPlayReaderName, currentState: ReaderStateWord(rawValue: 0x50000))]

        try client.getStatusChange(context, timeout: .milliseconds(0), states: &states)

        #expect(states[0].eventState.rawValue == 0x10002)
    }
}

@Test func statusChangeReportsVanishedReader() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName), Readers.empty("Other")]) { daemon, client in
        let context = try client.establishContext()
        let result = SharedResult<UInt32>()

        let waiter = TestThread {
            var states = watching(readerName, 0x10)
            try? client.getStatusChange(context, timeout: .milliseconds(5000), states: &states)
            result.set(states[0].eventState.rawValue)
        }
        #expect(daemon.waitForRegistration())
        daemon.setReaders([.empty, Readers.empty("Other")])
        waiter.join()

        #expect(result.value == 0x0E)
    }
}

@Test func statusChangeHoldsContextLock() throws {
    try withFakeDaemon(readers: [Readers.empty(readerName)]) { daemon, client in
        let context = try client.establishContext()
        let waiter = TestThread {
            var states = watching(readerName, 0x10)
            _ = try? client.getStatusChange(context, timeout: .milliseconds(400), states: &states)
        }
        #expect(daemon.waitForRegistration())

        // Another call on the same context waits for the status change to end.
        let elapsed = measureMilliseconds { _ = try? client.listReaders(context) }
        waiter.join()

        #expect(elapsed >= 250)
    }
}
