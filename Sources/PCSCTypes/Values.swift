/// Card protocols, as a set. The raw values are the `SCARD_PROTOCOL_*` bits.
public struct CardProtocols: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// T=0. `SCARD_PROTOCOL_T0`.
    public static let t0 = CardProtocols(rawValue: 0x1)
    /// T=1. `SCARD_PROTOCOL_T1`.
    public static let t1 = CardProtocols(rawValue: 0x2)
    /// Raw access to the reader. `SCARD_PROTOCOL_RAW`.
    public static let raw = CardProtocols(rawValue: 0x4)
    /// T=15. `SCARD_PROTOCOL_T15`.
    public static let t15 = CardProtocols(rawValue: 0x8)
    /// T=0 or T=1. `SCARD_PROTOCOL_ANY`.
    public static let any: CardProtocols = [.t0, .t1]
    /// The pre-1.0 "any" value that pcscd still accepts from old clients.
    public static let legacyAny = CardProtocols(rawValue: 0x1000)

    public var description: String {
        var parts: [String] = []
        if contains(.t0) { parts.append("T=0") }
        if contains(.t1) { parts.append("T=1") }
        if contains(.raw) { parts.append("RAW") }
        if contains(.t15) { parts.append("T=15") }
        if contains(.legacyAny) { parts.append("ANY_OLD") }
        return parts.isEmpty ? "none" : parts.joined(separator: "|")
    }
}

/// The sharing mode of a connection to a card. `SCARD_SHARE_*`.
public enum ShareMode: UInt32, Sendable, CaseIterable {
    /// No other connection may use the card. `SCARD_SHARE_EXCLUSIVE`.
    case exclusive = 1
    /// Other connections may use the card too. `SCARD_SHARE_SHARED`.
    case shared = 2
    /// Access to the reader itself, with or without a card. `SCARD_SHARE_DIRECT`.
    case direct = 3
}

/// The action on the card when a connection or transaction ends. `SCARD_*_CARD`.
public enum Disposition: UInt32, Sendable, CaseIterable {
    /// Leave the card as it is. `SCARD_LEAVE_CARD`.
    case leave = 0
    /// Reset the card (warm reset). `SCARD_RESET_CARD`.
    case reset = 1
    /// Power the card down. `SCARD_UNPOWER_CARD`.
    case unpower = 2
    /// Eject the card, where the reader can. `SCARD_EJECT_CARD`.
    case eject = 3
}

/// The scope of a context. `SCARD_SCOPE_*`.
public enum Scope: UInt32, Sendable, CaseIterable {
    /// `SCARD_SCOPE_USER`.
    case user = 0
    /// `SCARD_SCOPE_TERMINAL`.
    case terminal = 1
    /// `SCARD_SCOPE_SYSTEM`.
    case system = 2
    /// `SCARD_SCOPE_GLOBAL`.
    case global = 3
}

/// The reader and card state bits of `SCARD_READERSTATE.dwCurrentState/dwEventState`.
/// The high 16 bits of those fields carry an event counter and are not part of this set.
public struct ReaderStateFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `SCARD_STATE_UNAWARE` is the empty set.
    public static let unaware: ReaderStateFlags = []
    /// Ignore this reader. `SCARD_STATE_IGNORE`.
    public static let ignore = ReaderStateFlags(rawValue: 0x0001)
    /// The state differs from the state the caller passed in. `SCARD_STATE_CHANGED`.
    public static let changed = ReaderStateFlags(rawValue: 0x0002)
    /// The reader name is not known. `SCARD_STATE_UNKNOWN`.
    public static let unknown = ReaderStateFlags(rawValue: 0x0004)
    /// The state of the reader is not available. `SCARD_STATE_UNAVAILABLE`.
    public static let unavailable = ReaderStateFlags(rawValue: 0x0008)
    /// No card in the reader. `SCARD_STATE_EMPTY`.
    public static let empty = ReaderStateFlags(rawValue: 0x0010)
    /// A card is in the reader. `SCARD_STATE_PRESENT`.
    public static let present = ReaderStateFlags(rawValue: 0x0020)
    /// The card's ATR matches a requested one. `SCARD_STATE_ATRMATCH`.
    public static let atrMatch = ReaderStateFlags(rawValue: 0x0040)
    /// The card is held exclusively by another connection. `SCARD_STATE_EXCLUSIVE`.
    public static let exclusive = ReaderStateFlags(rawValue: 0x0080)
    /// The card is in use by another connection. `SCARD_STATE_INUSE`.
    public static let inUse = ReaderStateFlags(rawValue: 0x0100)
    /// The card does not answer. `SCARD_STATE_MUTE`.
    public static let mute = ReaderStateFlags(rawValue: 0x0200)
    /// The card is not powered. `SCARD_STATE_UNPOWERED`.
    public static let unpowered = ReaderStateFlags(rawValue: 0x0400)
}

/// The card state bits that `SCardStatus` reports and that the daemon publishes for each
/// reader (`SCARD_ABSENT` ... `SCARD_SPECIFIC`).
public struct CardStateFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The reader's state is unknown. `SCARD_UNKNOWN`.
    public static let unknown = CardStateFlags(rawValue: 0x01)
    /// No card in the reader. `SCARD_ABSENT`.
    public static let absent = CardStateFlags(rawValue: 0x02)
    /// A card is in the reader. `SCARD_PRESENT`.
    public static let present = CardStateFlags(rawValue: 0x04)
    /// The card did not answer to reset. `SCARD_SWALLOWED`.
    public static let swallowed = CardStateFlags(rawValue: 0x08)
    /// The card is powered. `SCARD_POWERED`.
    public static let powered = CardStateFlags(rawValue: 0x10)
    /// The card is ready for protocol negotiation. `SCARD_NEGOTIABLE`.
    public static let negotiable = CardStateFlags(rawValue: 0x20)
    /// The card uses a specific protocol. `SCARD_SPECIFIC`.
    public static let specific = CardStateFlags(rawValue: 0x40)
}

/// Sizes and names fixed by the pcsc-lite API.
public enum PCSCLimits {
    /// Maximum ATR length in bytes. `MAX_ATR_SIZE`.
    public static let maxATRSize = 33
    /// Size of a reader name buffer, including the terminating NUL. `MAX_READERNAME`.
    public static let maxReaderName = 128
    /// Maximum short APDU or attribute buffer. `MAX_BUFFER_SIZE`.
    public static let maxBufferSize = 264
    /// Maximum extended APDU buffer: 4 + 3 + 65536 + 3 + 2. `MAX_BUFFER_SIZE_EXTENDED`.
    public static let maxBufferSizeExtended = 65_548
    /// Number of entries in the reader-state array of protocol 4:4 and 4:5.
    /// `PCSCLITE_MAX_READERS_CONTEXTS`.
    public static let fixedReaderArrayCount = 16
    /// The pseudo reader whose state changes when readers come and go, compared
    /// case-insensitively.
    public static let plugAndPlayReaderName: ReaderName = "\\\\?PnP?\\Notification"
    /// The only reader group pcsc-lite reports.
    public static let defaultReaderGroup = "SCard$DefaultReaders"
    /// `INFINITE` timeout for `SCardGetStatusChange`.
    public static let infiniteTimeout: UInt32 = 0xFFFF_FFFF
}

// Embedded Swift interpolates a value without `CustomStringConvertible` as "(cannot print
// value in embedded Swift)", so the enums that log lines show name their cases themselves,
// as normal Swift's reflection does.
extension ShareMode: CustomStringConvertible {
    public var description: String {
        switch self {
        case .exclusive: "exclusive"
        case .shared: "shared"
        case .direct: "direct"
        }
    }
}

extension Disposition: CustomStringConvertible {
    public var description: String {
        switch self {
        case .leave: "leave"
        case .reset: "reset"
        case .unpower: "unpower"
        case .eject: "eject"
        }
    }
}
