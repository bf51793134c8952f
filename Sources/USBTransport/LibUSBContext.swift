import CLibUSB
import Threading

/// A libusb context: enumeration, opening devices and hotplug monitoring.
///
/// Threading: all methods may be called from any thread. The context starts one event
/// thread (when the first device is opened or monitoring starts) that completes every
/// transfer and timeout and runs libusb's hotplug callback. Opened devices keep their
/// context alive; the context's resources go when the last reference is dropped.
///
/// Discovery: `devices()` enumerates at any time without opening anything (use it for
/// the start-up scan and for a rescan on request). `startMonitoring` reports later
/// changes, see there for the order of the two calls.
public final class LibUSBContext: @unchecked Sendable {
    let pointer: OpaquePointer
    private let events: LibUSBEventThread
    private let monitorLock = ConditionLock()
    private var monitor: HotplugMonitor?
    // Monitors that libusb may still call back into until the event thread stops.
    private var retiredMonitors: [Unmanaged<HotplugMonitor>] = []

    /// Polling interval of `USBHotplugStrategy.automatic` without libusb hotplug events.
    public static let defaultPollingIntervalMilliseconds = 1000

    public init() throws(USBError) {
        var context: OpaquePointer?
        try checkLibUSB(libusb_init(&context))
        guard let context else {
            throw .other(code: LIBUSB_ERROR_OTHER.rawValue, message: "libusb_init returned no context")
        }
        pointer = context
        events = LibUSBEventThread(context: context)
    }

    deinit {
        stopMonitoring()
        events.stop()
        for retired in retiredMonitors {
            retired.release()
        }
        libusb_exit(pointer)
    }

    /// True when libusb reports hotplug events on this platform (`LIBUSB_CAP_HAS_HOTPLUG`).
    public var supportsHotplugEvents: Bool {
        libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0
    }

    // MARK: Enumeration

    /// Lists the devices on all buses, root hubs included, without opening any. Devices
    /// whose descriptors cannot be read are left out.
    public func devices() throws(USBError) -> [USBDeviceCandidate] {
        try listDevices(context: ContextPointer(pointer))
    }

    /// Opens the device `candidate` names, found again by bus, port path and address.
    /// Fails with `.noDevice` when it is gone (or was re-plugged with a new address),
    /// `.accessDenied` without permission.
    public func open(_ candidate: USBDeviceCandidate) throws(USBError) -> LibUSBDevice {
        let handle = try withDeviceList(context: pointer) { devices throws(USBError) -> OpaquePointer in
            guard let device = devices.first(where: { makeKey(for: $0) == candidate.key }) else {
                throw .noDevice
            }
            var handle: OpaquePointer?
            try checkLibUSB(libusb_open(device, &handle))
            guard let handle else { throw .noDevice }
            return handle
        }

        // Unsupported on some platforms; claiming then fails with .busy if a kernel driver
        // has claimed the interface.
        _ = libusb_set_auto_detach_kernel_driver(handle, 1)
        events.startIfNeeded()
        return LibUSBDevice(context: self, handle: handle, candidate: candidate)
    }

    // MARK: Hotplug

    /// Starts reporting devices that arrive and leave; replaces a monitor already running.
    ///
    /// Devices present when monitoring starts are not reported. For a complete picture
    /// without a gap, start monitoring first, then call `devices()`, and ignore arrivals
    /// whose key is already known: a device plugged in between would otherwise be missed.
    ///
    /// The closures run on a thread of the monitor, one at a time and in event order,
    /// never inside libusb. They may block, open devices and call `stopMonitoring()`,
    /// but a slow closure delays the events after it. Both closures can name devices the
    /// caller does not expect: libusb 1.0.26 queues hotplug messages, so a callback
    /// registered just after an unplug can still report that removal, and an arrival can
    /// repeat a device the caller already enumerated. Match by key and ignore unknowns.
    public func startMonitoring(
        strategy: USBHotplugStrategy = .automatic,
        onArrival: @escaping @Sendable (USBDeviceCandidate) -> Void,
        onRemoval: @escaping @Sendable (USBDeviceKey) -> Void
    ) throws(USBError) {
        stopMonitoring()
        let monitor = HotplugMonitor(onArrival: onArrival, onRemoval: onRemoval)

        switch strategy {
        case .automatic where supportsHotplugEvents:
            try register(monitor)
        case .automatic:
            try startPolling(monitor, intervalMilliseconds: Self.defaultPollingIntervalMilliseconds)
        case .polling(let intervalMilliseconds):
            try startPolling(monitor, intervalMilliseconds: max(intervalMilliseconds, 1))
        }

        monitorLock.withLock {
            self.monitor = monitor
        }
    }

    /// Stops reporting. Returns after the closure that is running has returned, unless
    /// it is called from inside that closure.
    public func stopMonitoring() {
        let running = monitorLock.withLock { () -> HotplugMonitor? in
            let running = monitor
            monitor = nil
            return running
        }
        guard let running else { return }

        if let handle = running.callbackHandle {
            libusb_hotplug_deregister_callback(pointer, handle)
        }
        running.stop()
    }

    private func register(_ monitor: HotplugMonitor) throws(USBError) {
        monitor.startDelivering()
        events.startIfNeeded()

        let userData = Unmanaged.passRetained(monitor)
        var handle = libusb_hotplug_callback_handle()
        let eventMask = LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue
        let result = libusb_hotplug_register_callback(
            pointer, Int32(eventMask), Int32(LIBUSB_HOTPLUG_NO_FLAGS),
            LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            hotplugCallback, userData.toOpaque(), &handle)

        monitorLock.withLock {
            retiredMonitors.append(userData)
        }
        if result < 0 {
            monitor.stop()
            throw USBError(libusbCode: result)
        }
        monitor.callbackHandle = handle
    }

    private func startPolling(_ monitor: HotplugMonitor, intervalMilliseconds: Int) throws(USBError) {
        let initial = try devices()
        // The closure captures the libusb context, not self: deinit stops the polling
        // thread before it calls libusb_exit.
        let context = ContextPointer(pointer)
        monitor.startPolling(intervalMilliseconds: intervalMilliseconds, initial: initial) {
            () throws(USBError) -> [USBDeviceCandidate] in
            try listDevices(context: context)
        }
    }
}

// MARK: Reading libusb devices

/// A libusb context pointer that may cross threads; libusb contexts are thread-safe.
struct ContextPointer: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }
}

/// Lists the devices of `context` as candidates, leaving out those whose descriptors
/// cannot be read.
func listDevices(context: ContextPointer) throws(USBError) -> [USBDeviceCandidate] {
    try withDeviceList(context: context.pointer) { devices in
        devices.compactMap { makeCandidate(for: $0) }
    }
}

/// Runs `body` with libusb's current device list, which stays valid until it returns.
func withDeviceList<Result>(
    context: OpaquePointer, _ body: ([OpaquePointer]) throws(USBError) -> Result
) throws(USBError) -> Result {
    var list: UnsafeMutablePointer<OpaquePointer?>?
    let count = try checkLibUSB(Int32(clamping: libusb_get_device_list(context, &list)))
    defer { libusb_free_device_list(list, 1) }

    let devices = (0..<Int(count)).compactMap { list?[$0] }
    return try body(devices)
}

/// Builds the key of a libusb device: bus, port path (up to 7 tiers) and address.
func makeKey(for device: OpaquePointer) -> USBDeviceKey {
    var ports = [UInt8](repeating: 0, count: 7)
    let count = libusb_get_port_numbers(device, &ports, Int32(ports.count))
    return USBDeviceKey(
        busNumber: libusb_get_bus_number(device),
        portPath: Array(ports.prefix(Int(max(count, 0)))),
        deviceAddress: libusb_get_device_address(device))
}

/// Builds the candidate for a libusb device; nil when its device descriptor cannot be
/// read. The configuration bytes are empty when the device has no active configuration.
func makeCandidate(for device: OpaquePointer) -> USBDeviceCandidate? {
    var descriptor = libusb_device_descriptor()
    guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return nil }

    var configurationBytes: [UInt8] = []
    var config: UnsafeMutablePointer<libusb_config_descriptor>?
    if libusb_get_active_config_descriptor(device, &config) == 0, let config {
        configurationBytes = configurationDescriptorBytes(config)
        libusb_free_config_descriptor(config)
    }

    let key = makeKey(for: device)
    let info = USBDeviceInfo(
        vendorID: descriptor.idVendor, productID: descriptor.idProduct, deviceRelease: descriptor.bcdDevice,
        busNumber: key.busNumber, deviceAddress: key.deviceAddress,
        manufacturerStringIndex: descriptor.iManufacturer, productStringIndex: descriptor.iProduct,
        serialNumberStringIndex: descriptor.iSerialNumber,
        configurationDescriptor: configurationBytes)
    return USBDeviceCandidate(key: key, info: info)
}
