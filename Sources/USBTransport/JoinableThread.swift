import CPosix
import Glibc

/// A POSIX thread that runs one closure and can be joined.
final class JoinableThread: @unchecked Sendable {
    private var thread = pthread_t()

    /// Starts a thread running `body`. Fails only when the system cannot create threads.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Start {
            let body: @Sendable () -> Void
            let name: String
            init(body: @escaping @Sendable () -> Void, name: String) {
                self.body = body
                self.name = name
            }
        }

        let start = Unmanaged.passRetained(Start(body: body, name: name)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let start = Unmanaged<Start>.fromOpaque(argument!).takeRetainedValue()
            cposix_set_thread_name(start.name)
            start.body()
            return nil
        }, start)
        if result != 0 {
            Unmanaged<Start>.fromOpaque(start).release()
            fatalError("pthread_create failed for thread \(name): \(String(cString: strerror(result)))")
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
