import PCSCTypes
import Synchronization

@testable import PCSCDaemon

/// An in-memory slot driver: a card that can be inserted and removed, answers every APDU
/// with its bytes reversed plus 90 00, and counts power operations.
final class FakeSlotDriver: SlotDriver {
    struct State {
        var present = true
        var mute = false
        var powered = false
        var powerUps = 0
        var resets = 0
        var selectedProtocol: CardProtocols = []
        var lostPower = false
    }

    let state = Mutex(State())
    let atr: [UInt8]
    /// Called during each power-up, before it returns, to look at the slot meanwhile.
    let powerUpObserver = Mutex<(@Sendable () -> Void)?>(nil)

    /// An ATR offering T=0 and T=1 (T=0 first, so T=0 is the default protocol).
    static let dualProtocolATR: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]

    init(atr: [UInt8] = dualProtocolATR) {
        self.atr = atr
    }

    func presence() throws(DriverError) -> CardPresence {
        state.withLock { state in
            guard state.present else { return .absent }
            defer { state.lostPower = false }
            return .present(lostPower: state.lostPower)
        }
    }

    func powerUp() throws(DriverError) -> [UInt8] {
        if let observer = powerUpObserver.withLock({ $0 }) { observer() }
        return try state.withLock { state throws(DriverError) in
            guard state.present else { throw .cardAbsent }
            guard !state.mute else { throw .cardMute }
            state.powered = true
            state.powerUps += 1
            return atr
        }
    }

    func reset() throws(DriverError) -> [UInt8] {
        state.withLock { $0.resets += 1 }
        return try powerUp()
    }

    func powerDown() throws(DriverError) {
        state.withLock { $0.powered = false }
    }

    func setProtocol(_ cardProtocol: CardProtocols) throws(DriverError) -> CardProtocols {
        state.withLock { $0.selectedProtocol = cardProtocol }
        return cardProtocol
    }

    func transmit(_ apdu: [UInt8], protocol cardProtocol: CardProtocols) throws(DriverError) -> [UInt8] {
        guard state.withLock({ $0.present }) else { throw .cardAbsent }
        return apdu.reversed() + [0x90, 0x00]
    }

    func control(_ code: ControlCode, input: [UInt8], maxOutput: Int) throws(DriverError) -> [UInt8] {
        guard code == .getFeatureRequest else { throw .notSupported }
        return []
    }

    func attribute(_ id: AttributeID) throws(DriverError) -> [UInt8]? {
        id == .atrString ? atr : nil
    }

    func setAttribute(_ id: AttributeID, value: [UInt8]) throws(DriverError) {
        throw .notSupported
    }

    func insert() { state.withLock { $0.present = true } }
    func remove() { state.withLock { $0.present = false; $0.powered = false } }
}

final class FakeReaderDevice: ReaderDevice {
    let baseName: String
    let driverName = "fake"
    let deviceKey: String
    let fakeSlots: [FakeSlotDriver]
    var slots: [any SlotDriver] { fakeSlots }

    init(name: String = "Fake Reader", slotCount: Int = 1) {
        baseName = name
        deviceKey = name
        fakeSlots = (0..<slotCount).map { _ in FakeSlotDriver() }
    }

    func waitForChange(timeoutMilliseconds: Int) throws(DriverError) -> [Int] {
        Array(fakeSlots.indices)
    }

    func close() {}
}

/// Counts change notifications.
final class ChangeCounter: Sendable {
    private let value = Atomic<Int>(0)
    var count: Int { value.load(ordering: .relaxed) }
    func increment() { value.add(1, ordering: .relaxed) }
}
