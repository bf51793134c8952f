import Glibc
import Testing
import Threading

/// A noncopyable value, as the client's handle table is.
private struct Counter: ~Copyable {
    var value = 0
}

@Test func lockedCountsFromManyThreads() {
    let counter = Locked(Counter())
    let threads = 8
    let increments = 10_000
    var ids = [pthread_t](repeating: pthread_t(), count: threads)

    final class Box: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    for index in 0..<threads {
        let box = Unmanaged.passRetained(Box {
            for _ in 0..<increments { counter.withLock { $0.value += 1 } }
        }).toOpaque()
        pthread_create(&ids[index], nil, { argument in
            Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, box)
    }
    for id in ids { pthread_join(id, nil) }

    #expect(counter.withLock { $0.value } == threads * increments)
}

@Test func lockedPassesThrownErrors() {
    struct Failure: Error {}
    let locked = Locked(1)
    #expect(throws: Failure.self) {
        try locked.withLock { (_: inout Int) throws(Failure) in throw Failure() }
    }
    #expect(locked.withLock { $0 } == 1)
}

@Test func conditionWaitEndsAtDeadline() {
    let lock = ConditionLock()
    let start = MonotonicClock.nanoseconds
    let deadline = MonotonicClock.nanoseconds(afterMilliseconds: 50)
    lock.withLock {
        while MonotonicClock.nanoseconds < deadline {
            lock.wait(untilNanoseconds: deadline)
        }
    }
    let elapsed = MonotonicClock.nanoseconds - start
    #expect(elapsed >= 50_000_000)
    #expect(elapsed < 5_000_000_000)
}

@Test func conditionBroadcastWakesWaiter() {
    final class Shared: @unchecked Sendable {
        let lock = ConditionLock()
        var ready = false
    }
    let shared = Shared()
    var thread = pthread_t()
    let box = Unmanaged.passRetained(shared).toOpaque()
    pthread_create(&thread, nil, { argument in
        let shared = Unmanaged<Shared>.fromOpaque(argument!).takeRetainedValue()
        usleep(20_000)
        shared.lock.withLock {
            shared.ready = true
            shared.lock.broadcast()
        }
        return nil
    }, box)

    // The waiter wakes after about 20 ms. The deadline only stops a broken broadcast from hanging the test.
    let deadline = MonotonicClock.nanoseconds(afterMilliseconds: 10_000)
    let woke = shared.lock.withLock {
        while !shared.ready && MonotonicClock.nanoseconds < deadline {
            shared.lock.wait(untilNanoseconds: deadline)
        }
        return shared.ready
    }
    pthread_join(thread, nil)
    #expect(woke)
}

@Test func deadlineOfNegativeDelayIsNow() {
    let before = MonotonicClock.nanoseconds
    let deadline = MonotonicClock.nanoseconds(afterMilliseconds: -5)
    #expect(deadline >= before)
    #expect(deadline - before < 1_000_000_000)
}
