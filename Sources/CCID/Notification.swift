/// A message from the interrupt IN endpoint.
public enum CCIDNotification: Sendable, Hashable {
    /// `RDR_to_PC_NotifySlotChange`: per slot, whether a card is present and whether that
    /// changed since the last notification.
    case slotChange(SlotChangeNotification)
    /// `RDR_to_PC_HardwareError` for a slot; code 0x01 is over-current.
    case hardwareError(slot: UInt8, sequence: UInt8, code: UInt8)

    /// Decodes an interrupt transfer. `slotCount` bounds the slots reported.
    public init(bytes: [UInt8], slotCount: Int) throws(CCIDMessageError) {
        guard let type = bytes.first else { throw .tooShort(0) }

        switch CCIDMessageType(rawValue: type) {
        case .notifySlotChange:
            let needed = 1 + (slotCount + 3) / 4
            guard bytes.count >= needed else { throw .lengthMismatch(declared: needed, actual: bytes.count) }
            self = .slotChange(SlotChangeNotification(bitmap: Array(bytes[1..<needed]), slotCount: slotCount))
        case .hardwareError:
            guard bytes.count >= 4 else { throw .lengthMismatch(declared: 4, actual: bytes.count) }
            self = .hardwareError(slot: bytes[1], sequence: bytes[2], code: bytes[3])
        default:
            throw .unknownMessageType(type)
        }
    }
}

/// The decoded `bmSlotICCState` of a NotifySlotChange: two bits per slot, slot n in byte
/// n/4, bit 2·(n mod 4) = card present, the next bit = changed.
public struct SlotChangeNotification: Sendable, Hashable {
    /// Slots that hold a card.
    public var presentSlots: Set<Int>
    /// Slots whose state changed since the previous notification.
    public var changedSlots: Set<Int>

    public init(presentSlots: Set<Int>, changedSlots: Set<Int>) {
        self.presentSlots = presentSlots
        self.changedSlots = changedSlots
    }

    init(bitmap: [UInt8], slotCount: Int) {
        presentSlots = []
        changedSlots = []
        for slot in 0..<slotCount {
            let bits = bitmap[slot / 4] >> UInt8(2 * (slot % 4))
            if bits & 0x01 != 0 { presentSlots.insert(slot) }
            if bits & 0x02 != 0 { changedSlots.insert(slot) }
        }
    }

    /// Encodes the `bmSlotICCState` bytes for `slotCount` slots.
    public func bitmap(slotCount: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (slotCount + 3) / 4)
        for slot in 0..<slotCount {
            var bits: UInt8 = 0
            if presentSlots.contains(slot) { bits |= 0x01 }
            if changedSlots.contains(slot) { bits |= 0x02 }
            bytes[slot / 4] |= bits << UInt8(2 * (slot % 4))
        }
        return bytes
    }
}
