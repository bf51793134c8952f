import Glibc

/// A POSIX thread running a closure. Tests use real threads rather than tasks because the
/// client and the fake daemon block in system calls, which must not occupy the few threads
/// of Swift's cooperative pool.
struct TestThread {
    private let thread: pthread_t

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed with \(result)")
        self.thread = thread
    }

    func join() {
        pthread_join(thread, nil)
    }
}

/// Sleeps for `milliseconds`.
func sleepMilliseconds(_ milliseconds: Int) {
    usleep(UInt32(milliseconds * 1000))
}

/// Milliseconds elapsed while `body` ran.
func measureMilliseconds(_ body: () throws -> Void) rethrows -> Int {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let (seconds, attoseconds) = start.duration(to: clock.now).components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}

/// A private directory under /tmp for one test's sockets, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/pcsc-client-test-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Path of the daemon socket inside the directory.
    var socketPath: String { path + "/pcscd.comm" }

    /// Removes the socket (if any) and the directory.
    func remove() {
        unlink(socketPath)
        rmdir(path)
    }
}
