/// Bulk-OUT message types the virtual reader understands (`PC_to_RDR_*`).
enum CCIDCommandType: UInt8, Sendable {
    case setParameters = 0x61
    case iccPowerOn = 0x62
    case iccPowerOff = 0x63
    case getSlotStatus = 0x65
    case secure = 0x69
    case t0APDU = 0x6A
    case escape = 0x6B
    case getParameters = 0x6C
    case resetParameters = 0x6D
    case iccClock = 0x6E
    case xfrBlock = 0x6F
    case mechanical = 0x71
    case abort = 0x72
    case setDataRateAndClockFrequency = 0x73

    /// The bulk-IN message type of the response to this command.
    var responseType: CCIDResponseType {
        switch self {
        case .iccPowerOn, .xfrBlock, .secure: .dataBlock
        case .iccPowerOff, .getSlotStatus, .iccClock, .t0APDU, .mechanical, .abort: .slotStatus
        case .getParameters, .resetParameters, .setParameters: .parameters
        case .escape: .escape
        case .setDataRateAndClockFrequency: .dataRateAndClockFrequency
        }
    }
}

/// Bulk-IN message types (`RDR_to_PC_*`).
enum CCIDResponseType: UInt8, Sendable {
    case dataBlock = 0x80
    case slotStatus = 0x81
    case parameters = 0x82
    case escape = 0x83
    case dataRateAndClockFrequency = 0x84
}

/// bmICCStatus, bits 0–1 of bStatus.
enum ICCStatus: UInt8, Sendable {
    /// A card is present and powered.
    case active = 0
    /// A card is present but not powered.
    case inactive = 1
    /// No card in the slot.
    case absent = 2
}

/// bmCommandStatus, bits 6–7 of bStatus.
enum CommandStatus: UInt8, Sendable {
    /// The command was processed.
    case processed = 0
    /// The command failed, and bError gives the reason.
    case failed = 1
    /// Interim response: the command is still running.
    case timeExtension = 2
}

/// bError of a failed command (CCID §6.2.6).
struct SlotError: RawRepresentable, Hashable, Sendable {
    let rawValue: UInt8

    /// Aborted by the host. `CMD_ABORTED`.
    static let commandAborted = SlotError(rawValue: 0xFF)
    /// No card, or the card does not answer. `ICC_MUTE`.
    static let iccMute = SlotError(rawValue: 0xFE)
    /// The response does not fit in one message. `XFR_OVERRUN`.
    static let transferOverrun = SlotError(rawValue: 0xFC)
    /// Another command is still running on the slot. `CMD_SLOT_BUSY`.
    static let slotBusy = SlotError(rawValue: 0xE0)
    /// The message type is not supported. `CMD_NOT_SUPPORTED`.
    static let commandNotSupported = SlotError(rawValue: 0x00)

    /// The command byte at `offset` has a value the reader does not accept.
    static func badByte(at offset: UInt8) -> SlotError { SlotError(rawValue: offset) }

    /// Offset of dwLength: the message length is wrong.
    static let badLength = badByte(at: 1)
    /// Offset of bSlot: no such slot.
    static let badSlot = badByte(at: 5)
    /// Offset of the first message-specific byte (bPowerSelect, bProtocolNum, bClockCommand, bFunction).
    static let badFirstParameter = badByte(at: 7)
    /// Offset of wLevelParameter.
    static let badLevelParameter = badByte(at: 8)
    /// Offset of the first payload byte (bPINOperation, bmFindexDindex).
    static let badFirstDataByte = badByte(at: 10)
    /// Offset of the second payload byte (bmTCCKST1).
    static let badSecondDataByte = badByte(at: 11)
}

/// A decoded bulk-OUT message: the 10-byte header and its payload.
struct CCIDCommand: Sendable {
    var rawType: UInt8
    /// The dwLength field, which must match the payload length.
    var declaredLength: Int
    var slot: UInt8
    var sequence: UInt8
    /// Bytes 7, 8 and 9 of the header, whose meaning depends on the message type.
    var parameters: (UInt8, UInt8, UInt8)
    var payload: [UInt8]

    /// Splits `bytes` into header and payload; nil when fewer than 10 bytes arrived.
    init?(bytes: [UInt8]) {
        guard bytes.count >= 10 else { return nil }
        rawType = bytes[0]
        declaredLength = Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16 | Int(bytes[4]) << 24
        slot = bytes[5]
        sequence = bytes[6]
        parameters = (bytes[7], bytes[8], bytes[9])
        payload = Array(bytes[10...])
    }

    var type: CCIDCommandType? { CCIDCommandType(rawValue: rawType) }

    /// wLevelParameter (bytes 8–9, little-endian) of XfrBlock and Secure.
    var levelParameter: UInt16 { UInt16(parameters.1) | UInt16(parameters.2) << 8 }

    /// The response type for this command; SlotStatus for unknown message types.
    var responseType: CCIDResponseType { type?.responseType ?? .slotStatus }
}

/// One bulk-IN message.
struct CCIDResponse: Sendable, Equatable {
    var type: CCIDResponseType
    var slot: UInt8
    var sequence: UInt8
    var iccStatus: ICCStatus
    var commandStatus: CommandStatus = .processed
    /// bError; for a time extension, the BWT multiplier.
    var error: UInt8 = 0
    /// Byte 9: bChainParameter, bClockStatus or bProtocolNum, depending on the type.
    var specific: UInt8 = 0
    var payload: [UInt8] = []

    var bytes: [UInt8] {
        let length = UInt32(payload.count)
        var result: [UInt8] = [type.rawValue]
        result += (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        result += [slot, sequence, iccStatus.rawValue | commandStatus.rawValue << 6, error, specific]
        return result + payload
    }
}
