import PCSCTypes

/// The error detection code of T=1 blocks.
public enum T1ErrorDetection: Sendable, Hashable {
    /// 1-byte longitudinal redundancy check (XOR).
    case lrc
    /// 2-byte CRC.
    case crc

    /// Size of the EDC field in bytes.
    public var length: Int { self == .lrc ? 1 : 2 }
}

/// The specific mode announced by TA2.
public struct SpecificMode: Sendable, Hashable {
    /// The only protocol the card offers (low nibble of TA2).
    public var protocolNumber: UInt8
    /// Bit 5: the card uses implicit parameters instead of those of TA1.
    public var usesImplicitParameters: Bool
    /// Bit 8 clear: the card can switch between negotiable and specific mode.
    public var canChangeMode: Bool
}

/// The T=1 parameters of the ATR, with ISO 7816-3 defaults for absent bytes.
public struct ATRT1Parameters: Sendable, Hashable {
    /// IFSC: the card's maximum information field size (1–254, default 32).
    public var ifsc: Int
    /// BWI: block waiting time integer (default 4).
    public var blockWaitingInteger: UInt8
    /// CWI: character waiting time integer (default 13).
    public var characterWaitingInteger: UInt8
    /// LRC or CRC (default LRC).
    public var errorDetection: T1ErrorDetection
    /// TBi as received, or nil when the ATR has no T=1 TB byte.
    public var waitingIntegersByte: UInt8?

    /// `bmWaitingIntegersT1` for SetParameters: TBi, or 0x4D (BWI 4, CWI 13).
    public var waitingIntegers: UInt8 { blockWaitingInteger << 4 | characterWaitingInteger }
}

extension ATR {
    /// Fi for each TA1 high nibble; nil marks reserved values.
    static let clockRateConversionTable: [Int?] = [
        372, 372, 558, 744, 1116, 1488, 1860, nil, nil, 512, 768, 1024, 1536, 2048, nil, nil,
    ]
    /// f(max) in kHz for each TA1 high nibble.
    static let maximumClockTable: [Int?] = [
        4000, 5000, 6000, 8000, 12000, 16000, 20000, nil, nil, 5000, 7500, 10000, 15000, 20000, nil, nil,
    ]
    /// Di for each TA1 low nibble; nil marks reserved values.
    static let bitRateAdjustmentTable: [Int?] = [
        nil, 1, 2, 4, 8, 16, 32, 64, 12, 20, nil, nil, nil, nil, nil, nil,
    ]

    /// Returns interface byte TAi, TBi, TCi or TDi for i ≥ 1 (`group` is i).
    func groupBytes(_ group: Int) -> InterfaceByteGroup? {
        group >= 1 && group <= interfaceBytes.count ? interfaceBytes[group - 1] : nil
    }

    public var ta1: UInt8? { groupBytes(1)?.ta }
    public var tb1: UInt8? { groupBytes(1)?.tb }
    public var tc1: UInt8? { groupBytes(1)?.tc }
    public var ta2: UInt8? { groupBytes(2)?.ta }
    public var tc2: UInt8? { groupBytes(2)?.tc }

    /// TA1, or 0x11 (Fi 372, Di 1) when absent.
    public var findexDindex: UInt8 { ta1 ?? 0x11 }

    /// Fi from TA1, nil for a reserved value.
    public var clockRateConversion: Int? { Self.clockRateConversionTable[Int(findexDindex >> 4)] }

    /// Di from TA1, nil for a reserved value.
    public var bitRateAdjustment: Int? { Self.bitRateAdjustmentTable[Int(findexDindex & 0x0F)] }

    /// f(max) from TA1 in kHz, nil for a reserved value.
    public var maximumClock: Int? { Self.maximumClockTable[Int(findexDindex >> 4)] }

    /// Extra guard time N from TC1 (0 when absent).
    public var extraGuardTime: UInt8 { tc1 ?? 0 }

    /// T=0 waiting integer WI from TC2 (10 when absent).
    public var waitingInteger: UInt8 { tc2 ?? 10 }

    /// The specific mode, when TA2 is present.
    public var specificMode: SpecificMode? {
        guard let ta2 else { return nil }
        return SpecificMode(
            protocolNumber: ta2 & 0x0F,
            usesImplicitParameters: ta2 & 0x10 != 0,
            canChangeMode: ta2 & 0x80 == 0)
    }

    /// Every protocol announced by a TDi (T=0, T=1, T=15), or only TA2's in specific mode.
    /// An ATR without TD1 offers T=0.
    public var availableProtocols: CardProtocols {
        if let mode = specificMode {
            return Self.cardProtocol(mode.protocolNumber) ?? []
        }
        guard interfaceBytes.first?.td != nil else { return .t0 }

        var protocols: CardProtocols = []
        for group in interfaceBytes {
            if let number = group.announcedProtocol, let proto = Self.cardProtocol(number) {
                protocols.insert(proto)
            }
        }
        return protocols
    }

    /// The protocol the card uses after reset: TA2's in specific mode, else the first TDi's
    /// (T=0 without TD1). Nil when that protocol is neither T=0 nor T=1.
    public var defaultProtocol: CardProtocols? {
        let number = specificMode?.protocolNumber ?? interfaceBytes.first?.announcedProtocol ?? 0
        switch number {
        case 0: return .t0
        case 1: return .t1
        default: return nil
        }
    }

    /// The T=1 parameters: TAi, TBi and TCi of the first group i ≥ 3 whose TD(i−1)
    /// announces T=1, with ISO defaults.
    ///
    /// IFSC values above 254 are clamped to 254 (as libccid does) and 0 is read as the
    /// default 32. NOTE: libccid takes TBi and TCi from the first group i ≥ 3 whatever
    /// protocol announced it; the two differ only for ATRs with global (T=15) bytes before
    /// the T=1 group.
    public var t1Parameters: ATRT1Parameters {
        var parameters = ATRT1Parameters(
            ifsc: 32, blockWaitingInteger: 4, characterWaitingInteger: 13, errorDetection: .lrc,
            waitingIntegersByte: nil)

        guard let group = firstT1Group() else { return parameters }
        if let ta = group.ta, ta != 0 {
            parameters.ifsc = min(Int(ta), 254)
        }
        if let tb = group.tb {
            parameters.blockWaitingInteger = tb >> 4
            parameters.characterWaitingInteger = tb & 0x0F
            parameters.waitingIntegersByte = tb
        }
        if let tc = group.tc {
            parameters.errorDetection = tc & 0x01 != 0 ? .crc : .lrc
        }
        return parameters
    }

    private func firstT1Group() -> InterfaceByteGroup? {
        guard interfaceBytes.count >= 3 else { return nil }
        for index in 2..<interfaceBytes.count where interfaceBytes[index - 1].announcedProtocol == 1 {
            return interfaceBytes[index]
        }
        return nil
    }

    static func cardProtocol(_ number: UInt8) -> CardProtocols? {
        switch number {
        case 0: .t0
        case 1: .t1
        case 15: .t15
        default: nil
        }
    }
}
