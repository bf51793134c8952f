import CLibUSB
import Glibc
import Synchronization
import Threading

/// The thread that runs libusb's event handling for one context.
///
/// Everything asynchronous in libusb happens inside its event handling: transfer
/// completion callbacks, transfer timeouts and hotplug callbacks. This thread handles
/// events until `stop()`, so the threads that wait for a transfer only block on their own
/// condition variable and `close()` can cancel them.
final class LibUSBEventThread: @unchecked Sendable {
    private let context: OpaquePointer
    private let stopRequested = Atomic<Bool>(false)
    private let lock = ConditionLock()
    private var thread: JoinableThread?

    init(context: OpaquePointer) {
        self.context = context
    }

    /// Starts the thread unless it is already running.
    func startIfNeeded() {
        lock.withLock {
            guard thread == nil else { return }
            thread = JoinableThread(name: "libusb-events") { [self] in
                run()
            }
        }
    }

    private func run() {
        while !stopRequested.load(ordering: .acquiring) {
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            let result = libusb_handle_events_timeout_completed(context, &timeout, nil)
            if result < 0 && result != LIBUSB_ERROR_INTERRUPTED.rawValue {
                // Keeps a persistent libusb failure from turning into a busy loop.
                usleep(10_000)
            }
        }
    }

    /// Stops and joins the thread. Call it from any thread other than this one.
    func stop() {
        let running = lock.withLock { () -> JoinableThread? in
            let running = thread
            thread = nil
            return running
        }
        guard let running else { return }

        stopRequested.store(true, ordering: .releasing)
        libusb_interrupt_event_handler(context)
        running.join()
    }
}
