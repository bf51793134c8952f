import CPosix
import Glibc

/// Starts a detached POSIX thread running `body`; returns false when the system refuses
/// a new thread (for example at a `TasksMax=` or `RLIMIT_NPROC` limit), after logging it.
///
/// The daemon uses plain threads: one per client connection (blocking socket reads keep
/// request handling simple and fast), one per reader device monitor, and one that writes
/// delayed event signals.
@discardableResult
func spawnThread(name: String, stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        let name: String
        init(_ body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }

    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attributes, stackSize)

    let box = Unmanaged.passRetained(Box(body, name: name)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, &attributes, { argument in
        let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
        cposix_set_thread_name(box.name)
        box.body()
        // The C library caches the stacks of ended threads; without this a burst of
        // clients would leave their touched stack pages resident.
        cposix_release_unused_stack()
        return nil
    }, box)
    if result != 0 {
        Unmanaged<Box>.fromOpaque(box).release()
        log.error("Cannot start thread \(name): \(String(cString: strerror(result)))")
        return false
    }
    return true
}

/// Sleeps for `milliseconds`, resuming after signals.
func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR {
        request = remaining
    }
}

/// Monotonic time in milliseconds, for deadlines and durations.
func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// A one-shot or repeated wake-up between threads: waiters sleep until `signal()` or a
/// timeout. Built on a pthread mutex and condition variable using the monotonic clock.
final class WakeSignal: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var pending = false

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func signal() {
        pthread_mutex_lock(&mutex)
        pending = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Waits up to `milliseconds` for a signal; returns true when one arrived (and clears it).
    func wait(milliseconds: Int) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + (milliseconds % 1000) * 1_000_000
        deadline.tv_sec += milliseconds / 1000 + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000

        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !pending {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
        }
        let arrived = pending
        pending = false
        return arrived
    }
}
