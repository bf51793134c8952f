/// A PC/SC return code other than `SCARD_S_SUCCESS`.
///
/// The raw value is the 32-bit code that travels on the wire and that the C API widens to
/// a 64-bit `LONG` by zero extension (so `0x80100008` stays positive in C).
public struct PCSCError: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Returns nil for `SCARD_S_SUCCESS` (0) and the error for any other code.
    public init?(code: UInt32) {
        if code == 0 { return nil }
        self.rawValue = code
    }

    /// The symbolic C name, or the hexadecimal value for codes without one.
    public var description: String {
        Self.symbolicName(rawValue) ?? "0x" + String(rawValue, radix: 16, uppercase: true)
    }

    /// The text `pcsc_stringify_error` returns for this code, or nil where pcsc-lite 1.9.9
    /// has none (it then prints `Unknown error: 0x%08lX`).
    public var message: String? {
        Self.messageText(rawValue)
    }
}

extension PCSCError {
    /// An internal consistency check failed. `SCARD_F_INTERNAL_ERROR`.
    public static let internalError = PCSCError(rawValue: 0x8010_0001)
    /// The action was cancelled by an SCardCancel request. `SCARD_E_CANCELLED`.
    public static let cancelled = PCSCError(rawValue: 0x8010_0002)
    /// The supplied handle was invalid. `SCARD_E_INVALID_HANDLE`.
    public static let invalidHandle = PCSCError(rawValue: 0x8010_0003)
    /// One or more of the supplied parameters could not be properly interpreted. `SCARD_E_INVALID_PARAMETER`.
    public static let invalidParameter = PCSCError(rawValue: 0x8010_0004)
    /// Registry startup information is missing or invalid. `SCARD_E_INVALID_TARGET`.
    public static let invalidTarget = PCSCError(rawValue: 0x8010_0005)
    /// Not enough memory available to complete this command. `SCARD_E_NO_MEMORY`.
    public static let noMemory = PCSCError(rawValue: 0x8010_0006)
    /// An internal consistency timer has expired. `SCARD_F_WAITED_TOO_LONG`.
    public static let waitedTooLong = PCSCError(rawValue: 0x8010_0007)
    /// The data buffer to receive returned data is too small. `SCARD_E_INSUFFICIENT_BUFFER`.
    public static let insufficientBuffer = PCSCError(rawValue: 0x8010_0008)
    /// The specified reader name is not recognized. `SCARD_E_UNKNOWN_READER`.
    public static let unknownReader = PCSCError(rawValue: 0x8010_0009)
    /// The user-specified timeout value has expired. `SCARD_E_TIMEOUT`.
    public static let timeout = PCSCError(rawValue: 0x8010_000A)
    /// The smart card cannot be accessed because of other connections outstanding. `SCARD_E_SHARING_VIOLATION`.
    public static let sharingViolation = PCSCError(rawValue: 0x8010_000B)
    /// The operation requires a smart card, but no smart card is in the device. `SCARD_E_NO_SMARTCARD`.
    public static let noSmartCard = PCSCError(rawValue: 0x8010_000C)
    /// The specified smart card name is not recognized. `SCARD_E_UNKNOWN_CARD`.
    public static let unknownCard = PCSCError(rawValue: 0x8010_000D)
    /// The system could not dispose of the media in the requested manner. `SCARD_E_CANT_DISPOSE`.
    public static let cantDispose = PCSCError(rawValue: 0x8010_000E)
    /// The requested protocols are incompatible with the protocol in use with the card. `SCARD_E_PROTO_MISMATCH`.
    public static let protocolMismatch = PCSCError(rawValue: 0x8010_000F)
    /// The reader or smart card is not ready to accept commands. `SCARD_E_NOT_READY`.
    public static let notReady = PCSCError(rawValue: 0x8010_0010)
    /// One or more of the supplied parameter values could not be properly interpreted. `SCARD_E_INVALID_VALUE`.
    public static let invalidValue = PCSCError(rawValue: 0x8010_0011)
    /// The action was cancelled by the system. `SCARD_E_SYSTEM_CANCELLED`.
    public static let systemCancelled = PCSCError(rawValue: 0x8010_0012)
    /// An internal communications error has been detected. `SCARD_F_COMM_ERROR`.
    public static let commError = PCSCError(rawValue: 0x8010_0013)
    /// An internal error has been detected, but the source is unknown. `SCARD_F_UNKNOWN_ERROR`.
    public static let unknownError = PCSCError(rawValue: 0x8010_0014)
    /// An ATR obtained from the registry is not a valid ATR string. `SCARD_E_INVALID_ATR`.
    public static let invalidATR = PCSCError(rawValue: 0x8010_0015)
    /// An attempt was made to end a non-existent transaction. `SCARD_E_NOT_TRANSACTED`.
    public static let notTransacted = PCSCError(rawValue: 0x8010_0016)
    /// The specified reader is not currently available for use. `SCARD_E_READER_UNAVAILABLE`.
    public static let readerUnavailable = PCSCError(rawValue: 0x8010_0017)
    /// The operation has been aborted to allow the server application to exit. `SCARD_P_SHUTDOWN`.
    public static let shutdown = PCSCError(rawValue: 0x8010_0018)
    /// The PCI receive buffer was too small. `SCARD_E_PCI_TOO_SMALL`.
    public static let pciTooSmall = PCSCError(rawValue: 0x8010_0019)
    /// The reader driver does not meet minimal requirements for support. `SCARD_E_READER_UNSUPPORTED`.
    public static let readerUnsupported = PCSCError(rawValue: 0x8010_001A)
    /// The reader driver did not produce a unique reader name. `SCARD_E_DUPLICATE_READER`.
    public static let duplicateReader = PCSCError(rawValue: 0x8010_001B)
    /// The smart card does not meet minimal requirements for support. `SCARD_E_CARD_UNSUPPORTED`.
    public static let cardUnsupported = PCSCError(rawValue: 0x8010_001C)
    /// The smart card resource manager is not running. `SCARD_E_NO_SERVICE`.
    public static let noService = PCSCError(rawValue: 0x8010_001D)
    /// The smart card resource manager has shut down. `SCARD_E_SERVICE_STOPPED`.
    public static let serviceStopped = PCSCError(rawValue: 0x8010_001E)
    /// The feature is not supported; the same value as `SCARD_E_UNEXPECTED`. `SCARD_E_UNSUPPORTED_FEATURE`.
    public static let unsupportedFeature = PCSCError(rawValue: 0x8010_001F)
    /// No smart card reader is available. `SCARD_E_NO_READERS_AVAILABLE`.
    public static let noReadersAvailable = PCSCError(rawValue: 0x8010_002E)
    /// The reader cannot communicate with the card because of ATR configuration conflicts. `SCARD_W_UNSUPPORTED_CARD`.
    public static let unsupportedCard = PCSCError(rawValue: 0x8010_0065)
    /// The smart card is not responding to a reset. `SCARD_W_UNRESPONSIVE_CARD`.
    public static let unresponsiveCard = PCSCError(rawValue: 0x8010_0066)
    /// Power has been removed from the smart card. `SCARD_W_UNPOWERED_CARD`.
    public static let unpoweredCard = PCSCError(rawValue: 0x8010_0067)
    /// The smart card has been reset, so any shared state is invalid. `SCARD_W_RESET_CARD`.
    public static let resetCard = PCSCError(rawValue: 0x8010_0068)
    /// The smart card has been removed. `SCARD_W_REMOVED_CARD`.
    public static let removedCard = PCSCError(rawValue: 0x8010_0069)
    /// Access was denied because of a security violation. `SCARD_W_SECURITY_VIOLATION`.
    public static let securityViolation = PCSCError(rawValue: 0x8010_006A)
}

extension PCSCError {
    /// Symbolic names of every code pcsc-lite 1.9.9 defines (`SCARD_E_UNEXPECTED` shares
    /// 0x8010001F with `SCARD_E_UNSUPPORTED_FEATURE`, which is the name used here).
    /// The symbolic name of every code pcsc-lite 1.9.9 defines (`SCARD_E_UNEXPECTED` shares
    /// 0x8010001F with `SCARD_E_UNSUPPORTED_FEATURE`, which is the name used here). A switch
    /// rather than a dictionary, so libpcsclite.so.1 builds no table at run time.
    static func symbolicName(_ code: UInt32) -> String? {
        switch code {
        case 0x8010_0001: "SCARD_F_INTERNAL_ERROR"
        case 0x8010_0002: "SCARD_E_CANCELLED"
        case 0x8010_0003: "SCARD_E_INVALID_HANDLE"
        case 0x8010_0004: "SCARD_E_INVALID_PARAMETER"
        case 0x8010_0005: "SCARD_E_INVALID_TARGET"
        case 0x8010_0006: "SCARD_E_NO_MEMORY"
        case 0x8010_0007: "SCARD_F_WAITED_TOO_LONG"
        case 0x8010_0008: "SCARD_E_INSUFFICIENT_BUFFER"
        case 0x8010_0009: "SCARD_E_UNKNOWN_READER"
        case 0x8010_000A: "SCARD_E_TIMEOUT"
        case 0x8010_000B: "SCARD_E_SHARING_VIOLATION"
        case 0x8010_000C: "SCARD_E_NO_SMARTCARD"
        case 0x8010_000D: "SCARD_E_UNKNOWN_CARD"
        case 0x8010_000E: "SCARD_E_CANT_DISPOSE"
        case 0x8010_000F: "SCARD_E_PROTO_MISMATCH"
        case 0x8010_0010: "SCARD_E_NOT_READY"
        case 0x8010_0011: "SCARD_E_INVALID_VALUE"
        case 0x8010_0012: "SCARD_E_SYSTEM_CANCELLED"
        case 0x8010_0013: "SCARD_F_COMM_ERROR"
        case 0x8010_0014: "SCARD_F_UNKNOWN_ERROR"
        case 0x8010_0015: "SCARD_E_INVALID_ATR"
        case 0x8010_0016: "SCARD_E_NOT_TRANSACTED"
        case 0x8010_0017: "SCARD_E_READER_UNAVAILABLE"
        case 0x8010_0018: "SCARD_P_SHUTDOWN"
        case 0x8010_0019: "SCARD_E_PCI_TOO_SMALL"
        case 0x8010_001A: "SCARD_E_READER_UNSUPPORTED"
        case 0x8010_001B: "SCARD_E_DUPLICATE_READER"
        case 0x8010_001C: "SCARD_E_CARD_UNSUPPORTED"
        case 0x8010_001D: "SCARD_E_NO_SERVICE"
        case 0x8010_001E: "SCARD_E_SERVICE_STOPPED"
        case 0x8010_001F: "SCARD_E_UNSUPPORTED_FEATURE"
        case 0x8010_0020: "SCARD_E_ICC_INSTALLATION"
        case 0x8010_0021: "SCARD_E_ICC_CREATEORDER"
        case 0x8010_0023: "SCARD_E_DIR_NOT_FOUND"
        case 0x8010_0024: "SCARD_E_FILE_NOT_FOUND"
        case 0x8010_0025: "SCARD_E_NO_DIR"
        case 0x8010_0026: "SCARD_E_NO_FILE"
        case 0x8010_0027: "SCARD_E_NO_ACCESS"
        case 0x8010_0028: "SCARD_E_WRITE_TOO_MANY"
        case 0x8010_0029: "SCARD_E_BAD_SEEK"
        case 0x8010_002A: "SCARD_E_INVALID_CHV"
        case 0x8010_002B: "SCARD_E_UNKNOWN_RES_MNG"
        case 0x8010_002C: "SCARD_E_NO_SUCH_CERTIFICATE"
        case 0x8010_002D: "SCARD_E_CERTIFICATE_UNAVAILABLE"
        case 0x8010_002E: "SCARD_E_NO_READERS_AVAILABLE"
        case 0x8010_002F: "SCARD_E_COMM_DATA_LOST"
        case 0x8010_0030: "SCARD_E_NO_KEY_CONTAINER"
        case 0x8010_0031: "SCARD_E_SERVER_TOO_BUSY"
        case 0x8010_0065: "SCARD_W_UNSUPPORTED_CARD"
        case 0x8010_0066: "SCARD_W_UNRESPONSIVE_CARD"
        case 0x8010_0067: "SCARD_W_UNPOWERED_CARD"
        case 0x8010_0068: "SCARD_W_RESET_CARD"
        case 0x8010_0069: "SCARD_W_REMOVED_CARD"
        case 0x8010_006A: "SCARD_W_SECURITY_VIOLATION"
        case 0x8010_006B: "SCARD_W_WRONG_CHV"
        case 0x8010_006C: "SCARD_W_CHV_BLOCKED"
        case 0x8010_006D: "SCARD_W_EOF"
        case 0x8010_006E: "SCARD_W_CANCELLED_BY_USER"
        case 0x8010_006F: "SCARD_W_CARD_NOT_AUTHENTICATED"
        default: nil
        }
    }

    /// The texts of pcsc-lite 1.9.9's `pcsc_stringify_error`, by code.
    static func messageText(_ code: UInt32) -> String? {
        switch code {
        case 0x0000_0000: "Command successful."
        case 0x8010_0001: "Internal error."
        case 0x8010_0002: "Command cancelled."
        case 0x8010_0003: "Invalid handle."
        case 0x8010_0004: "Invalid parameter given."
        case 0x8010_0005: "Invalid target given."
        case 0x8010_0006: "Not enough memory."
        case 0x8010_0007: "Waited too long."
        case 0x8010_0008: "Insufficient buffer."
        case 0x8010_0009: "Unknown reader specified."
        case 0x8010_000A: "Command timeout."
        case 0x8010_000B: "Sharing violation."
        case 0x8010_000C: "No smart card inserted."
        case 0x8010_000D: "Unknown card."
        case 0x8010_000E: "Cannot dispose handle."
        case 0x8010_000F: "Card protocol mismatch."
        case 0x8010_0010: "Subsystem not ready."
        case 0x8010_0011: "Invalid value given."
        case 0x8010_0012: "System cancelled."
        case 0x8010_0013: "RPC transport error."
        case 0x8010_0014: "Unknown error."
        case 0x8010_0015: "Invalid ATR."
        case 0x8010_0016: "Transaction failed."
        case 0x8010_0017: "Reader is unavailable."
        case 0x8010_0019: "PCI struct too small."
        case 0x8010_001A: "Reader is unsupported."
        case 0x8010_001B: "Reader already exists."
        case 0x8010_001C: "Card is unsupported."
        case 0x8010_001D: "Service not available."
        case 0x8010_001E: "Service was stopped."
        case 0x8010_001F: "Feature not supported."
        case 0x8010_002E: "Cannot find a smart card reader."
        case 0x8010_0065: "Card is not supported."
        case 0x8010_0066: "Card is unresponsive."
        case 0x8010_0067: "Card is unpowered."
        case 0x8010_0068: "Card was reset."
        case 0x8010_0069: "Card was removed."
        case 0x8010_006A: "Access denied."
        default: nil
        }
    }

    /// Returns the `pcsc_stringify_error` text for any 32-bit code, including success.
    public static func stringify(_ code: UInt32) -> String {
        if let text = messageText(code) { return text }
        return "Unknown error: 0x" + hex(code, width: 8)
    }
}

/// Formats `value` as upper-case hexadecimal, zero-padded to `width` digits.
public func hex<T: BinaryInteger>(_ value: T, width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
