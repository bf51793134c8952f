import CPosix
import Glibc
import Threading

/// The closure and name of a new thread, passed as `pthread_create`'s argument. The class
/// is declared at file level because Embedded Swift cannot specialize a class declared
/// inside a function when it compiles another module that inlines that function.
private final class ThreadStart: @unchecked Sendable {
    let body: @Sendable () -> Void
    let name: String

    init(_ body: @escaping @Sendable () -> Void, name: String) {
        self.body = body
        self.name = name
    }
}

/// Starts a detached POSIX thread running `body`; returns false when the system refuses
/// a new thread (for example at a `TasksMax=` or `RLIMIT_NPROC` limit), after logging it.
///
/// The daemon uses plain threads: one per client connection (blocking socket reads keep
/// request handling simple and fast), one per reader device monitor, and one that writes
/// delayed event signals.
@discardableResult
func spawnThread(name: String, stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) -> Bool {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attributes, stackSize)

    let box = Unmanaged.passRetained(ThreadStart(body, name: name)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, &attributes, { argument in
        let box = Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue()
        cposix_set_thread_name(box.name)
        box.body()
        // The C library caches the stacks of ended threads; without this a burst of
        // clients would leave their touched stack pages resident.
        cposix_release_unused_stack()
        return nil
    }, box)
    if result != 0 {
        Unmanaged<ThreadStart>.fromOpaque(box).release()
        log.error("Cannot start thread \(name): \(String(cString: strerror(result)))")
        return false
    }
    return true
}

/// A one-shot or repeated wake-up between threads: waiters sleep until `signal()` or a
/// timeout.
final class WakeSignal: @unchecked Sendable {
    private let lock = ConditionLock()
    // Only touched with `lock` held.
    private var pending = false

    func signal() {
        lock.withLock {
            pending = true
            lock.broadcast()
        }
    }

    /// Waits up to `milliseconds` for a signal; returns true when one arrived (and clears it).
    func wait(milliseconds: Int) -> Bool {
        let deadline = MonotonicClock.nanoseconds(afterMilliseconds: milliseconds)
        return lock.withLock {
            while !pending && MonotonicClock.nanoseconds < deadline {
                lock.wait(untilNanoseconds: deadline)
            }
            let arrived = pending
            pending = false
            return arrived
        }
    }
}
