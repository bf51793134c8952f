import PCSCTypes

/// A request value that the daemon validates: one of the known cases, or any other raw
/// value from a C caller. Raw values go to the daemon unchanged, so an invalid share mode,
/// disposition or scope gets the daemon's own result (`SCARD_E_INVALID_VALUE` from
/// pcsc-lite's pcscd) in the daemon's order of checks.
///
/// The members are `@inlinable` so that the C export layer gets code specialized for each
/// `Known` type. Called generically across the module boundary, `init(rawValue:)` needed
/// `Optional<Known>` metadata at run time: about 35 000 instructions on the first
/// `SCardEstablishContext` of a process (callgrind).
public enum DaemonValidated<Known: RawRepresentable & Sendable>: Sendable, Equatable
where Known.RawValue == UInt32 {
    /// One of the values the API defines.
    case known(Known)
    /// A value outside the API's cases.
    case other(UInt32)

    @inlinable
    public init(rawValue: UInt32) {
        if let known = Known(rawValue: rawValue) {
            self = .known(known)
        } else {
            self = .other(rawValue)
        }
    }

    @inlinable
    public var rawValue: UInt32 {
        switch self {
        case .known(let value): value.rawValue
        case .other(let value): value
        }
    }

    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue == rhs.rawValue
    }
}

/// Protocol control information for `transmit` (`SCARD_IO_REQUEST`): the protocol and the
/// length of the structure, which drivers use to find extra PCI bytes.
public struct IORequest: Sendable, Hashable {
    /// `sizeof(SCARD_IO_REQUEST)` on 64-bit Linux.
    public static let standardLength: UInt32 = 16

    public var cardProtocol: CardProtocols
    public var length: UInt32

    public init(cardProtocol: CardProtocols, length: UInt32 = standardLength) {
        self.cardProtocol = cardProtocol
        self.length = length
    }

    /// `SCARD_PCI_T0`.
    public static let t0 = IORequest(cardProtocol: .t0)
    /// `SCARD_PCI_T1`.
    public static let t1 = IORequest(cardProtocol: .t1)
    /// `SCARD_PCI_RAW`.
    public static let raw = IORequest(cardProtocol: .raw)
    /// What pcsc-lite sends as the receive PCI when the caller passes none.
    public static let anyProtocol = IORequest(cardProtocol: .any)
}
