/// The appearance of a virtual CCID reader on the bus, fixed when it is created.
public struct VirtualReaderConfiguration: Sendable, Hashable {
    public var mode: VirtualReaderMode
    /// Number of slots, 1…16 (bMaxSlotIndex + 1).
    public var slotCount: Int
    /// True for a third endpoint, interrupt IN, that reports card insertion and removal.
    public var hasInterruptEndpoint: Bool
    /// Slots that hold a card from the start.
    public var cardsInserted: Set<Int>
    /// The iSerialNumber string.
    public var serialNumber: String
    /// Bus number and device address, which the host puts into SCARD_ATTR_CHANNEL_ID.
    public var busNumber: UInt8
    public var deviceAddress: UInt8
    /// dwMaxCCIDMessageLength: the longest bulk message, 10-byte header included (271…65546).
    public var maxMessageLength: Int

    /// The defaults are one slot with a card in it, an interrupt endpoint, bus 0 (which no
    /// real USB bus uses), address 1, serial "VC0000" and 271-byte messages.
    public init(
        mode: VirtualReaderMode = .tpduT1,
        slotCount: Int = 1,
        hasInterruptEndpoint: Bool = true,
        cardsInserted: Set<Int> = [0],
        serialNumber: String = "VC0000",
        busNumber: UInt8 = 0,
        deviceAddress: UInt8 = 1,
        maxMessageLength: Int = 271
    ) {
        precondition((1...16).contains(slotCount), "slotCount must be 1…16, not \(slotCount)")
        precondition((271...65546).contains(maxMessageLength), "maxMessageLength must be 271…65546")
        self.mode = mode
        self.slotCount = slotCount
        self.hasInterruptEndpoint = hasInterruptEndpoint
        self.cardsInserted = cardsInserted.filter { $0 < slotCount }
        self.serialNumber = serialNumber
        self.busNumber = busNumber
        self.deviceAddress = deviceAddress
        self.maxMessageLength = maxMessageLength
    }

    /// The largest payload of one message.
    var maxDataLength: Int { maxMessageLength - 10 }
}
