import PCSCTypes

/// Failures a reader driver reports to the daemon, mapped to PC/SC codes at one place.
enum DriverError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No card in the slot.
    case cardAbsent
    /// The card did not answer (power-up or exchange).
    case cardMute
    /// The reader was unplugged.
    case deviceGone
    /// The card or reader does not support the requested protocol.
    case protocolNotSupported
    /// Protocol negotiation (PPS) failed; the card must be reset.
    case protocolNegotiationFailed
    /// The driver does not implement this operation, attribute or control code.
    case notSupported
    /// The response is larger than the caller's buffer; the needed length is given.
    case insufficientBuffer(needed: Int)
    /// The reader does not work at this exchange level or with this card (named in detail).
    case unsupportedReader(String)
    /// Any other failure talking to the reader or card, described for the log.
    case communication(String)

    var description: String {
        switch self {
        case .cardAbsent: "no card in the slot"
        case .cardMute: "card is mute"
        case .deviceGone: "reader was removed"
        case .protocolNotSupported: "protocol not supported"
        case .protocolNegotiationFailed: "protocol negotiation (PPS) failed"
        case .notSupported: "not supported by the reader driver"
        case .insufficientBuffer(let needed): "answer needs \(needed) bytes"
        case .unsupportedReader(let detail): "unsupported reader: \(detail)"
        case .communication(let detail): detail
        }
    }
}

/// Card presence as the driver reports it.
enum CardPresence: Sendable, Equatable {
    case absent
    /// A card is present; `lostPower` is true when it was removed and re-inserted (or
    /// otherwise lost power) since the daemon powered it.
    case present(lostPower: Bool)
}

/// One card slot of a reader, as the daemon drives it. Calls on one slot are serialised
/// by the daemon; calls on different slots of one device may run at the same time.
protocol SlotDriver: AnyObject, Sendable {
    func presence() throws(DriverError) -> CardPresence
    /// Powers the card up (cold reset) and returns its ATR.
    func powerUp() throws(DriverError) -> [UInt8]
    /// Warm-resets the card and returns its ATR.
    func reset() throws(DriverError) -> [UInt8]
    func powerDown() throws(DriverError)
    /// Selects a protocol for the powered card (PPS and reader parameters) and returns the
    /// one in use, which may be the ATR's default when the requested one is refused.
    func setProtocol(_ cardProtocol: CardProtocols) throws(DriverError) -> CardProtocols
    /// Exchanges an APDU with the card using the selected protocol.
    func transmit(_ apdu: [UInt8], protocol cardProtocol: CardProtocols) throws(DriverError) -> [UInt8]
    /// Sends a control code to the reader (PC/SC part 10 features, escapes).
    func control(_ code: ControlCode, input: [UInt8], maxOutput: Int) throws(DriverError) -> [UInt8]
    /// Reads an attribute; nil when the driver does not know it.
    func attribute(_ id: AttributeID) throws(DriverError) -> [UInt8]?
    func setAttribute(_ id: AttributeID, value: [UInt8]) throws(DriverError)
}

/// A reader device: one or more slots plus a way to wait for card movement.
protocol ReaderDevice: AnyObject, Sendable {
    /// The base name, before the daemon appends " XX YY".
    var baseName: String { get }
    /// Identifies the driver family for the XX index (pcsc-lite numbers readers per driver).
    var driverName: String { get }
    /// Identifies the physical device, so hotplug can tell which reader left.
    var deviceKey: String { get }
    var slots: [any SlotDriver] { get }
    /// Waits until a slot may have changed or the timeout passes. Returns the slot
    /// indexes to re-check; an empty array on timeout. Devices without change
    /// notification return every slot after the poll interval.
    func waitForChange(timeoutMilliseconds: Int) throws(DriverError) -> [Int]
    func close()
}

extension ReaderDevice {
    /// The device's object identity. Embedded Swift's `ObjectIdentifier` accepts only a
    /// class type, not an `any ReaderDevice`, so the identity is taken here, where `Self`
    /// is the class.
    var objectIdentifier: ObjectIdentifier { ObjectIdentifier(self) }
}
