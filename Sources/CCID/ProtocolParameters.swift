/// The protocol data structure of PC_to_RDR_SetParameters and RDR_to_PC_Parameters
/// (CCID 1.1 §6.1.7).
public enum ProtocolParameters: Sendable, Hashable {
    /// T=0, `bProtocolNum` 0, 5 bytes.
    case t0(T0Parameters)
    /// T=1, `bProtocolNum` 1, 7 bytes.
    case t1(T1Parameters)
    /// Any other `bProtocolNum` (synchronous protocols), kept as received.
    case other(protocolNumber: UInt8, data: [UInt8])

    /// `bProtocolNum`.
    public var protocolNumber: UInt8 {
        switch self {
        case .t0: 0
        case .t1: 1
        case .other(let number, _): number
        }
    }

    /// The structure's bytes.
    public var bytes: [UInt8] {
        switch self {
        case .t0(let parameters): parameters.bytes
        case .t1(let parameters): parameters.bytes
        case .other(_, let data): data
        }
    }

    /// Decodes a structure; T=0 and T=1 structures of the wrong size are kept as `.other`.
    public init(protocolNumber: UInt8, data: [UInt8]) {
        if protocolNumber == 0 && data.count == 5 {
            self = .t0(T0Parameters(bytes: data))
        } else if protocolNumber == 1 && data.count == 7 {
            self = .t1(T1Parameters(bytes: data))
        } else {
            self = .other(protocolNumber: protocolNumber, data: data)
        }
    }
}

/// The T=0 protocol data structure.
public struct T0Parameters: Sendable, Hashable {
    /// `bmFindexDindex`: Fi in the high nibble, Di in the low nibble (TA1 coding).
    public var findexDindex: UInt8
    /// `bmTCCKST0`: 0x00 direct convention, 0x02 inverse.
    public var convention: UInt8
    /// `bGuardTimeT0`: extra guard time (TC1).
    public var guardTime: UInt8
    /// `bWaitingIntegerT0`: WI (TC2).
    public var waitingInteger: UInt8
    /// `bClockStop`: 0 not allowed, 1 low, 2 high, 3 either.
    public var clockStop: UInt8

    public init(findexDindex: UInt8 = 0x11, convention: UInt8 = 0, guardTime: UInt8 = 0, waitingInteger: UInt8 = 10, clockStop: UInt8 = 0) {
        self.findexDindex = findexDindex
        self.convention = convention
        self.guardTime = guardTime
        self.waitingInteger = waitingInteger
        self.clockStop = clockStop
    }

    init(bytes: [UInt8]) {
        self.init(findexDindex: bytes[0], convention: bytes[1], guardTime: bytes[2], waitingInteger: bytes[3], clockStop: bytes[4])
    }

    public var bytes: [UInt8] { [findexDindex, convention, guardTime, waitingInteger, clockStop] }
}

/// The T=1 protocol data structure.
public struct T1Parameters: Sendable, Hashable {
    /// `bmFindexDindex`: Fi in the high nibble, Di in the low nibble (TA1 coding).
    public var findexDindex: UInt8
    /// `bmTCCKST1`: 0x10, plus bit 0 for CRC and bit 1 for inverse convention.
    public var checksumAndConvention: UInt8
    /// `bGuardTimeT1`: extra guard time (TC1).
    public var guardTime: UInt8
    /// `bmWaitingIntegersT1`: BWI in the high nibble, CWI in the low nibble.
    public var waitingIntegers: UInt8
    /// `bClockStop`.
    public var clockStop: UInt8
    /// `bIFSC`.
    public var ifsc: UInt8
    /// `bNadValue`.
    public var nad: UInt8

    public init(
        findexDindex: UInt8 = 0x11, checksumAndConvention: UInt8 = 0x10, guardTime: UInt8 = 0,
        waitingIntegers: UInt8 = 0x4D, clockStop: UInt8 = 0, ifsc: UInt8 = 0x20, nad: UInt8 = 0
    ) {
        self.findexDindex = findexDindex
        self.checksumAndConvention = checksumAndConvention
        self.guardTime = guardTime
        self.waitingIntegers = waitingIntegers
        self.clockStop = clockStop
        self.ifsc = ifsc
        self.nad = nad
    }

    init(bytes: [UInt8]) {
        self.init(
            findexDindex: bytes[0], checksumAndConvention: bytes[1], guardTime: bytes[2],
            waitingIntegers: bytes[3], clockStop: bytes[4], ifsc: bytes[5], nad: bytes[6])
    }

    public var bytes: [UInt8] {
        [findexDindex, checksumAndConvention, guardTime, waitingIntegers, clockStop, ifsc, nad]
    }
}
