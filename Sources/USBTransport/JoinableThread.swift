import CPosix
import Glibc

/// The closure and name of a new thread, passed as `pthread_create`'s argument. The class
/// is declared at file level because Embedded Swift cannot specialize a class declared
/// inside a function when it compiles another module that inlines that function.
private final class ThreadStart {
    let body: @Sendable () -> Void
    let name: String

    init(body: @escaping @Sendable () -> Void, name: String) {
        self.body = body
        self.name = name
    }
}

/// A POSIX thread that runs one closure and can be joined.
final class JoinableThread: @unchecked Sendable {
    private var thread = pthread_t()

    /// Starts a thread running `body`. Fails only when the system cannot create threads.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let start = Unmanaged.passRetained(ThreadStart(body: body, name: name)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue()
            cposix_set_thread_name(start.name)
            start.body()
            return nil
        }, start)
        if result != 0 {
            Unmanaged<ThreadStart>.fromOpaque(start).release()
            terminate("pthread_create failed for thread \(name): \(String(cString: strerror(result)))")
        }
    }

    /// True when called from this thread itself, where `join()` would deadlock.
    var isCurrent: Bool {
        pthread_equal(pthread_self(), thread) != 0
    }

    /// Waits until the closure has returned. Call it once, from another thread.
    func join() {
        pthread_join(thread, nil)
    }
}
