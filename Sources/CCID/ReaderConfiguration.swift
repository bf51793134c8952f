import PCSCTypes
import USBTransport

/// The effective settings of one CCID interface: the class descriptor with the reader's
/// quirks applied. `CCIDReader` builds one with `init(device:interface:)`.
public struct CCIDReaderConfiguration: Sendable, Hashable {
    public var product: USBProductID
    /// `bcdDevice` of the device.
    public var firmwareRelease: UInt16
    public var interface: CCIDInterface
    public var quirks: ReaderQuirks

    /// The exchange level the driver uses, or nil when the descriptor's level bits are
    /// undefined.
    public var exchangeLevel: ExchangeLevel?
    /// `dwFeatures` with the exchange level replaced by the effective one and the automatic
    /// IFSD bit added for readers that reject the host's IFSD request.
    public var features: CCIDFeatures
    /// `bPINSupport`, cleared for fake or leaking PIN pads.
    public var pinSupport: PINSupport
    /// `dwMaxIFSD`, corrected for the MySmartPad.
    public var maxIFSD: UInt32
    /// `dwMaxDataRate`, corrected for readers with speed limits.
    public var maxDataRate: UInt32
    /// The largest bulk message the driver sends, header included. This is
    /// `dwMaxCCIDMessageLength`, except 271 for readers that declare 263 (an SCM firmware
    /// bug; 271 fits a 261-byte short APDU).
    public var maxCommandMessageLength: Int

    public init(device info: USBDeviceInfo, interface: CCIDInterface) {
        let product = USBProductID(vendorID: info.vendorID, productID: info.productID)
        let descriptor = interface.descriptor
        let quirks = ReaderQuirks(
            product: product, firmwareRelease: info.deviceRelease,
            declaredMaxMessageLength: descriptor.maxMessageLength)

        self.product = product
        self.firmwareRelease = info.deviceRelease
        self.interface = interface
        self.quirks = quirks
        self.exchangeLevel = Self.effectiveLevel(interface, quirks)
        self.features = descriptor.features
        if let level = exchangeLevel {
            features = features.replacingExchangeLevel(with: level)
        }
        if quirks.skipsIFSDNegotiation {
            features.insert(.automaticIFSDExchange)
        }
        self.pinSupport = quirks.pinPadDisabled ? [] : descriptor.pinSupport
        self.maxIFSD = quirks.maxIFSDOverride ?? descriptor.maxIFSD
        self.maxDataRate = quirks.maxDataRateOverride ?? descriptor.maxDataRate
        if let ceiling = quirks.dataRateCeiling {
            maxDataRate = min(maxDataRate, ceiling)
        }
        self.maxCommandMessageLength =
            quirks.acceptsLongerMessagesThanDeclared ? 271 : Int(descriptor.maxMessageLength)
    }

    private static func effectiveLevel(_ interface: CCIDInterface, _ quirks: ReaderQuirks) -> ExchangeLevel? {
        if let level = quirks.exchangeLevelOverride {
            return level
        }
        let declared = interface.descriptor.exchangeLevel
        // ICCD-B carries chained data blocks even when the token declares short APDU.
        if interface.transportProtocol == .iccdVersionB && declared == .shortAPDU {
            return .extendedAPDU
        }
        return declared
    }

    /// Number of slots of the reader.
    public var slotCount: Int { interface.descriptor.slotCount }

    /// The protocols of `dwProtocols`.
    public var protocols: CardProtocols { interface.descriptor.protocols }

    /// Whether card events come from the interrupt endpoint.
    public var usesInterruptEndpoint: Bool { interface.usesInterruptEndpoint }

    /// `dwDefaultClock`, in kHz.
    public var defaultClock: UInt32 { interface.descriptor.defaultClock }

    /// The largest APDU or TPDU that fits in one bulk message.
    public var maxCommandDataLength: Int { max(0, maxCommandMessageLength - CCIDMessageHeader.length) }

    /// Whether all slots may run commands at the same time (`bMaxCCIDBusySlots` equals the
    /// slot count). When false, commands to different slots must be serialised.
    public var slotsAreIndependent: Bool {
        Int(interface.descriptor.maxBusySlots) == slotCount
    }

    /// Whether the firmware release is below the quirk table's minimum.
    public var firmwareIsBelowMinimum: Bool {
        guard let minimum = quirks.minimumFirmwareRelease else { return false }
        return firmwareRelease < minimum
    }
}
