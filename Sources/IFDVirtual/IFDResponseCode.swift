/// A return code of the IFD handler API (`RESPONSECODE`), as pcscd 1.9.9 interprets it.
public struct IFDResponseCode: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `IFD_SUCCESS`.
    public static let success = IFDResponseCode(rawValue: 0)
    /// The tag is not supported. `IFD_ERROR_TAG`.
    public static let errorTag = IFDResponseCode(rawValue: 600)
    /// The PPS exchange failed. `IFD_ERROR_PTS_FAILURE`.
    public static let ptsFailure = IFDResponseCode(rawValue: 605)
    /// The operation is not supported by the handler. `IFD_ERROR_NOT_SUPPORTED`.
    public static let errorNotSupported = IFDResponseCode(rawValue: 606)
    /// The requested protocol is not supported. `IFD_PROTOCOL_NOT_SUPPORTED`.
    public static let protocolNotSupported = IFDResponseCode(rawValue: 607)
    /// Power-up or reset failed. `IFD_ERROR_POWER_ACTION`.
    public static let powerActionFailed = IFDResponseCode(rawValue: 608)
    /// The exchange with the card or reader failed. `IFD_COMMUNICATION_ERROR`.
    public static let communicationError = IFDResponseCode(rawValue: 612)
    /// The action is not supported. `IFD_NOT_SUPPORTED`.
    public static let notSupported = IFDResponseCode(rawValue: 614)
    /// A card is present. `IFD_ICC_PRESENT`.
    public static let iccPresent = IFDResponseCode(rawValue: 615)
    /// No card is present. `IFD_ICC_NOT_PRESENT`.
    public static let iccNotPresent = IFDResponseCode(rawValue: 616)
    /// The LUN names no open reader. `IFD_NO_SUCH_DEVICE`.
    public static let noSuchDevice = IFDResponseCode(rawValue: 617)
    /// The caller's buffer is too small. `IFD_ERROR_INSUFFICIENT_BUFFER`.
    public static let insufficientBuffer = IFDResponseCode(rawValue: 618)

    public var description: String { "RESPONSECODE \(rawValue)" }
}
