/// An ISO 7816-4 status word (SW1 SW2), as the card appends it to every response.
public struct StatusWord: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public init(sw1: UInt8, sw2: UInt8) {
        self.rawValue = UInt16(sw1) << 8 | UInt16(sw2)
    }

    public var sw1: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    public var sw2: UInt8 { UInt8(truncatingIfNeeded: rawValue) }

    /// The two bytes as they travel after the response data.
    public var bytes: [UInt8] { [sw1, sw2] }

    public var description: String { hexString(rawValue) }

    /// Normal processing. `9000`.
    public static let success = StatusWord(rawValue: 0x9000)
    /// `61xx`: `xx` more response bytes are available through GET RESPONSE (00 = 256 or more).
    public static func bytesRemaining(_ count: Int) -> StatusWord {
        StatusWord(sw1: 0x61, sw2: UInt8(truncatingIfNeeded: min(count, 256)))
    }
    /// End of file reached before reading Ne bytes. `6282`.
    public static let endOfFileReached = StatusWord(rawValue: 0x6282)
    /// Wrong length: Lc, or the encoding of the APDU, is wrong. `6700`.
    public static let wrongLength = StatusWord(rawValue: 0x6700)
    /// Logical channel not supported. `6881`.
    public static let logicalChannelNotSupported = StatusWord(rawValue: 0x6881)
    /// Secure messaging not supported. `6882`.
    public static let secureMessagingNotSupported = StatusWord(rawValue: 0x6882)
    /// Command chaining not supported. `6884`.
    public static let commandChainingNotSupported = StatusWord(rawValue: 0x6884)
    /// Conditions of use not satisfied (GET RESPONSE with nothing pending). `6985`.
    public static let conditionsNotSatisfied = StatusWord(rawValue: 0x6985)
    /// Command not allowed: no current EF. `6986`.
    public static let noCurrentEF = StatusWord(rawValue: 0x6986)
    /// File or application not found. `6A82`.
    public static let fileNotFound = StatusWord(rawValue: 0x6A82)
    /// Incorrect parameters P1-P2. `6A86`.
    public static let incorrectP1P2 = StatusWord(rawValue: 0x6A86)
    /// Wrong parameters P1-P2: the offset is outside the EF. `6B00`.
    public static let offsetOutsideEF = StatusWord(rawValue: 0x6B00)
    /// `6Cxx`: wrong Le; `xx` is the exact number of available bytes (00 = 256).
    public static func wrongLe(exact count: Int) -> StatusWord {
        StatusWord(sw1: 0x6C, sw2: UInt8(truncatingIfNeeded: count))
    }
    /// Instruction code not supported or invalid. `6D00`.
    public static let instructionNotSupported = StatusWord(rawValue: 0x6D00)
    /// Class not supported. `6E00`.
    public static let classNotSupported = StatusWord(rawValue: 0x6E00)
}

/// Formats `value` as upper-case hexadecimal with four digits.
func hexString(_ value: UInt16) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
