import Glibc
import Synchronization

/// The number of `fork` calls that led to this process, counted by a `pthread_atfork`
/// child handler. A context records the value at its creation, and a differing value
/// later means the caller is a forked child.
///
/// This replaces a `getpid()` on every call, a system call since glibc 2.25 stopped
/// caching the process ID. The handler is registered when the first context is created,
/// before any context can be inherited.
///
/// NOTE: a child created without the atfork handlers running (a raw `clone` or
/// `syscall(SYS_fork)`) is not detected and would share its parent's sockets, as every
/// child does with pcsc-lite. `fork()`, `posix_spawn` and `vfork` followed by `exec`
/// are covered or never call the library.
enum ForkGeneration {
    /// The current generation; the first read registers the child handler.
    static var current: Int {
        _ = registration
        return counter.load(ordering: .relaxed)
    }

    // The child runs the handler with no other thread alive, and the parent's counter
    // never changes, so relaxed ordering is enough.
    private static let counter = Atomic<Int>(0)

    private static let registration: Void = {
        let result = pthread_atfork(nil, nil) {
            ForkGeneration.counter.add(1, ordering: .relaxed)
        }
        precondition(result == 0, "pthread_atfork failed with \(result)")
    }()
}
