/// Host-side read timeouts, in milliseconds. They are a safety net: the reader enforces
/// the card's real timings and reports `ICC_MUTE`.
public enum CCIDTimeouts {
    /// Default read timeout (libccid `DEFAULT_COM_READ_TIMEOUT`).
    public static let defaultRead: UInt32 = 3_000
    /// Bulk OUT write timeout.
    public static let write: UInt32 = 5_000
    /// One PowerOn attempt: an ATR may take (9600 + 12) × 33 etu at 372 clocks per etu,
    /// about 29 s at 4 MHz.
    public static let powerOn: UInt32 = 60_000
    /// Vendor escapes through `IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE`.
    public static let vendorEscape: UInt32 = 30_000
    /// Minimum for secure PIN entry, and for pseudo-APDUs starting `FF C2 01`.
    public static let pinEntry: UInt32 = 90_000
    /// Cards whose F, D or the reader's clock is 0 or reserved.
    public static let nonISOCard: UInt32 = 60_000
    /// The follow-up GetSlotStatus reads at open, scaled from the default 3 s.
    public static let resynchronisationRead: UInt32 = 100

    /// Computes the read timeout for T=0 after SetParameters:
    /// `max(3000, 261·EGT + 6·WWT, 5·EGT + 260·WWT)`, with F and D from TA1 (not the
    /// negotiated values), WI from TC2 and f = `dwDefaultClock`.
    public static func t0ReadTimeout(atr: ATR, clockKHz: UInt32) -> UInt32 {
        guard let timing = CardTiming(atr: atr, clockKHz: clockKHz) else { return nonISOCard }

        let egt = timing.extraGuardTime
        let wwt = 960.0 * Double(atr.waitingInteger) * timing.f / timing.clock
        let value = max(3000.0, 261.0 * egt + 6.0 * wwt, 5.0 * egt + 260.0 * wwt)
        return clampToUInt32(value)
    }

    /// Computes the read timeout for T=1 after SetParameters: `260·EGT + BWT + 260·CWT + 1000`,
    /// with BWT = 11 etu + 2^BWI · 960 · 372 / f and CWT = (11 + 2^CWI) etu. Not floored at
    /// 3 s, as in libccid.
    public static func t1ReadTimeout(atr: ATR, clockKHz: UInt32, waitingIntegers: UInt8) -> UInt32 {
        guard let timing = CardTiming(atr: atr, clockKHz: clockKHz) else { return nonISOCard }

        let bwi = Double(waitingIntegers >> 4)
        let cwi = Double(waitingIntegers & 0x0F)
        let etu = timing.etu
        let bwt = 11.0 * etu + pow2(bwi) * 960.0 * 372.0 / timing.clock
        let cwt = (11.0 + pow2(cwi)) * etu
        let value = 260.0 * timing.extraGuardTime + bwt + 260.0 * cwt + 1000.0
        return clampToUInt32(value)
    }

    private static func pow2(_ exponent: Double) -> Double {
        Double(1 << Int(exponent))
    }

    private static func clampToUInt32(_ value: Double) -> UInt32 {
        value >= Double(UInt32.max) ? UInt32.max : UInt32(value)
    }
}

/// Card timing in milliseconds, from TA1, TC1 and the reader clock.
private struct CardTiming {
    /// Fi.
    var f: Double
    /// Clock in kHz, so that cycles / clock gives milliseconds.
    var clock: Double
    /// Elementary time unit: F / D / f.
    var etu: Double
    /// EGT = 12 etu + (F / D) · N / f.
    var extraGuardTime: Double

    init?(atr: ATR, clockKHz: UInt32) {
        guard let fi = atr.clockRateConversion, let di = atr.bitRateAdjustment, clockKHz > 0 else { return nil }
        f = Double(fi)
        clock = Double(clockKHz)
        etu = f / Double(di) / clock
        extraGuardTime = 12.0 * etu + f / Double(di) * Double(atr.extraGuardTime) / clock
    }
}
