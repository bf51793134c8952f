import PCSCTypes

/// The 54-byte CCID class descriptor (CCID 1.1 §5.1, `bDescriptorType` 0x21) that follows
/// a smart-card interface descriptor. Property names follow the CCID field names without
/// their type prefixes; clocks are in kHz and data rates in bit/s.
public struct CCIDClassDescriptor: Sendable, Hashable {
    /// Size of the descriptor in bytes (`bLength`).
    public static let length = 54

    /// `bDescriptorType`: 0x21, or 0xFF on readers built before CCID 1.0 was final.
    public var descriptorType: UInt8
    /// `bcdCCID`: the CCID release the reader claims, BCD (0x0110 = 1.10).
    public var ccidRelease: UInt16
    /// `bMaxSlotIndex`: the highest slot number; the reader has this many slots plus one.
    public var maxSlotIndex: UInt8
    /// `bVoltageSupport`.
    public var voltageSupport: VoltageSupport
    /// `dwProtocols` as received, including bits this driver does not know.
    public var protocolBits: UInt32
    /// `dwDefaultClock`, in kHz.
    public var defaultClock: UInt32
    /// `dwMaximumClock`, in kHz.
    public var maximumClock: UInt32
    /// `bNumClockSupported`: 0 means "ask with GET_CLOCK_FREQUENCIES".
    public var numberOfClocksSupported: UInt8
    /// `dwDataRate`: default ICC I/O data rate, in bit/s.
    public var dataRate: UInt32
    /// `dwMaxDataRate`, in bit/s.
    public var maxDataRate: UInt32
    /// `bNumDataRatesSupported`: when non-zero, GET_DATA_RATES lists the rates.
    public var numberOfDataRatesSupported: UInt8
    /// `dwMaxIFSD`: the largest T=1 information field the reader accepts from the card.
    public var maxIFSD: UInt32
    /// `dwSynchProtocols`.
    public var synchronousProtocols: SynchronousProtocols
    /// `dwMechanical`.
    public var mechanical: MechanicalFeatures
    /// `dwFeatures`, including the exchange-level bits.
    public var features: CCIDFeatures
    /// `dwMaxCCIDMessageLength`: the largest bulk message, 10-byte header included.
    public var maxMessageLength: UInt32
    /// `bClassGetResponse`: CLA of the reader's own GET RESPONSE (0xFF echoes the command's).
    public var classGetResponse: UInt8
    /// `bClassEnvelope`: CLA of the reader's own ENVELOPE (0xFF echoes the command's).
    public var classEnvelope: UInt8
    /// `wLcdLayout`.
    public var lcdLayout: LCDLayout
    /// `bPINSupport`.
    public var pinSupport: PINSupport
    /// `bMaxCCIDBusySlots`: how many slots may run a command at the same time.
    public var maxBusySlots: UInt8

    public init(
        descriptorType: UInt8 = 0x21, ccidRelease: UInt16 = 0x0110, maxSlotIndex: UInt8 = 0,
        voltageSupport: VoltageSupport = .all, protocolBits: UInt32 = 0x3,
        defaultClock: UInt32 = 4000, maximumClock: UInt32 = 4000, numberOfClocksSupported: UInt8 = 0,
        dataRate: UInt32 = 10752, maxDataRate: UInt32 = 344_086, numberOfDataRatesSupported: UInt8 = 0,
        maxIFSD: UInt32 = 254, synchronousProtocols: SynchronousProtocols = [],
        mechanical: MechanicalFeatures = [], features: CCIDFeatures = [],
        maxMessageLength: UInt32 = 271, classGetResponse: UInt8 = 0xFF, classEnvelope: UInt8 = 0xFF,
        lcdLayout: LCDLayout = .none, pinSupport: PINSupport = [], maxBusySlots: UInt8 = 1
    ) {
        self.descriptorType = descriptorType
        self.ccidRelease = ccidRelease
        self.maxSlotIndex = maxSlotIndex
        self.voltageSupport = voltageSupport
        self.protocolBits = protocolBits
        self.defaultClock = defaultClock
        self.maximumClock = maximumClock
        self.numberOfClocksSupported = numberOfClocksSupported
        self.dataRate = dataRate
        self.maxDataRate = maxDataRate
        self.numberOfDataRatesSupported = numberOfDataRatesSupported
        self.maxIFSD = maxIFSD
        self.synchronousProtocols = synchronousProtocols
        self.mechanical = mechanical
        self.features = features
        self.maxMessageLength = maxMessageLength
        self.classGetResponse = classGetResponse
        self.classEnvelope = classEnvelope
        self.lcdLayout = lcdLayout
        self.pinSupport = pinSupport
        self.maxBusySlots = maxBusySlots
    }

    /// Decodes a class descriptor. `bytes` must be the whole descriptor: 54 bytes, starting
    /// with `bLength` 0x36 and `bDescriptorType` 0x21 or 0xFF.
    public init(bytes: [UInt8]) throws(CCIDDescriptorError) {
        guard bytes.count == Self.length else { throw .invalidLength(bytes.count) }
        guard bytes[0] == UInt8(Self.length) else { throw .invalidLengthField(bytes[0]) }
        guard bytes[1] == 0x21 || bytes[1] == 0xFF else { throw .invalidDescriptorType(bytes[1]) }

        self.descriptorType = bytes[1]
        self.ccidRelease = bytes.littleEndianUInt16(at: 2)
        self.maxSlotIndex = bytes[4]
        self.voltageSupport = VoltageSupport(rawValue: bytes[5])
        self.protocolBits = bytes.littleEndianUInt32(at: 6)
        self.defaultClock = bytes.littleEndianUInt32(at: 10)
        self.maximumClock = bytes.littleEndianUInt32(at: 14)
        self.numberOfClocksSupported = bytes[18]
        self.dataRate = bytes.littleEndianUInt32(at: 19)
        self.maxDataRate = bytes.littleEndianUInt32(at: 23)
        self.numberOfDataRatesSupported = bytes[27]
        self.maxIFSD = bytes.littleEndianUInt32(at: 28)
        self.synchronousProtocols = SynchronousProtocols(rawValue: bytes.littleEndianUInt32(at: 32))
        self.mechanical = MechanicalFeatures(rawValue: bytes.littleEndianUInt32(at: 36))
        self.features = CCIDFeatures(rawValue: bytes.littleEndianUInt32(at: 40))
        self.maxMessageLength = bytes.littleEndianUInt32(at: 44)
        self.classGetResponse = bytes[48]
        self.classEnvelope = bytes[49]
        self.lcdLayout = LCDLayout(rawValue: bytes.littleEndianUInt16(at: 50))
        self.pinSupport = PINSupport(rawValue: bytes[52])
        self.maxBusySlots = bytes[53]
    }

    /// The descriptor as the reader sends it.
    public var bytes: [UInt8] {
        var out: [UInt8] = [UInt8(Self.length), descriptorType]
        out.reserveCapacity(Self.length)
        out.appendLittleEndian(ccidRelease)
        out.append(maxSlotIndex)
        out.append(voltageSupport.rawValue)
        out.appendLittleEndian(protocolBits)
        out.appendLittleEndian(defaultClock)
        out.appendLittleEndian(maximumClock)
        out.append(numberOfClocksSupported)
        out.appendLittleEndian(dataRate)
        out.appendLittleEndian(maxDataRate)
        out.append(numberOfDataRatesSupported)
        out.appendLittleEndian(maxIFSD)
        out.appendLittleEndian(synchronousProtocols.rawValue)
        out.appendLittleEndian(mechanical.rawValue)
        out.appendLittleEndian(features.rawValue)
        out.appendLittleEndian(maxMessageLength)
        out.append(classGetResponse)
        out.append(classEnvelope)
        out.appendLittleEndian(lcdLayout.rawValue)
        out.append(pinSupport.rawValue)
        out.append(maxBusySlots)
        return out
    }

    /// Number of slots: `bMaxSlotIndex + 1`.
    public var slotCount: Int { Int(maxSlotIndex) + 1 }

    /// The T=0 and T=1 bits of `dwProtocols`, which use the `SCARD_PROTOCOL_*` encoding.
    public var protocols: CardProtocols {
        CardProtocols(rawValue: protocolBits & CardProtocols.any.rawValue)
    }

    /// The declared exchange level, or nil when bits 16–18 of `dwFeatures` hold a
    /// combination the CCID specification does not define.
    public var exchangeLevel: ExchangeLevel? {
        ExchangeLevel(features: features)
    }
}

/// A reason why bytes are not a CCID class descriptor.
public enum CCIDDescriptorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The block is not 54 bytes long.
    case invalidLength(Int)
    /// `bLength` is not 0x36.
    case invalidLengthField(UInt8)
    /// `bDescriptorType` is neither 0x21 nor 0xFF.
    case invalidDescriptorType(UInt8)

    public var description: String {
        switch self {
        case .invalidLength(let count):
            "CCID class descriptor has \(count) bytes, expected 54"
        case .invalidLengthField(let value):
            "CCID class descriptor bLength is 0x\(hex2(value)), expected 0x36"
        case .invalidDescriptorType(let value):
            "CCID class descriptor type is 0x\(hex2(value)), expected 0x21 or 0xFF"
        }
    }
}

/// How much of the ISO 7816-3 transport the reader does itself, from `dwFeatures`.
public enum ExchangeLevel: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The host drives the card character by character. `dwFeatures` level 0x00000.
    case character
    /// The host sends T=0 TPDUs or T=1 blocks; the reader handles characters. 0x10000.
    case tpdu
    /// The host sends whole short APDUs; the reader does the transport. 0x20000.
    case shortAPDU
    /// Like short APDU, with extended APDUs chained over several messages. 0x40000.
    case extendedAPDU

    /// The mask of the exchange-level bits in `dwFeatures`.
    public static let featureMask: UInt32 = 0x0007_0000

    /// Decodes the level bits of `dwFeatures`; nil for undefined combinations.
    public init?(features: CCIDFeatures) {
        switch features.rawValue & Self.featureMask {
        case 0x0000_0000: self = .character
        case 0x0001_0000: self = .tpdu
        case 0x0002_0000: self = .shortAPDU
        case 0x0004_0000: self = .extendedAPDU
        default: return nil
        }
    }

    /// The level bits as they appear in `dwFeatures`.
    public var featureBits: UInt32 {
        switch self {
        case .character: 0x0000_0000
        case .tpdu: 0x0001_0000
        case .shortAPDU: 0x0002_0000
        case .extendedAPDU: 0x0004_0000
        }
    }

    public var description: String {
        switch self {
        case .character: "character"
        case .tpdu: "TPDU"
        case .shortAPDU: "short APDU"
        case .extendedAPDU: "extended APDU"
        }
    }
}

/// The `dwFeatures` bits other than the exchange level.
public struct CCIDFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The reader configures parameters from the ATR itself. 0x00000002.
    public static let automaticParametersFromATR = CCIDFeatures(rawValue: 0x0000_0002)
    /// The reader activates the card when it is inserted. 0x00000004.
    public static let automaticActivation = CCIDFeatures(rawValue: 0x0000_0004)
    /// The reader selects the card voltage. 0x00000008.
    public static let automaticVoltageSelection = CCIDFeatures(rawValue: 0x0000_0008)
    /// The reader changes the clock frequency from the parameters. 0x00000010.
    public static let automaticClockChange = CCIDFeatures(rawValue: 0x0000_0010)
    /// The reader changes the baud rate from Fi/Di. 0x00000020.
    public static let automaticBaudRateChange = CCIDFeatures(rawValue: 0x0000_0020)
    /// The reader negotiates parameters with a proprietary algorithm: the host sends
    /// neither PPS nor SetParameters. 0x00000040.
    public static let automaticParameterNegotiation = CCIDFeatures(rawValue: 0x0000_0040)
    /// The reader performs the PPS from the current parameters: the host sends no PPS but
    /// still sends SetParameters. 0x00000080.
    public static let automaticPPS = CCIDFeatures(rawValue: 0x0000_0080)
    /// The reader can stop the card clock. 0x00000100.
    public static let clockStop = CCIDFeatures(rawValue: 0x0000_0100)
    /// The reader accepts a T=1 NAD other than 0. 0x00000200.
    public static let nadValueOtherThanZero = CCIDFeatures(rawValue: 0x0000_0200)
    /// The reader performs the T=1 IFSD exchange itself. 0x00000400.
    public static let automaticIFSDExchange = CCIDFeatures(rawValue: 0x0000_0400)
    /// The device is an ICCD token. 0x00000800.
    public static let iccdToken = CCIDFeatures(rawValue: 0x0000_0800)
    /// The reader wakes the USB host on card insertion or removal. 0x00100000.
    public static let usbWakeUp = CCIDFeatures(rawValue: 0x0010_0000)

    /// The exchange-level bits cleared, so the set compares by flags only.
    public var flags: CCIDFeatures {
        CCIDFeatures(rawValue: rawValue & ~ExchangeLevel.featureMask)
    }

    /// Returns the same flags with the exchange-level bits replaced by `level`.
    public func replacingExchangeLevel(with level: ExchangeLevel) -> CCIDFeatures {
        CCIDFeatures(rawValue: flags.rawValue | level.featureBits)
    }
}

/// The card voltages a reader can supply, from `bVoltageSupport`.
public struct VoltageSupport: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 5.0 V (class A).
    public static let volts5 = VoltageSupport(rawValue: 0x01)
    /// 3.0 V (class B).
    public static let volts3 = VoltageSupport(rawValue: 0x02)
    /// 1.8 V (class C).
    public static let volts1_8 = VoltageSupport(rawValue: 0x04)
    /// All three classes.
    public static let all: VoltageSupport = [.volts5, .volts3, .volts1_8]
}

/// The PIN pad operations a reader offers, from `bPINSupport`.
public struct PINSupport: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// PIN verification on the reader's keypad.
    public static let verification = PINSupport(rawValue: 0x01)
    /// PIN modification on the reader's keypad.
    public static let modification = PINSupport(rawValue: 0x02)
}

/// The synchronous-card protocols of `dwSynchProtocols`.
public struct SynchronousProtocols: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 2-wire protocol.
    public static let twoWire = SynchronousProtocols(rawValue: 0x1)
    /// 3-wire protocol.
    public static let threeWire = SynchronousProtocols(rawValue: 0x2)
    /// I2C protocol.
    public static let i2c = SynchronousProtocols(rawValue: 0x4)
}

/// The card-handling mechanics of `dwMechanical`.
public struct MechanicalFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The reader can accept (draw in) a card.
    public static let acceptCard = MechanicalFeatures(rawValue: 0x1)
    /// The reader can eject a card.
    public static let ejectCard = MechanicalFeatures(rawValue: 0x2)
    /// The reader can capture a card.
    public static let captureCard = MechanicalFeatures(rawValue: 0x4)
    /// The reader can lock and unlock a card.
    public static let lockCard = MechanicalFeatures(rawValue: 0x8)
}

/// The reader's display size, from `wLcdLayout`: low byte characters per line, high byte
/// lines. 0 means no display.
public struct LCDLayout: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No display.
    public static let none = LCDLayout(rawValue: 0)

    public init(lines: UInt8, charactersPerLine: UInt8) {
        self.rawValue = UInt16(lines) << 8 | UInt16(charactersPerLine)
    }

    public var charactersPerLine: UInt8 { UInt8(rawValue & 0xFF) }
    public var lines: UInt8 { UInt8(rawValue >> 8) }
    public var hasDisplay: Bool { rawValue != 0 }
}
