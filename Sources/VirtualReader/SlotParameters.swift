import VirtualCard

/// The protocol and protocol data structure of a slot, as GetParameters returns them and
/// SetParameters changes them (CCID §6.1.7).
///
/// T=0 (5 bytes): bmFindexDindex, bmTCCKST0, bGuardTimeT0, bWaitingIntegerT0, bClockStop.
/// T=1 (7 bytes): bmFindexDindex, bmTCCKST1, bGuardTimeT1, bmWaitingIntegersT1, bClockStop,
/// bIFSC, bNadValue.
struct SlotParameters: Sendable, Equatable {
    /// bProtocolNum: 0 for T=0, 1 for T=1.
    var protocolNumber: UInt8
    var structure: [UInt8]

    /// T=0 at the given Fi/Di, with the ISO defaults (WI 10, no extra guard time).
    static func t0(fiDi: UInt8) -> SlotParameters {
        SlotParameters(protocolNumber: 0, structure: [fiDi, 0x00, 0x00, 0x0A, 0x00])
    }

    /// T=1 at the given Fi/Di with the card's BWI/CWI and IFSC, LRC, NAD 0.
    static func t1(fiDi: UInt8) -> SlotParameters {
        SlotParameters(
            protocolNumber: 1,
            structure: [fiDi, 0x10, 0x00, CardATR.waitingIntegers, 0x00, UInt8(CardATR.ifsc), 0x00])
    }

    /// The parameters right after power-on: TPDU readers start in T=0 at the initial
    /// speed (the ATR's default protocol); APDU readers negotiate T=1 at the card's TA1 on
    /// their own.
    static func afterPowerOn(mode: VirtualReaderMode) -> SlotParameters {
        mode.isTPDU ? .t0(fiDi: 0x11) : .t1(fiDi: CardATR.fiDi)
    }

    /// The current data rate in bit/s at `clockKilohertz`, from bmFindexDindex.
    func dataRate(clockKilohertz: UInt32) -> UInt32 {
        let fiDi = structure.first ?? 0x11
        guard let f = Self.clockRateConversion(fiDi >> 4), let d = Self.bitRateAdjustment(fiDi & 0x0F) else { return 0 }
        return UInt32(UInt64(clockKilohertz) * 1000 * UInt64(d) / UInt64(f))
    }

    /// Fi for an index of TA1's high nibble, nil for RFU values.
    static func clockRateConversion(_ index: UInt8) -> Int? {
        let table = [372, 372, 558, 744, 1116, 1488, 1860, nil, nil, 512, 768, 1024, 1536, 2048, nil, nil]
        return index < 16 ? table[Int(index)] : nil
    }

    /// Di for an index of TA1's low nibble, nil for RFU values.
    static func bitRateAdjustment(_ index: UInt8) -> Int? {
        let table = [nil, 1, 2, 4, 8, 16, 32, 64, 12, 20, nil, nil, nil, nil, nil, nil]
        return index < 16 ? table[Int(index)] : nil
    }
}
