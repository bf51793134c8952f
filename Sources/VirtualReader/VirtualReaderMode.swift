/// The CCID exchange level a virtual reader presents, with the descriptor values that go
/// with it. The raw values are the names used by the control protocol.
public enum VirtualReaderMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// TPDU level, T=0 only: each XfrBlock carries one T=0 TPDU and the card answers through
    /// `VirtualCard.processT0`, so 61xx and 6Cxx reach the host.
    case tpduT0 = "tpdu-t0"
    /// TPDU level, T=0 and T=1: the slot speaks the protocol chosen by the last PPS or
    /// SetParameters. In T=1 each XfrBlock carries one T=1 block and the reader plays the
    /// card's side of the block protocol.
    case tpduT1 = "tpdu-t1"
    /// Short APDU level: one XfrBlock carries one whole APDU and its whole response.
    case shortAPDU = "short-apdu"
    /// Extended APDU level: APDUs and responses longer than a message are chained with
    /// wLevelParameter and bChainParameter.
    case extendedAPDU = "extended-apdu"

    public var description: String { rawValue }

    /// The exchange level bits of dwFeatures.
    var exchangeLevel: UInt32 {
        switch self {
        case .tpduT0, .tpduT1: 0x0001_0000
        case .shortAPDU: 0x0002_0000
        case .extendedAPDU: 0x0004_0000
        }
    }

    /// dwFeatures.
    ///
    /// TPDU modes: automatic parameters from the ATR (0x02), voltage (0x08), clock (0x10),
    /// baud rate (0x20) and PPS (0x80); the host still sends SetParameters and, for T=1, its
    /// S(IFS request). APDU modes add automatic activation (0x04), the reader's own
    /// parameter negotiation (0x40) and automatic IFSD exchange (0x400), so the host sends
    /// neither PPS nor SetParameters.
    public var features: UInt32 {
        switch self {
        case .tpduT0, .tpduT1: exchangeLevel | 0xBA
        case .shortAPDU, .extendedAPDU: exchangeLevel | 0x4FE
        }
    }

    /// dwProtocols: T=0 only for `tpduT0`, T=0 and T=1 otherwise.
    public var protocols: UInt32 {
        self == .tpduT0 ? 0x01 : 0x03
    }

    /// True when the host runs the transport protocol and the reader passes TPDUs.
    var isTPDU: Bool { self == .tpduT0 || self == .tpduT1 }

    /// The text of the interface string descriptor, which ends up in the reader name.
    var interfaceName: String {
        switch self {
        case .tpduT0: "TPDU T=0"
        case .tpduT1: "TPDU T=1"
        case .shortAPDU: "Short APDU"
        case .extendedAPDU: "Extended APDU"
        }
    }
}
