/// The 21-byte response of Gemalto readers to the escape `6A` (get firmware features).
public struct GemaltoFirmwareFeatures: Sendable, Hashable {
    /// The escape command that returns the block.
    static let escapeCommand: [UInt8] = [0x6A]
    /// Size of the block; other sizes are ignored.
    static let length = 21

    /// bEntryValidationCondition mask the firmware supports.
    public var entryValidationCondition: UInt8
    /// The firmware handles the bMsgIndex shift of PIN modify structures correctly.
    public var handlesMessageIndexShift: Bool
    public var minimumPINSize: UInt8
    public var maximumPINSize: UInt8

    /// Decodes the block; nil unless it is exactly 21 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.length else { return nil }
        entryValidationCondition = bytes[3]
        handlesMessageIndexShift = bytes[8] & 0x04 != 0
        minimumPINSize = bytes[13]
        maximumPINSize = bytes[14]
    }
}
