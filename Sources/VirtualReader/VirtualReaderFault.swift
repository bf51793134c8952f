/// A misbehaviour to inject into one slot of a virtual reader, for tests of the host's
/// error handling.
public enum VirtualReaderFault: Sendable, Hashable {
    /// Power-on fails with ICC_MUTE, `count` times, or until the faults are cleared when
    /// `count` is nil.
    case mute(count: Int?)
    /// The next response on the slot comes after `frames` time-extension frames
    /// (bmCommandStatus 2, bError 1).
    case timeExtension(frames: Int)
    /// The next response on the slot comes after `frames` copies of it that carry the
    /// previous bSeq, as late responses to an earlier command would.
    case staleSequence(frames: Int)
    /// The next command on the slot is accepted, then the device disappears, so the read of
    /// its response fails with `USBError.noDevice`.
    case goneMidTransfer
}

/// The faults armed on one slot.
struct SlotFaults: Sendable, Equatable {
    /// Power-ons still to fail; `Int.max` while the mute fault has no count.
    var mutePowerOns = 0
    var timeExtensionFrames = 0
    var staleFrames = 0
    var goneMidTransfer = false

    mutating func arm(_ fault: VirtualReaderFault) {
        switch fault {
        case .mute(let count): mutePowerOns = count ?? Int.max
        case .timeExtension(let frames): timeExtensionFrames = frames
        case .staleSequence(let frames): staleFrames = frames
        case .goneMidTransfer: goneMidTransfer = true
        }
    }

    /// Returns true when this power-on must fail, and counts it.
    mutating func consumeMutePowerOn() -> Bool {
        guard mutePowerOns > 0 else { return false }
        if mutePowerOns != Int.max { mutePowerOns -= 1 }
        return true
    }
}
