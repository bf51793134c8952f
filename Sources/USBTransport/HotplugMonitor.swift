import CLibUSB
import Threading

/// The source of arrival and removal events for `LibUSBContext.startMonitoring`.
public enum USBHotplugStrategy: Sendable, Hashable {
    /// libusb hotplug events where the platform has them (`LIBUSB_CAP_HAS_HOTPLUG`),
    /// otherwise polling once a second.
    case automatic
    /// Enumerates every `intervalMilliseconds` and reports the differences by key.
    case polling(intervalMilliseconds: Int)
}

/// Delivers hotplug events to the caller's closures on one thread of its own.
///
/// With libusb events, libusb's callback (on the event thread) only appends to the queue,
/// so the caller's closures never run inside libusb and may block or open devices. With
/// polling, the same thread enumerates, compares and delivers.
final class HotplugMonitor: @unchecked Sendable {
    enum Event {
        case arrival(USBDeviceCandidate)
        case removal(USBDeviceKey)
    }

    private let onArrival: @Sendable (USBDeviceCandidate) -> Void
    private let onRemoval: @Sendable (USBDeviceKey) -> Void
    private let lock = ConditionLock()
    private var queue: [Event] = []
    private var stopping = false
    private var thread: JoinableThread?

    /// The libusb callback registration, nil while polling.
    var callbackHandle: libusb_hotplug_callback_handle?

    init(
        onArrival: @escaping @Sendable (USBDeviceCandidate) -> Void,
        onRemoval: @escaping @Sendable (USBDeviceKey) -> Void
    ) {
        self.onArrival = onArrival
        self.onRemoval = onRemoval
    }

    /// Starts the thread that delivers queued libusb events.
    func startDelivering() {
        let started = JoinableThread(name: "usb-hotplug") { [self] in
            while let event = nextEvent() {
                deliver(event)
            }
        }
        lock.withLock { thread = started }
    }

    /// Starts the thread that polls `enumerate` every `intervalMilliseconds`, starting
    /// from the devices in `initial`.
    func startPolling(
        intervalMilliseconds: Int, initial: [USBDeviceCandidate],
        enumerate: @escaping @Sendable () throws(USBError) -> [USBDeviceCandidate]
    ) {
        let started = JoinableThread(name: "usb-hotplug") { [self] in
            var diff = USBDeviceListDiff(known: initial)
            while waitForNextPoll(intervalMilliseconds: intervalMilliseconds) {
                // NOTE: a failed enumeration is skipped silently; the next poll retries.
                guard let current = try? enumerate() else { continue }
                let changes = diff.update(with: current)
                for key in changes.removed {
                    deliver(.removal(key))
                }
                for candidate in changes.arrived {
                    deliver(.arrival(candidate))
                }
            }
        }
        lock.withLock { thread = started }
    }

    /// Queues an event. libusb's hotplug callback calls it, so it only takes a short lock.
    func enqueue(_ event: Event) {
        lock.withLock {
            guard !stopping else { return }
            queue.append(event)
            lock.broadcast()
        }
    }

    /// Stops the thread after the closure that is running (if any) returns. Joins the
    /// thread unless called from it (from inside a closure); later calls do nothing.
    func stop() {
        let running = lock.withLock { () -> JoinableThread? in
            stopping = true
            queue = []
            lock.broadcast()
            let running = thread
            thread = nil
            return running
        }
        if let running, !running.isCurrent {
            running.join()
        }
    }

    private func nextEvent() -> Event? {
        lock.withLock {
            while queue.isEmpty && !stopping {
                lock.wait()
            }
            return stopping ? nil : queue.removeFirst()
        }
    }

    /// Sleeps for one polling interval; returns false once `stop()` was called.
    private func waitForNextPoll(intervalMilliseconds: Int) -> Bool {
        let deadline = MonotonicClock.nanoseconds(afterMilliseconds: intervalMilliseconds)
        return lock.withLock {
            while !stopping && MonotonicClock.nanoseconds < deadline {
                lock.wait(untilNanoseconds: deadline)
            }
            return !stopping
        }
    }

    private func deliver(_ event: Event) {
        switch event {
        case .arrival(let candidate): onArrival(candidate)
        case .removal(let key): onRemoval(key)
        }
    }
}

/// libusb's hotplug callback: turns the event into a candidate or key and queues it.
/// libusb runs it on the event thread, where it must not block or open devices.
let hotplugCallback: libusb_hotplug_callback_fn = { _, device, event, userData in
    guard let device, let userData else { return 0 }
    let monitor = Unmanaged<HotplugMonitor>.fromOpaque(userData).takeUnretainedValue()

    if event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED {
        if let candidate = makeCandidate(for: device) {
            monitor.enqueue(.arrival(candidate))
        }
    } else if event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT {
        monitor.enqueue(.removal(makeKey(for: device)))
    }
    // Returning 0 keeps the callback registered.
    return 0
}
