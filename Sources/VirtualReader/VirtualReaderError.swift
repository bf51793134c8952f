/// Errors of the virtual reader's control API.
public enum VirtualReaderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The slot number is not below the reader's slot count.
    case slotOutOfRange(slot: Int, slotCount: Int)
    /// `insertCard` on a slot that already contains a card.
    case cardAlreadyPresent(slot: Int)
    /// `removeCard` on an empty slot.
    case noCard(slot: Int)
    /// The reader was detached and accepts no more changes.
    case detached

    public var description: String {
        switch self {
        case .slotOutOfRange(let slot, let slotCount):
            "slot \(slot) does not exist: the reader has \(slotCount) slot(s), numbered from 0"
        case .cardAlreadyPresent(let slot):
            "slot \(slot) already holds a card: remove it first"
        case .noCard(let slot):
            "slot \(slot) holds no card: insert one first"
        case .detached:
            "the reader is detached: attach a new one"
        }
    }
}
