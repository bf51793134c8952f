/// The card state in a slot: `bmICCStatus`, bits 0–1 of `bStatus`.
public enum ICCStatus: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// A card is present and powered.
    case presentActive = 0
    /// A card is present and not powered.
    case presentInactive = 1
    /// No card.
    case absent = 2

    public var isPresent: Bool { self != .absent }

    public var description: String {
        switch self {
        case .presentActive: "card present and active"
        case .presentInactive: "card present and inactive"
        case .absent: "no card"
        }
    }
}

/// The outcome of a command: `bmCommandStatus`, bits 6–7 of `bStatus`.
public enum CommandStatus: UInt8, Sendable, Hashable {
    /// The command was processed.
    case processed = 0
    /// The command failed, for the reason in `bError`.
    case failed = 1
    /// The command is still running and the reader requests more time (`bError` is the
    /// multiplier). The final response follows.
    case timeExtension = 2
    /// The reserved value 3.
    case reserved = 3
}

/// The `bStatus` byte of a bulk-IN response.
public struct SlotStatusByte: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(iccStatus: ICCStatus, commandStatus: CommandStatus) {
        self.rawValue = iccStatus.rawValue | commandStatus.rawValue << 6
    }

    /// The card state, or nil for the reserved value 3.
    public var iccStatus: ICCStatus? { ICCStatus(rawValue: rawValue & 0x03) }

    public var commandStatus: CommandStatus { CommandStatus(rawValue: rawValue >> 6)! }
}

/// The `bError` byte of a failed command (CCID 1.1 §6.2.6).
public struct SlotError: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The host aborted the command. `CMD_ABORTED`.
    public static let commandAborted = SlotError(rawValue: 0xFF)
    /// No card, or the card did not respond in time. `ICC_MUTE`.
    public static let iccMute = SlotError(rawValue: 0xFE)
    /// Parity error while talking to the card. `XFR_PARITY_ERROR`.
    public static let transferParityError = SlotError(rawValue: 0xFD)
    /// The card sent more than the reader could take. `XFR_OVERRUN`.
    public static let transferOverrun = SlotError(rawValue: 0xFC)
    /// Hardware error, such as failed activation or over-current. `HW_ERROR`.
    public static let hardwareError = SlotError(rawValue: 0xFB)
    /// The first ATR byte is invalid. `BAD_ATR_TS`.
    public static let badATRTS = SlotError(rawValue: 0xF8)
    /// The ATR check byte is wrong. `BAD_ATR_TCK`.
    public static let badATRTCK = SlotError(rawValue: 0xF7)
    /// The card's protocol is not supported. `ICC_PROTOCOL_NOT_SUPPORTED`.
    public static let iccProtocolNotSupported = SlotError(rawValue: 0xF6)
    /// The requested voltage class is not supported. `ICC_CLASS_NOT_SUPPORTED`.
    public static let iccClassNotSupported = SlotError(rawValue: 0xF5)
    /// The card sent an unexpected procedure byte. `PROCEDURE_BYTE_CONFLICT`.
    public static let procedureByteConflict = SlotError(rawValue: 0xF4)
    /// The protocol was deactivated. `DEACTIVATED_PROTOCOL`.
    public static let deactivatedProtocol = SlotError(rawValue: 0xF3)
    /// The reader is activating the card on its own. `BUSY_WITH_AUTO_SEQUENCE`.
    public static let busyWithAutoSequence = SlotError(rawValue: 0xF2)
    /// The user did not enter the PIN in time. `PIN_TIMEOUT`.
    public static let pinTimeout = SlotError(rawValue: 0xF0)
    /// The user cancelled PIN entry. `PIN_CANCELLED`.
    public static let pinCancelled = SlotError(rawValue: 0xEF)
    /// A command is already running in that slot. `CMD_SLOT_BUSY`.
    public static let commandSlotBusy = SlotError(rawValue: 0xE0)
    /// The reader does not support the command. `CMD_NOT_SUPPORTED`.
    public static let commandNotSupported = SlotError(rawValue: 0x00)

    /// For values 0x01–0x7F: the offset of the command byte the reader rejected (5 = bad
    /// slot, 7 = bad bPowerSelect, ...).
    public var rejectedByteOffset: Int? {
        (0x01...0x7F).contains(rawValue) ? Int(rawValue) : nil
    }

    /// Values 0x81–0xC0 are vendor-specific.
    public var isVendorSpecific: Bool { (0x81...0xC0).contains(rawValue) }

    public var description: String {
        if let name = Self.names[rawValue] { return name }
        if let offset = rejectedByteOffset { return "command byte \(offset) rejected" }
        return "vendor error 0x\(hex2(rawValue))"
    }

    private static let names: [UInt8: String] = [
        0xFF: "command aborted", 0xFE: "card mute", 0xFD: "parity error",
        0xFC: "overrun", 0xFB: "hardware error", 0xF8: "bad ATR TS", 0xF7: "bad ATR TCK",
        0xF6: "card protocol not supported", 0xF5: "voltage class not supported",
        0xF4: "procedure byte conflict", 0xF3: "protocol deactivated",
        0xF2: "busy with automatic sequence", 0xF0: "PIN entry timed out",
        0xEF: "PIN entry cancelled", 0xE0: "slot busy", 0x00: "command not supported",
    ]
}

/// The clock state reported in byte 9 of RDR_to_PC_SlotStatus (`bClockStatus`).
public enum ClockStatus: UInt8, Sendable, Hashable {
    /// The clock is running.
    case running = 0
    /// The clock is stopped in state L.
    case stoppedLow = 1
    /// The clock is stopped in state H.
    case stoppedHigh = 2
    /// The clock is stopped in an unknown state.
    case stoppedUnknown = 3
}
