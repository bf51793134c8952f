import CCID
import Glibc
import Threading
import USBTransport
import VirtualReader

/// Finds reader devices, publishes them in the registry and watches them: virtual
/// readers (start-up option and control socket) and USB readers.
final class ReaderManager: Sendable {
    struct State {
        /// Virtual readers by their control-protocol number.
        var virtualDevices: [Int: VirtualCCIDDevice] = [:]
        /// USB devices with published readers, by bus position.
        var usbDevices: [USBDeviceKey: [CCIDReaderDevice]] = [:]
        /// USB devices without a CCID interface, so rescans skip them quickly.
        var otherUSBDevices: Set<USBDeviceKey> = []
        /// Devices whose monitor thread should stop.
        var stopping: Set<ObjectIdentifier> = []
        var isStopped = false
    }

    let daemon: Daemon
    let options: DaemonOptions
    /// Reader naming with libccid's list, read when the first reader appears.
    private let namingCache = Locked<ReaderNaming?>(nil)
    let state = Locked(State())
    let usb: LibUSBContext?
    private let controlServer = Locked<ControlSocketServer?>(nil)

    /// How long a monitor waits for a slot-change notification before checking whether
    /// it should stop.
    static let monitorWaitMilliseconds = 2000
    /// Slots a reader may have; the CCID descriptor allows 256, real multi-slot readers
    /// have at most 8, and a nonsense value would flood the reader list.
    static let maxSlotsPerReader = 16
    /// Virtual readers at once; their numbers (0-999) are control-protocol addresses.
    static let maxVirtualReaders = 1000

    init(daemon: Daemon, options: DaemonOptions) {
        self.daemon = daemon
        self.options = options
        do {
            usb = try LibUSBContext()
        } catch {
            log.info("USB readers are not available (libusb: \(error)); only virtual readers are served")
            usb = nil
        }
    }

    /// Creates the virtual readers, serves their control socket and starts watching USB.
    /// Returns why the daemon cannot start (the control socket failed), or nil.
    func start() -> String? {
        let mode = VirtualReaderMode(rawValue: options.virtualMode) ?? .tpduT1
        for _ in 0..<options.virtualReaders {
            if case .error(let message) = attachVirtualReader(AttachOptions(mode: mode)) {
                log.error("Cannot create a virtual reader: \(message)")
            }
        }
        if let path = options.virtualControlPath, let problem = startControlServer(path: path) {
            return problem
        }
        startUSB()
        return nil
    }

    func stop() {
        state.withLock { $0.isStopped = true }
        usb?.stopMonitoring()
        controlServer.withLock { server in
            server?.stop()
            server = nil
        }
    }

    // MARK: Reader devices

    /// Opens every CCID interface of `usbDevice`, publishes the readers and starts their
    /// monitors. Returns the devices added; logs and skips interfaces that fail.
    @discardableResult
    func addCCIDDevice(_ usbDevice: any USBDevice, key: String) -> [CCIDReaderDevice] {
        var added: [CCIDReaderDevice] = []
        for interface in CCIDInterface.ccidInterfaces(in: usbDevice.info) {
            let reader: CCIDReader
            do {
                reader = try CCIDReader(
                    device: usbDevice, interface: interface,
                    options: CCIDReaderOptions(warningHandler: { log.info($0) }))
            } catch {
                log.error("Cannot use USB device \(key) interface \(interface.interfaceNumber): \(error)")
                continue
            }
            guard reader.slotCount <= Self.maxSlotsPerReader else {
                log.error(
                    "Cannot use USB device \(key) interface \(interface.interfaceNumber): it declares "
                        + "\(reader.slotCount) slots, more than the \(Self.maxSlotsPerReader) this daemon accepts")
                reader.close()
                continue
            }
            let device = CCIDReaderDevice(
                reader: reader, usbDevice: usbDevice, baseName: baseName(of: reader),
                deviceKey: key + ":\(interface.interfaceNumber)")
            guard daemon.registry.add(device) != nil else {
                log.error("Cannot add USB device \(key): the daemon already serves \(ReaderRegistry.maxReaders) readers")
                reader.close()
                continue
            }
            startMonitor(device)
            added.append(device)
        }
        return added
    }

    var naming: ReaderNaming {
        namingCache.withLock { cache in
            if let naming = cache { return naming }
            let naming = ReaderNaming(
                readerList: SupportedReaderList.installedBundles(),
                includesInterfaceName: !options.readerNameWithoutInterface,
                includesSerialNumber: !options.readerNameWithoutSerial)
            cache = naming
            return naming
        }
    }

    private func baseName(of reader: CCIDReader) -> String {
        naming.baseName(
            product: reader.configuration.product, manufacturer: reader.strings.manufacturer,
            productName: reader.strings.product, interfaceName: reader.strings.interface,
            serialNumber: reader.strings.serialNumber)
    }

    /// Watches a device for card movement until it is gone or the daemon stops.
    private func startMonitor(_ device: any ReaderDevice) {
        let registry = daemon.registry
        spawnThread(name: "monitor") { [self] in
            while !state.withLock({ $0.isStopped }) {
                let changed: [Int]
                do throws(DriverError) {
                    changed = try device.waitForChange(timeoutMilliseconds: Self.monitorWaitMilliseconds)
                } catch .deviceGone {
                    break
                } catch {
                    log.error("Reader \(device.baseName): waiting for card events failed: \(error)")
                    MonotonicClock.sleep(milliseconds: 1000)
                    continue
                }
                if !refresh(registry.slots(of: device), changed) { break }
            }
            if !state.withLock({ $0.isStopped }) {
                registry.remove(device)
            }
        }
    }

    /// Re-checks the given slots and powers idle cards down; returns false when the
    /// device is gone.
    private func refresh(_ slots: [ReaderSlot], _ changed: [Int]) -> Bool {
        for index in changed where index < slots.count {
            if !slots[index].refreshPresence() { return false }
        }
        for slot in slots {
            slot.powerOffIfIdle()
        }
        return true
    }

    // MARK: Virtual readers

    private func attachVirtualReader(_ request: AttachOptions) -> ControlReply {
        let number = state.withLock { state -> Int in
            var number = 0
            while state.virtualDevices[number] != nil { number += 1 }
            return number
        }
        guard number < Self.maxVirtualReaders else {
            return .error("\(Self.maxVirtualReaders) virtual readers exist already; detach one first")
        }
        var configuration = request.configuration(
            serialNumber: "VC" + zeroPadded(number, width: 4), busNumber: 0,
            deviceAddress: UInt8(truncatingIfNeeded: number + 1))
        configuration.cardsInserted = Set(0..<configuration.slotCount)
        let device = VirtualCCIDDevice(configuration: configuration)
        state.withLock { $0.virtualDevices[number] = device }

        if addCCIDDevice(device, key: "virtual:\(number)").isEmpty {
            state.withLock { _ = $0.virtualDevices.removeValue(forKey: number) }
            return .error("the virtual reader \(number) could not be opened; see the daemon log")
        }
        return .attached(reader: number)
    }

    /// Serves the control protocol on `path`; returns why it cannot, or nil.
    private func startControlServer(path: String) -> String? {
        do {
            let server = try ControlSocketServer(path: path, logError: { log.error($0) }) { [self] line in
                handleControlLine(line)
            }
            try server.start()
            controlServer.withLock { $0 = server }
            log.info("Virtual reader control protocol on \(path)")
            return nil
        } catch {
            return "Cannot serve the virtual reader control protocol: \(error); give --virtual-control a path in an existing directory"
        }
    }

    private func handleControlLine(_ line: String) -> String {
        let reply: ControlReply
        do {
            reply = execute(try ControlRequest(parsing: line))
        } catch {
            reply = .error("\(error)")
        }
        log.debug("Virtual reader control: \(line) -> \(reply)")
        return reply.description
    }

    private func execute(_ request: ControlRequest) -> ControlReply {
        do throws(VirtualReaderError) {
            switch request {
            case .attach(let options):
                return attachVirtualReader(options)
            case .detach(let number):
                guard let device = virtualDevice(number) else { return unknownReader(number) }
                state.withLock { _ = $0.virtualDevices.removeValue(forKey: number) }
                device.detach()
                return .ok
            case .insert(let address):
                guard let device = virtualDevice(address.reader) else { return unknownReader(address.reader) }
                try device.insertCard(slot: address.slot)
            case .remove(let address):
                guard let device = virtualDevice(address.reader) else { return unknownReader(address.reader) }
                try device.removeCard(slot: address.slot)
            case .fault(let address, let fault):
                guard let device = virtualDevice(address.reader) else { return unknownReader(address.reader) }
                try device.injectFault(fault, slot: address.slot)
            case .clearFaults(let address):
                guard let device = virtualDevice(address.reader) else { return unknownReader(address.reader) }
                try device.clearFaults(slot: address.slot)
            case .list:
                return .listing(listing())
            }
            return .ok
        } catch {
            return .error("\(error)")
        }
    }

    private func virtualDevice(_ number: Int) -> VirtualCCIDDevice? {
        state.withLock { $0.virtualDevices[number] }
    }

    private func unknownReader(_ number: Int) -> ControlReply {
        let known = state.withLock { $0.virtualDevices.keys.sorted() }
        let list = known.isEmpty ? "none" : known.map(String.init).joined(separator: ", ")
        return .error("no virtual reader \(number); the virtual readers are: \(list)")
    }

    private func listing() -> [SlotListing] {
        let devices = state.withLock { $0.virtualDevices }
        return devices.keys.sorted().flatMap { number in
            devices[number]!.slotStates.enumerated().map { slot, state in
                SlotListing(address: VirtualSlotAddress(reader: number, slot: slot), state: state)
            }
        }
    }
}

private func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
