import Threading
import USBTransport

/// A USB CCID reader in memory, holding virtual cards, that the CCID driver drives through
/// the same `USBDevice` calls as a real reader.
///
/// Bulk OUT takes PC_to_RDR messages, and bulk IN returns the RDR_to_PC responses, each once
/// it is ready (responses of slow commands become ready later). The interrupt endpoint, when
/// configured, returns RDR_to_PC_NotifySlotChange after cards are inserted or removed; a
/// new device has one notification pending for the slots that start with a card, as real
/// readers send after power-up.
/// Tests and the daemon's control socket change the device through `insertCard`,
/// `removeCard`, `detach` and `injectFault`.
///
/// Thread safety: all state sits behind one lock (`Locked`). Blocked reads wait on condition
/// variables, so any number of threads may call in at once. Bulk and interrupt readers
/// wait on separate ones: a command written to the bulk pipe must not wake the thread
/// parked on the interrupt endpoint, which measurably slowed every exchange.
public final class VirtualCCIDDevice: USBDevice {
    public let info: USBDeviceInfo
    public let configuration: VirtualReaderConfiguration

    private let state: Locked<VirtualDeviceState>
    /// Wakes bulk-IN readers: a command was written, aborted, or the device changed.
    private let bulkSignal = WaitSignal()
    /// Wakes interrupt-IN readers: a card moved, or the device changed.
    private let interruptSignal = WaitSignal()

    public init(configuration: VirtualReaderConfiguration = VirtualReaderConfiguration()) {
        self.configuration = configuration
        self.info = VirtualCCIDDescriptors.deviceInfo(for: configuration)
        self.state = Locked(VirtualDeviceState(configuration: configuration))
    }

    // MARK: Control API

    /// Inserts a fresh, unpowered card into `slot` and raises a slot-change notification.
    public func insertCard(slot: Int = 0) throws(VirtualReaderError) {
        try change { (state) throws(VirtualReaderError) in try state.insertCard(slot: slot) }
    }

    /// Removes the card from `slot` and raises a slot-change notification.
    public func removeCard(slot: Int = 0) throws(VirtualReaderError) {
        try change { (state) throws(VirtualReaderError) in try state.removeCard(slot: slot) }
    }

    /// Arms `fault` on `slot`. Arming a fault again replaces its count.
    public func injectFault(_ fault: VirtualReaderFault, slot: Int = 0) throws(VirtualReaderError) {
        try change { (state) throws(VirtualReaderError) in try state.arm(fault, slot: slot) }
    }

    /// Disarms every fault on `slot`.
    public func clearFaults(slot: Int = 0) throws(VirtualReaderError) {
        try change { (state) throws(VirtualReaderError) in try state.clearFaults(slot: slot) }
    }

    /// Unplugs the device: waiting and later transfers fail with `USBError.noDevice`.
    public func detach() {
        state.withLock { $0.detach() }
        wakeAll()
    }

    /// True once the device was detached, by `detach()` or by the gone-mid-transfer fault.
    public var isDetached: Bool {
        state.withLock { $0.detached }
    }

    /// The state of every slot, indexed by slot number.
    public var slotStates: [VirtualSlotState] {
        state.withLock { state in state.slots.map { $0.state } }
    }

    private func change(_ body: (inout VirtualDeviceState) throws(VirtualReaderError) -> Void) throws(VirtualReaderError) {
        let result: Result<Void, VirtualReaderError> = state.withLock { state in
            do throws(VirtualReaderError) {
                try body(&state)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        wakeAll()
        try result.get()
    }

    private func wakeAll() {
        bulkSignal.broadcast()
        interruptSignal.broadcast()
    }

    // MARK: USBDevice

    public func claimInterface(_ interfaceNumber: UInt8) throws(USBError) {
        try checkPresent()
        guard interfaceNumber == 0 else {
            throw .other(code: -5, message: "interface \(interfaceNumber) not found: the virtual reader has interface 0 only")
        }
    }

    public func releaseInterface(_ interfaceNumber: UInt8) {}

    public func string(at index: UInt8) throws(USBError) -> String {
        try checkPresent()
        guard index != 0 else {
            throw .other(code: -2, message: "string index 0 is the language table, not a string")
        }
        guard let text = VirtualCCIDDescriptors.string(at: index, for: configuration) else { throw .pipe }
        return text
    }

    public func bulkWrite(endpoint: UInt8, data: [UInt8], timeoutMilliseconds: UInt32) throws(USBError) -> Int {
        try checkPresent()
        guard endpoint == VirtualCCIDDescriptors.bulkOutEndpoint else { throw Self.endpointNotFound(endpoint) }

        let now = MonotonicClock.nanoseconds
        let gone = state.withLock { state in
            state.write(data, now: now)
            return state.isGone
        }
        // A command can arm the gone-mid-transfer fault's unplug, which interrupt
        // readers must see too.
        if gone { wakeAll() } else { bulkSignal.broadcast() }
        return data.count
    }

    public func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8] {
        try checkPresent()
        guard endpoint == VirtualCCIDDescriptors.bulkInEndpoint else { throw Self.endpointNotFound(endpoint) }

        let message = try waitFor(timeoutMilliseconds: timeoutMilliseconds, on: bulkSignal) { state, now in
            switch state.read(now: now) {
            case .frame(let bytes): .ready(bytes)
            case .wait(let until): .notBefore(until)
            }
        }
        guard message.count <= maxLength else { throw .overflow }
        return message
    }

    public func interruptRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8] {
        try checkPresent()
        guard configuration.hasInterruptEndpoint, endpoint == VirtualCCIDDescriptors.interruptInEndpoint else {
            throw Self.endpointNotFound(endpoint)
        }

        let message = try waitFor(timeoutMilliseconds: timeoutMilliseconds, on: interruptSignal) { state, _ in
            state.takeNotification().map(WaitStep.ready) ?? .notBefore(nil)
        }
        guard message.count <= maxLength else { throw .overflow }
        return message
    }

    public func controlTransfer(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16,
        data: [UInt8], length: Int, timeoutMilliseconds: UInt32
    ) throws(USBError) -> [UInt8] {
        try checkPresent()

        switch (requestType, request) {
        case (0x21, 0x01):
            let now = MonotonicClock.nanoseconds
            state.withLock { $0.requestAbort(slot: Int(value & 0xFF), now: now) }
            bulkSignal.broadcast()
            return []

        case (0xA1, 0x02):
            return Array(VirtualCCIDDescriptors.littleEndian(VirtualCCIDDescriptors.clockKilohertz).prefix(length))

        case (0xA1, 0x03):
            let rates = [VirtualCCIDDescriptors.defaultDataRate, VirtualCCIDDescriptors.maxDataRate]
            return Array(rates.flatMap(VirtualCCIDDescriptors.littleEndian).prefix(length))

        case (0x80, 0x06):
            guard let descriptor = standardDescriptor(type: UInt8(value >> 8), index: UInt8(value & 0xFF)) else {
                throw .pipe
            }
            return Array(descriptor.prefix(length))

        default:
            throw .pipe
        }
    }

    public func close() {
        state.withLock { $0.close() }
        wakeAll()
    }

    /// Opens the device again after `close()`, as libusb can open a device it closed.
    /// Cards, faults and unread responses stay; a detached device stays gone.
    public func reopen() throws(USBError) {
        let reopened = state.withLock { $0.reopen() }
        guard reopened else { throw .noDevice }
    }

    // MARK: Waiting

    /// One look at the state by a waiting transfer.
    private enum WaitStep {
        /// The transfer completes with these bytes.
        case ready([UInt8])
        /// Nothing yet; look again at the given monotonic time or at the next change.
        case notBefore(UInt64?)
    }

    /// Blocks until `step` returns bytes, the timeout expires (`.timeout`), the device goes
    /// away (`.noDevice`) or it is closed (`.cancelled`).
    private func waitFor(
        timeoutMilliseconds: UInt32, on signal: WaitSignal, _ step: (inout VirtualDeviceState, UInt64) -> WaitStep
    ) throws(USBError) -> [UInt8] {
        let deadline = MonotonicClock.deadline(afterMilliseconds: timeoutMilliseconds)

        while true {
            let generation = signal.generation()
            let now = MonotonicClock.nanoseconds
            let outcome: Result<WaitStep, USBError> = state.withLock { state in
                if state.detached { return .failure(.noDevice) }
                if state.closed { return .failure(.cancelled) }
                return .success(step(&state, now))
            }

            let wakeAt: UInt64?
            switch outcome {
            case .failure(let error): throw error
            case .success(.ready(let bytes)): return bytes
            case .success(.notBefore(let next)): wakeAt = [deadline, next].compactMap { $0 }.min()
            }

            if let deadline, now >= deadline { throw .timeout }
            signal.wait(whileGenerationIs: generation, until: wakeAt)
        }
    }

    private func checkPresent() throws(USBError) {
        if state.withLock({ $0.isGone }) { throw .noDevice }
    }

    private static func endpointNotFound(_ endpoint: UInt8) -> USBError {
        .other(code: -5, message: "endpoint 0x\(String(endpoint, radix: 16)) not found on the virtual reader")
    }

    /// Returns a standard descriptor for GET_DESCRIPTOR: device (1), configuration (2) or
    /// string (3, UTF-16LE; index 0 is the language table with US English only).
    private func standardDescriptor(type: UInt8, index: UInt8) -> [UInt8]? {
        switch type {
        case 1:
            let vendor = VirtualCCIDDescriptors.vendorID
            let product = VirtualCCIDDescriptors.productID
            let release = VirtualCCIDDescriptors.deviceRelease
            return [
                18, 1, 0x00, 0x02, 0, 0, 0, 64,
                UInt8(vendor & 0xFF), UInt8(vendor >> 8), UInt8(product & 0xFF), UInt8(product >> 8),
                UInt8(release & 0xFF), UInt8(release >> 8),
                info.manufacturerStringIndex, info.productStringIndex, info.serialNumberStringIndex, 1,
            ]
        case 2:
            return info.configurationDescriptor
        case 3 where index == 0:
            return [4, 3, 0x09, 0x04]
        case 3:
            guard let text = VirtualCCIDDescriptors.string(at: index, for: configuration) else { return nil }
            let units = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            return [UInt8(2 + units.count), 3] + units
        default:
            return nil
        }
    }
}
