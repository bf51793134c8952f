import CCID
import PCSCTypes
import PCSCWire
import Threading

/// Every reader the daemon serves, at its reader-array index, plus the card handles that
/// point to them and the reader add/remove counter of protocol 4:5.
final class ReaderRegistry: Sendable {
    struct DeviceEntry {
        let device: any ReaderDevice
        let slots: [ReaderSlot]
        /// The "XX" number in the reader names of this device.
        let deviceNumber: Int
    }

    struct State {
        var slots: [ReaderSlot?] = []
        var devices: [ObjectIdentifier: DeviceEntry] = [:]
        var cards: [UInt32: ReaderSlot] = [:]
        /// Starts at 1, +1 per device added or removed, wrapping from 32767 back to 1.
        var readerEvents: UInt32 = 1
        /// Reader-array size reported to 4:6 clients: at least 16, never shrinks.
        var capacity = PCSCLimits.fixedReaderArrayCount
    }

    private let state = Locked(State())
    private let onChange: @Sendable () -> Void

    /// Readers served at once. pcsc-lite 2.5 has no limit; its clients, and ours, accept
    /// reader arrays of at most 4096 entries, so more readers would break every client.
    static let maxReaders = 4096

    init(onChange: @escaping @Sendable () -> Void) {
        self.onChange = onChange
    }

    var readerEvents: UInt32 { state.withLock { $0.readerEvents } }
    var capacity: Int { state.withLock { $0.capacity } }
    var readerCount: Int { state.withLock { $0.slots.compactMap { $0 }.count } }

    /// Publishes a device's slots after their first card check. Names follow pcscd:
    /// `<base> XX YY`, XX the lowest number unused by readers of the same driver, YY the slot.
    /// Returns nil, publishing nothing, when the device's slots would exceed `maxReaders`.
    @discardableResult
    func add(_ device: any ReaderDevice) -> [ReaderSlot]? {
        let slots = state.withLock { state -> [ReaderSlot]? in
            let used = state.slots.lazy.filter { $0 != nil }.count
            guard used + device.slots.count <= Self.maxReaders else { return nil }
            let number = Self.freeDeviceNumber(for: device, in: state)
            let base = ReaderNaming.truncated(device.baseName, toBytes: ReaderNaming.maxBaseNameLength)
            var created: [ReaderSlot] = []
            for (slotNumber, driver) in device.slots.enumerated() {
                let index = state.slots.firstIndex(where: { $0 == nil }) ?? state.slots.count
                let name = base + " " + hex(number, width: 2) + " " + hex(slotNumber, width: 2)
                let slot = ReaderSlot(name: name, index: index, driver: driver, onChange: onChange)
                if index == state.slots.count { state.slots.append(slot) } else { state.slots[index] = slot }
                created.append(slot)
            }
            state.devices[device.objectIdentifier] = DeviceEntry(device: device, slots: created, deviceNumber: number)
            state.capacity = max(state.capacity, state.slots.count)
            return created
        }
        guard let slots else { return nil }

        for slot in slots {
            slot.refreshPresence()
        }
        state.withLock { $0.readerEvents = Self.nextReaderEvent($0.readerEvents) }
        for slot in slots {
            log.info("Reader added: \(slot.name) (index \(slot.index))")
        }
        onChange()
        return slots
    }

    /// Removes a device's readers. Their handles stay as orphans until disconnected.
    func remove(_ device: any ReaderDevice) {
        let removed = state.withLock { state -> [ReaderSlot] in
            guard let entry = state.devices.removeValue(forKey: device.objectIdentifier) else { return [] }
            for slot in entry.slots {
                state.slots[slot.index] = nil
            }
            state.readerEvents = Self.nextReaderEvent(state.readerEvents)
            return entry.slots
        }
        guard !removed.isEmpty else { return }
        for slot in removed {
            slot.markRemoved()
            log.info("Reader removed: \(slot.name)")
        }
        device.close()
        onChange()
    }

    var devices: [any ReaderDevice] {
        state.withLock { $0.devices.values.map { $0.device } }
    }

    func slots(of device: any ReaderDevice) -> [ReaderSlot] {
        state.withLock { $0.devices[device.objectIdentifier]?.slots ?? [] }
    }

    /// Finds a reader by its exact name.
    func slot(named name: String) -> ReaderSlot? {
        state.withLock { state in
            state.slots.lazy.compactMap { $0 }.first { $0.name == name }
        }
    }

    func slot(forCard card: UInt32) -> ReaderSlot? {
        state.withLock { $0.cards[card] }
    }

    func register(card: UInt32, slot: ReaderSlot) {
        state.withLock { $0.cards[card] = slot }
    }

    func unregister(card: UInt32) {
        state.withLock { _ = $0.cards.removeValue(forKey: card) }
    }

    /// Returns the first `count` entries of the reader array, with empty entries for unused indexes.
    func entries(count: Int) -> [ReaderStateEntry] {
        let slots = state.withLock { $0.slots }
        return (0..<count).map { index in
            guard index < slots.count, let slot = slots[index] else { return .empty }
            return slot.entry
        }
    }

    private static func nextReaderEvent(_ value: UInt32) -> UInt32 {
        value >= 32767 ? 1 : value + 1
    }

    private static func freeDeviceNumber(for device: any ReaderDevice, in state: State) -> Int {
        let used = Set(state.devices.values.filter { $0.device.driverName == device.driverName }.map { $0.deviceNumber })
        var number = 0
        while used.contains(number) { number += 1 }
        return number
    }
}
