import PCSCTypes

/// A `dwCurrentState`/`dwEventState` word: reader-state flags in the low 16 bits and an
/// event counter in the high 16 bits. The C fields are 64 bits wide on Linux, but pcsc-lite
/// only ever uses the low 32.
public struct ReaderStateWord: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(flags: ReaderStateFlags, counter: UInt16 = 0) {
        rawValue = UInt32(counter) << 16 | (flags.rawValue & 0xFFFF)
    }

    /// `SCARD_STATE_UNAWARE` with a zero counter.
    public static let unaware = ReaderStateWord(rawValue: 0)

    /// The `SCARD_STATE_*` bits.
    public var flags: ReaderStateFlags { ReaderStateFlags(rawValue: rawValue & 0xFFFF) }

    /// For a reader: card insertions plus removals. For the plug-and-play entry: the
    /// daemon's reader add/remove counter (protocol 4:5 and later).
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }

    public var description: String { "0x" + hex(rawValue, width: 8) }
}

/// One entry of a `getStatusChange` request: `SCARD_READERSTATE` without the application's
/// user-data pointer, which the export layer keeps.
public struct ReaderState: Sendable, Equatable {
    /// The reader name, or the plug-and-play pseudo reader `\\?PnP?\Notification`.
    public var readerName: ReaderName
    /// The state the application believes the reader is in.
    public var currentState: ReaderStateWord
    /// The state found by the call.
    public var eventState: ReaderStateWord
    /// The card's ATR (`rgbAtr` up to `cbAtr`), at most 33 bytes.
    public var atr: [UInt8]

    public init(
        readerName: ReaderName, currentState: ReaderStateWord,
        eventState: ReaderStateWord = .unaware, atr: [UInt8] = []
    ) {
        self.readerName = readerName
        self.currentState = currentState
        self.eventState = eventState
        self.atr = atr
    }

    /// True when the application asked to skip this entry (`SCARD_STATE_IGNORE`).
    public var isIgnored: Bool { currentState.flags.contains(.ignore) }

    /// True for the plug-and-play pseudo reader. pcsc-lite compares that name without
    /// regard to ASCII case.
    public var isPlugAndPlay: Bool {
        asciiCaseInsensitiveEqual(readerName.bytes, PCSCLimits.plugAndPlayReaderName.bytes)
    }
}

/// Compares like `strcasecmp` in the C locale: only A–Z and a–z fold.
func asciiCaseInsensitiveEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    for (left, right) in zip(lhs, rhs) where asciiLowercase(left) != asciiLowercase(right) {
        return false
    }
    return true
}

private func asciiLowercase(_ byte: UInt8) -> UInt8 {
    (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
}
