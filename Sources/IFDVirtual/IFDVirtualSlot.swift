import VirtualCard
import VirtualReader

/// The protocol of one IFDHTransmitToICC call, from `SCARD_IO_HEADER.Protocol`.
///
/// pcscd 1.9.9 passes 0 for T=0, 1 for T=1 and 4 for RAW. The value 2 (the
/// `SCARD_PROTOCOL_T1` bit) is read as T=1 too, for callers that pass the bit mask.
public enum IFDTransmitProtocol: Sendable, Equatable {
    /// T=0: the bytes are a T=0 TPDU.
    case t0
    /// T=1: the bytes are an APDU.
    case t1
    /// RAW: the bytes go to the card unchanged and are processed as an APDU.
    case raw

    public init?(headerValue: UInt) {
        switch headerValue {
        case 0: self = .t0
        case 1, 2: self = .t1
        case 4: self = .raw
        default: return nil
        }
    }
}

/// The single slot of one IFD handler reader (one LUN): the card, its power state and the
/// faults armed through the control socket. A value type without I/O.
public struct IFDVirtualSlot: Sendable {
    private(set) var card: VirtualCard?
    private(set) var powered = false
    /// The ATR of the last power-up; empty while unpowered.
    public private(set) var atr: [UInt8] = []
    /// The protocol chosen by IFDHSetProtocolParameters (1 = T=0, 2 = T=1), 0 before.
    public private(set) var selectedProtocol: UInt32 = 0
    /// Power-ups still to fail; `Int.max` while the mute fault has no count.
    private var mutePowerUps = 0
    /// Set by a removal and cleared by the next presence check, which then reports the card
    /// absent even when a new one was inserted in between, so pcscd never misses a removal.
    private var removalPending = false

    public init(cardPresent: Bool = true) {
        card = cardPresent ? VirtualCard() : nil
    }

    public var state: VirtualSlotState {
        guard card != nil else { return .absent }
        return powered ? .powered : .present
    }

    /// Puts a fresh, unpowered card into the slot.
    public mutating func insertCard() throws(VirtualReaderError) {
        guard card == nil else { throw .cardAlreadyPresent(slot: 0) }
        card = VirtualCard()
    }

    public mutating func removeCard() throws(VirtualReaderError) {
        guard card != nil else { throw .noCard(slot: 0) }
        card = nil
        powerDown()
        removalPending = true
    }

    /// Arms a fault. The IFD handler has no CCID messages, so only `mute` applies.
    public mutating func arm(_ fault: VirtualReaderFault) -> Bool {
        guard case .mute(let count) = fault else { return false }
        mutePowerUps = count ?? Int.max
        return true
    }

    public mutating func clearFaults() {
        mutePowerUps = 0
    }

    /// IFDHICCPresence.
    public mutating func presence() -> IFDResponseCode {
        if removalPending {
            removalPending = false
            return .iccNotPresent
        }
        return card == nil ? .iccNotPresent : .iccPresent
    }

    /// IFD_POWER_UP and IFD_RESET: returns the ATR, or fails without a card or while muted.
    public mutating func powerUp() -> Result<[UInt8], IFDResponseCode> {
        guard card != nil else { return .failure(.powerActionFailed) }
        if mutePowerUps > 0 {
            if mutePowerUps != Int.max { mutePowerUps -= 1 }
            powerDown()
            return .failure(.powerActionFailed)
        }

        atr = card!.reset()
        powered = true
        selectedProtocol = 0
        return .success(atr)
    }

    /// IFD_POWER_DOWN.
    public mutating func powerDown() {
        powered = false
        atr = []
        selectedProtocol = 0
    }

    /// IFDHSetProtocolParameters: accepts T=0 and T=1, and a PTS1 the card supports.
    public mutating func setProtocol(_ protocolMask: UInt, negotiatePTS1: Bool, pts1: UInt8) -> IFDResponseCode {
        guard powered else { return .communicationError }
        guard protocolMask == 1 || protocolMask == 2 else { return .protocolNotSupported }
        if negotiatePTS1 && !CardATR.supportsSpeed(fiDi: pts1) { return .ptsFailure }
        selectedProtocol = UInt32(protocolMask)
        return .success
    }

    /// IFDHTransmitToICC: processes `command` with the card and returns its response.
    public mutating func transmit(_ command: [UInt8], protocol: IFDTransmitProtocol) -> Result<CardResponse, IFDResponseCode> {
        guard card != nil else { return .failure(.iccNotPresent) }
        guard powered else { return .failure(.communicationError) }

        switch `protocol` {
        case .t0: return .success(card!.processT0(command))
        case .t1, .raw: return .success(card!.process(command))
        }
    }
}
