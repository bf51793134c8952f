/// Settings of a `CCIDReader`, the equivalent of libccid's `ifdDriverOptions`.
public struct CCIDReaderOptions: Sendable {
    /// The first voltage tried at power-on (libccid option bits 0x30). Default 5 V, as
    /// libccid, because it does not read the class indicator of the ATR.
    public var powerOnVoltage: PowerSelect
    /// Passes raw escapes through `IOCTL_SMARTCARD_VENDOR_IFD_EXCHANGE` and advertises
    /// FEATURE_CCID_ESC_COMMAND (libccid option 0x01). Off by default: escapes can
    /// reprogram readers.
    public var allowsRawEscape: Bool
    /// Opens readers whose firmware is on the known-bad list (libccid option 0x04).
    public var allowsOutdatedFirmware: Bool
    /// Upper bound for one command including all time extensions the reader asks for, in
    /// milliseconds.
    public var maxCommandDuration: UInt32
    /// How long `waitForSlotChange` sleeps on readers without an interrupt endpoint, in
    /// milliseconds (pcscd polls every 400 ms).
    public var pollInterval: UInt32
    /// The reader name used in errors; nil uses the USB strings and VID:PID.
    public var displayName: String?
    /// Receives warnings that do not stop an operation: stale frames, wrong ATR check
    /// bytes, unknown notifications. Nil discards them. The handler may run while the reader's
    /// bulk lock is held, so it must not call back into the reader.
    public var warningHandler: (@Sendable (String) -> Void)?

    public init(
        powerOnVoltage: PowerSelect = .volts5, allowsRawEscape: Bool = false, allowsOutdatedFirmware: Bool = false,
        maxCommandDuration: UInt32 = 600_000, pollInterval: UInt32 = 400, displayName: String? = nil,
        warningHandler: (@Sendable (String) -> Void)? = nil
    ) {
        self.powerOnVoltage = powerOnVoltage
        self.allowsRawEscape = allowsRawEscape
        self.allowsOutdatedFirmware = allowsOutdatedFirmware
        self.maxCommandDuration = maxCommandDuration
        self.pollInterval = pollInterval
        self.displayName = displayName
        self.warningHandler = warningHandler
    }
}

/// The USB strings of a reader, read once at open. Nil when the device has none or the
/// read failed.
public struct ReaderStrings: Sendable, Hashable {
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    /// The `iInterface` string of the CCID interface.
    public var interface: String?

    public init(manufacturer: String? = nil, product: String? = nil, serialNumber: String? = nil, interface: String? = nil) {
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.interface = interface
    }
}

/// The event `waitForSlotChange` observed.
public enum SlotChangeEvent: Sendable, Hashable {
    /// The reader reported card movement. Confirm each changed slot with `slotStatus`:
    /// the notification is a hint, not the state.
    case slotsChanged(SlotChangeNotification)
    /// The reader reported a hardware error (code 0x01 is over-current) in a slot.
    case hardwareError(slot: Int, code: UInt8)
    /// Nothing arrived before the timeout.
    case timedOut
    /// The reader cannot report events (no interrupt endpoint, or ICCD). The call slept one
    /// polling interval; poll every slot with `slotStatus`.
    case pollRequired
}
