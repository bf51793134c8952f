/// The 10-byte header shared by all bulk messages.
public enum CCIDMessageHeader {
    /// Header size in bytes.
    public static let length = 10
    /// The largest payload a message can carry: 65 536 data bytes plus extended-APDU
    /// framing (as libccid sizes its buffers).
    public static let maxPayloadLength = 65_546
}

/// A host-to-reader (bulk OUT) message.
public struct CCIDCommand: Sendable, Hashable {
    /// The command and its parameters.
    public enum Body: Sendable, Hashable {
        case iccPowerOn(PowerSelect)
        case iccPowerOff
        case getSlotStatus
        /// `bBWI` extends the block waiting time for this exchange (0 = none);
        /// `levelParameter` is the extended-APDU chaining value or, at character level,
        /// the number of bytes to read.
        case xfrBlock(blockWaitingTimeMultiplier: UInt8, levelParameter: UInt16, data: [UInt8])
        case getParameters
        case resetParameters
        case setParameters(ProtocolParameters)
        case escape([UInt8])
        case iccClock(ClockCommand)
        /// `bmChanges` bit 0 applies `classGetResponse`, bit 1 `classEnvelope`.
        case t0APDU(changes: UInt8, classGetResponse: UInt8, classEnvelope: UInt8)
        /// `data` starts with `bPINOperation` (0 verify, 1 modify).
        case secure(blockWaitingTimeMultiplier: UInt8, levelParameter: UInt16, data: [UInt8])
        case mechanical(MechanicalFunction)
        case abort
        case setDataRateAndClockFrequency(clockFrequency: UInt32, dataRate: UInt32)
    }

    public var body: Body
    /// `bSlot`.
    public var slot: UInt8
    /// `bSeq`.
    public var sequence: UInt8

    public init(_ body: Body, slot: UInt8, sequence: UInt8) {
        self.body = body
        self.slot = slot
        self.sequence = sequence
    }

    public var messageType: CCIDMessageType {
        switch body {
        case .iccPowerOn: .iccPowerOn
        case .iccPowerOff: .iccPowerOff
        case .getSlotStatus: .getSlotStatus
        case .xfrBlock: .xfrBlock
        case .getParameters: .getParameters
        case .resetParameters: .resetParameters
        case .setParameters: .setParameters
        case .escape: .escape
        case .iccClock: .iccClock
        case .t0APDU: .t0APDU
        case .secure: .secure
        case .mechanical: .mechanical
        case .abort: .abort
        case .setDataRateAndClockFrequency: .setDataRateAndClockFrequency
        }
    }

    /// The message as sent on the bulk OUT endpoint.
    public var bytes: [UInt8] {
        let (specific, payload) = specificBytesAndPayload
        var out: [UInt8] = [messageType.rawValue]
        out.reserveCapacity(CCIDMessageHeader.length + payload.count)
        out.appendLittleEndian(UInt32(payload.count))
        out.append(slot)
        out.append(sequence)
        out.append(contentsOf: specific)
        out.append(contentsOf: payload)
        return out
    }

    private var specificBytesAndPayload: ([UInt8], [UInt8]) {
        switch body {
        case .iccPowerOn(let power):
            return ([power.rawValue, 0, 0], [])
        case .iccPowerOff, .getSlotStatus, .getParameters, .resetParameters, .abort:
            return ([0, 0, 0], [])
        case .xfrBlock(let bwi, let level, let data), .secure(let bwi, let level, let data):
            return ([bwi, UInt8(level & 0xFF), UInt8(level >> 8)], data)
        case .setParameters(let parameters):
            return ([parameters.protocolNumber, 0, 0], parameters.bytes)
        case .escape(let data):
            return ([0, 0, 0], data)
        case .iccClock(let command):
            return ([command.rawValue, 0, 0], [])
        case .t0APDU(let changes, let getResponse, let envelope):
            return ([changes, getResponse, envelope], [])
        case .mechanical(let function):
            return ([function.rawValue, 0, 0], [])
        case .setDataRateAndClockFrequency(let clock, let rate):
            var payload: [UInt8] = []
            payload.appendLittleEndian(clock)
            payload.appendLittleEndian(rate)
            return ([0, 0, 0], payload)
        }
    }

    /// Decodes a command, as a reader (or a test's fake reader) receives it.
    public init(bytes: [UInt8]) throws(CCIDMessageError) {
        let header = try CCIDRawMessage(bytes: bytes)
        guard let type = CCIDMessageType(rawValue: header.messageType), type.responseType != nil else {
            throw .unknownMessageType(header.messageType)
        }
        self.slot = header.slot
        self.sequence = header.sequence
        self.body = try Self.decodeBody(type, header)
    }

    private static func decodeBody(_ type: CCIDMessageType, _ message: CCIDRawMessage) throws(CCIDMessageError) -> Body {
        let (b7, b8, b9) = (message.specific.0, message.specific.1, message.specific.2)
        let level = UInt16(b8) | UInt16(b9) << 8
        switch type {
        case .iccPowerOn:
            guard let power = PowerSelect(rawValue: b7) else { throw .invalidField(name: "bPowerSelect", value: b7) }
            return .iccPowerOn(power)
        case .iccPowerOff: return .iccPowerOff
        case .getSlotStatus: return .getSlotStatus
        case .xfrBlock: return .xfrBlock(blockWaitingTimeMultiplier: b7, levelParameter: level, data: message.payload)
        case .getParameters: return .getParameters
        case .resetParameters: return .resetParameters
        case .setParameters: return .setParameters(ProtocolParameters(protocolNumber: b7, data: message.payload))
        case .escape: return .escape(message.payload)
        case .iccClock:
            guard let command = ClockCommand(rawValue: b7) else { throw .invalidField(name: "bClockCommand", value: b7) }
            return .iccClock(command)
        case .t0APDU: return .t0APDU(changes: b7, classGetResponse: b8, classEnvelope: b9)
        case .secure: return .secure(blockWaitingTimeMultiplier: b7, levelParameter: level, data: message.payload)
        case .mechanical:
            guard let function = MechanicalFunction(rawValue: b7) else { throw .invalidField(name: "bFunction", value: b7) }
            return .mechanical(function)
        case .abort: return .abort
        case .setDataRateAndClockFrequency:
            guard message.payload.count == 8 else { throw .lengthMismatch(declared: 8, actual: message.payload.count) }
            return .setDataRateAndClockFrequency(
                clockFrequency: message.payload.littleEndianUInt32(at: 0),
                dataRate: message.payload.littleEndianUInt32(at: 4))
        default:
            throw .unknownMessageType(type.rawValue)
        }
    }
}

/// A reader-to-host (bulk IN) message. All response types share this layout; the
/// accessors interpret byte 9 per type.
public struct CCIDResponse: Sendable, Hashable {
    public var messageType: CCIDMessageType
    /// `bSlot`, echoed from the command.
    public var slot: UInt8
    /// `bSeq`, echoed from the command.
    public var sequence: UInt8
    /// `bStatus`.
    public var status: SlotStatusByte
    /// `bError`: the failure reason, or the time-extension multiplier.
    public var error: SlotError
    /// Byte 9: `bChainParameter`, `bClockStatus` or `bProtocolNum`, by message type.
    public var specific: UInt8
    public var payload: [UInt8]

    public init(
        messageType: CCIDMessageType, slot: UInt8, sequence: UInt8, status: SlotStatusByte,
        error: SlotError = .commandNotSupported, specific: UInt8 = 0, payload: [UInt8] = []
    ) {
        self.messageType = messageType
        self.slot = slot
        self.sequence = sequence
        self.status = status
        self.error = error
        self.specific = specific
        self.payload = payload
    }

    /// Decodes a bulk IN message. The length must be exactly 10 + `dwLength`.
    public init(bytes: [UInt8]) throws(CCIDMessageError) {
        let message = try CCIDRawMessage(bytes: bytes)
        guard let type = CCIDMessageType(rawValue: message.messageType), type.rawValue >= 0x80 else {
            throw .unknownMessageType(message.messageType)
        }
        self.messageType = type
        self.slot = message.slot
        self.sequence = message.sequence
        self.status = SlotStatusByte(rawValue: message.specific.0)
        self.error = SlotError(rawValue: message.specific.1)
        self.specific = message.specific.2
        self.payload = message.payload
    }

    /// The message as the reader sends it.
    public var bytes: [UInt8] {
        var out: [UInt8] = [messageType.rawValue]
        out.appendLittleEndian(UInt32(payload.count))
        out.append(contentsOf: [slot, sequence, status.rawValue, error.rawValue, specific])
        out.append(contentsOf: payload)
        return out
    }

    /// `bChainParameter` of a DataBlock, or nil for a value the CCID specification does not
    /// define.
    public var chainParameter: ChainParameter? { ChainParameter(rawValue: UInt16(specific)) }

    /// `bClockStatus` of a SlotStatus.
    public var clockStatus: ClockStatus? { ClockStatus(rawValue: specific) }

    /// The protocol data structure of a Parameters response.
    public var parameters: ProtocolParameters { ProtocolParameters(protocolNumber: specific, data: payload) }
}

/// The fields common to every bulk message, before interpretation.
struct CCIDRawMessage {
    var messageType: UInt8
    var slot: UInt8
    var sequence: UInt8
    var specific: (UInt8, UInt8, UInt8)
    var payload: [UInt8]

    init(bytes: [UInt8]) throws(CCIDMessageError) {
        guard bytes.count >= CCIDMessageHeader.length else { throw .tooShort(bytes.count) }
        let declared = Int(bytes.littleEndianUInt32(at: 1))
        let actual = bytes.count - CCIDMessageHeader.length
        guard declared == actual else { throw .lengthMismatch(declared: declared, actual: actual) }

        self.messageType = bytes[0]
        self.slot = bytes[5]
        self.sequence = bytes[6]
        self.specific = (bytes[7], bytes[8], bytes[9])
        self.payload = Array(bytes[CCIDMessageHeader.length...])
    }
}

/// A reason why bytes are not a valid CCID message.
public enum CCIDMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer than 10 bytes.
    case tooShort(Int)
    /// `dwLength` does not match the number of bytes after the header.
    case lengthMismatch(declared: Int, actual: Int)
    /// `bMessageType` is not a known message of the expected direction.
    case unknownMessageType(UInt8)
    /// A field contains a value the specification does not define.
    case invalidField(name: String, value: UInt8)

    public var description: String {
        switch self {
        case .tooShort(let count):
            "CCID message has \(count) bytes, fewer than the 10-byte header"
        case .lengthMismatch(let declared, let actual):
            "CCID message dwLength is \(declared) but \(actual) bytes follow the header"
        case .unknownMessageType(let type):
            "unknown CCID message type 0x\(hex2(type))"
        case .invalidField(let name, let value):
            "invalid CCID \(name) 0x\(hex2(value))"
        }
    }
}
