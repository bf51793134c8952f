import PCSCTypes
import USBTransport

/// A failure of a reader operation.
public enum CCIDError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No card in the slot.
    case cardAbsent
    /// A card is present but does not respond.
    case cardMute
    /// The card is present but not powered; power it on first.
    case cardNotPowered
    /// The USB device was unplugged.
    case deviceGone
    /// `close()` was called on the reader.
    case readerClosed
    /// The reader sent something unusable or failed a command, as the detail describes.
    case communicationError(CCIDCommunicationFailure)
    /// The reader did not respond to a command in time (after any time extensions).
    case timeout(CCIDMessageType)
    /// The requested protocols are not available with this card and reader.
    case protocolNotSupported(CardProtocols)
    /// The card rejected the PPS; reset it before trying again.
    case ppsFailed
    /// The card cannot be used with this reader, for the reason in the text.
    case cardUnsupported(String)
    /// The output needs a buffer of the given size, larger than the caller's.
    case insufficientBuffer(needed: Int)
    /// The driver does not implement this reader's exchange level.
    case unsupportedExchangeLevel(reader: String, level: String)
    /// The driver does not implement this reader's transport (ICCD version A).
    case unsupportedTransport(reader: String, transport: CCIDTransportProtocol)
    /// The reader's firmware is below the known-good release; the daemon option that allows
    /// old firmware overrides the check.
    case firmwareTooOld(reader: String, release: UInt16, minimum: UInt16)
    /// The operation or control code is not supported by this reader.
    case notSupported(String)
    /// An argument is invalid; the text names it.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .cardAbsent: "no card in the slot"
        case .cardMute: "the card does not respond"
        case .cardNotPowered: "the card is not powered"
        case .deviceGone: "the reader was unplugged"
        case .readerClosed: "the reader was closed"
        case .communicationError(let failure): "communication error: \(failure)"
        case .timeout(let command): "the reader did not respond to \(command) in time"
        case .protocolNotSupported(let protocols): "protocol \(protocols) is not supported by the card or reader"
        case .ppsFailed: "the card rejected the PPS request; reset the card"
        case .cardUnsupported(let reason): "card not supported: \(reason)"
        case .insufficientBuffer(let needed): "output needs a buffer of \(needed) bytes"
        case .unsupportedExchangeLevel(let reader, let level):
            "reader \"\(reader)\" uses the \(level) exchange level, which this driver does not implement"
        case .unsupportedTransport(let reader, let transport):
            "reader \"\(reader)\" uses the \(transport) transport, which this driver does not implement"
        case .firmwareTooOld(let reader, let release, let minimum):
            "reader \"\(reader)\" firmware \(bcdText(release)) is older than the required \(bcdText(minimum)); allow old firmware to use it anyway"
        case .notSupported(let what): "not supported: \(what)"
        case .invalidParameter(let what): "invalid parameter: \(what)"
        }
    }

    /// Maps a USB error: an unplugged device becomes `.deviceGone`.
    init(_ error: USBError, during command: CCIDMessageType) {
        switch error {
        case .noDevice: self = .deviceGone
        case .cancelled: self = .readerClosed
        case .timeout: self = .timeout(command)
        default: self = .communicationError(.usb(error, command: command))
        }
    }
}

/// The detail of a communication error.
public enum CCIDCommunicationFailure: Equatable, Sendable, CustomStringConvertible {
    /// A USB transfer failed.
    case usb(USBError, command: CCIDMessageType)
    /// A response could not be decoded.
    case invalidResponse(CCIDMessageError, command: CCIDMessageType)
    /// A response of the wrong type arrived.
    case unexpectedResponse(CCIDMessageType, command: CCIDMessageType)
    /// More than the allowed number of stale frames (wrong bSeq or bSlot) arrived.
    case tooManyStaleFrames(command: CCIDMessageType)
    /// The reader reported a failure.
    case commandFailed(CCIDMessageType, SlotError)
    /// The reader reported the reserved `bmICCStatus` value 3.
    case invalidSlotStatus
    /// The T=1 protocol failed.
    case t1(T1Error)
    /// Extended-APDU chaining failed, as the text describes.
    case chaining(String)
    /// The card's ATR cannot be parsed.
    case invalidATR(ATRError)
    /// The interface could not be claimed (often because another program has claimed it).
    case claimFailed(USBError)
    /// The response to an ICCD control transfer is unusable, for the reason in the text.
    case iccd(String)

    public var description: String {
        switch self {
        case .usb(let error, let command): "\(error) during \(command)"
        case .invalidResponse(let error, let command): "\(error) in the response to \(command)"
        case .unexpectedResponse(let type, let command): "\(type) received in response to \(command)"
        case .tooManyStaleFrames(let command): "too many stale frames while waiting for the response to \(command)"
        case .commandFailed(let command, let error): "\(command) failed: \(error)"
        case .invalidSlotStatus: "reader reported the reserved card status 3"
        case .t1(let error): "\(error)"
        case .chaining(let detail): "extended APDU chaining: \(detail)"
        case .invalidATR(let error): "\(error)"
        case .claimFailed(let error): "cannot claim the interface: \(error)"
        case .iccd(let detail): "ICCD: \(detail)"
        }
    }
}

/// Formats a BCD release number as `M.mm`.
func bcdText(_ value: UInt16) -> String {
    String(value >> 8, radix: 16) + "." + hex2(UInt8(value & 0xFF))
}
