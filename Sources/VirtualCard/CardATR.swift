/// The answer-to-reset of the virtual card and the protocol parameters it announces.
///
/// ```
/// 3B 9C 96 80 31 80 45 80 5A 73 77 69 66 74 2D 70 63 73 63 F5
/// TS  3B   direct convention
/// T0  9C   TA1 and TD1 follow; 12 historical bytes
/// TA1 96   Fi = 512, Di = 32 (250 000 bit/s at 4 MHz after a PPS)
/// TD1 80   T=0 (the default protocol); TD2 follows
/// TD2 31   T=1; TA3 and TB3 follow
/// TA3 80   IFSC = 128
/// TB3 45   BWI = 4, CWI = 5
/// historical bytes: 80 (COMPACT-TLV follows), 5A (card issuer's data, 10 bytes), "swift-pcsc"
/// TCK F5   XOR of T0 … last historical byte
/// ```
///
/// The card offers T=0 and T=1 without TA2 (negotiable mode). pcscd picks T=1 whenever the
/// application allows it, and T=0 is the ATR's default protocol. The T=1 block checksum is an
/// LRC because no TC3 requests CRC.
public enum CardATR {
    /// The ATR bytes, TCK included.
    public static let bytes: [UInt8] = {
        let body: [UInt8] = [0x9C, fiDi, 0x80, 0x31, UInt8(ifsc), waitingIntegers] + historicalBytes
        let tck = body.reduce(0, ^)
        return [0x3B] + body + [tck]
    }()

    /// TA1: Fi index in the high nibble, Di index in the low nibble.
    public static let fiDi: UInt8 = 0x96

    /// TA3: the largest information field the card accepts in one T=1 block.
    public static let ifsc = 128

    /// TB3: BWI in the high nibble, CWI in the low nibble.
    public static let waitingIntegers: UInt8 = 0x45

    /// The historical bytes: category indicator 80 and one COMPACT-TLV object with the project name.
    public static let historicalBytes: [UInt8] = [0x80, 0x5A] + Array("swift-pcsc".utf8)

    /// Returns true when `fiDi` (a PPS1 or bmFindexDindex value) names a speed the card
    /// supports: the initial 11, or Fi 512 with Di up to the 32 of TA1.
    public static func supportsSpeed(fiDi value: UInt8) -> Bool {
        let fiIndex = value >> 4
        let diIndex = value & 0x0F
        return value == 0x11 || (fiIndex == fiDi >> 4 && (1...(fiDi & 0x0F)).contains(diIndex))
    }
}
