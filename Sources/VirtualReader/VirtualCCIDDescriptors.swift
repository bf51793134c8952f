import USBTransport

/// The USB identity of every virtual CCID reader: ids, strings, endpoints and descriptors.
///
/// VID:PID 1209:0001 uses the VID of pid.codes and is not in libccid's list of supported
/// readers, so pcsc-lite naming falls back to "iManufacturer iProduct":
/// `swift-pcsc Virtual CCID Reader [<interface string>] (<serial>) XX YY`.
public enum VirtualCCIDDescriptors {
    public static let vendorID: UInt16 = 0x1209
    public static let productID: UInt16 = 0x0001
    /// bcdDevice 1.00, so SCARD_ATTR_VENDOR_IFD_VERSION is 0x01000000.
    public static let deviceRelease: UInt16 = 0x0100

    public static let manufacturer = "swift-pcsc"
    public static let product = "Virtual CCID Reader"

    /// String descriptor indexes.
    public static let manufacturerStringIndex: UInt8 = 1
    public static let productStringIndex: UInt8 = 2
    public static let serialNumberStringIndex: UInt8 = 3
    public static let interfaceStringIndex: UInt8 = 4

    /// Endpoint addresses.
    public static let bulkOutEndpoint: UInt8 = 0x01
    public static let bulkInEndpoint: UInt8 = 0x82
    public static let interruptInEndpoint: UInt8 = 0x83

    /// dwDefaultClock and dwMaximumClock, in kHz.
    public static let clockKilohertz: UInt32 = 4000
    /// dwDataRate: the rate at F = 372, D = 1 and 4 MHz, in bit/s.
    public static let defaultDataRate: UInt32 = 10752
    /// dwMaxDataRate: the rate the card's TA1 (Fi 512, Di 32) allows at 4 MHz, in bit/s.
    public static let maxDataRate: UInt32 = 250_000
    /// dwMaxIFSD.
    public static let maxIFSD: UInt32 = 254
    /// dwMechanical: lock and unlock only.
    public static let mechanical: UInt32 = 0x08
    /// bPINSupport: PIN verification and modification.
    public static let pinSupport: UInt8 = 0x03

    /// Returns the text of string descriptor `index` for a reader with `configuration`,
    /// or nil when the index is not defined.
    public static func string(at index: UInt8, for configuration: VirtualReaderConfiguration) -> String? {
        switch index {
        case manufacturerStringIndex: manufacturer
        case productStringIndex: product
        case serialNumberStringIndex: configuration.serialNumber
        case interfaceStringIndex: configuration.mode.interfaceName
        default: nil
        }
    }

    /// Returns the device information the host sees before the first transfer.
    public static func deviceInfo(for configuration: VirtualReaderConfiguration) -> USBDeviceInfo {
        USBDeviceInfo(
            vendorID: vendorID, productID: productID, deviceRelease: deviceRelease,
            busNumber: configuration.busNumber, deviceAddress: configuration.deviceAddress,
            manufacturerStringIndex: manufacturerStringIndex, productStringIndex: productStringIndex,
            serialNumberStringIndex: serialNumberStringIndex,
            configurationDescriptor: configurationDescriptor(for: configuration))
    }

    /// Returns the configuration descriptor with the interface, CCID class and endpoint
    /// descriptors that follow it.
    public static func configurationDescriptor(for configuration: VirtualReaderConfiguration) -> [UInt8] {
        let endpointCount: UInt8 = configuration.hasInterruptEndpoint ? 3 : 2
        let interface: [UInt8] = [9, 0x04, 0, 0, endpointCount, 0x0B, 0, 0, interfaceStringIndex]

        var endpoints: [UInt8] = [7, 0x05, bulkOutEndpoint, 0x02, 64, 0, 0]
        endpoints += [7, 0x05, bulkInEndpoint, 0x02, 64, 0, 0]
        if configuration.hasInterruptEndpoint {
            endpoints += [7, 0x05, interruptInEndpoint, 0x03, 8, 0, 0x10]
        }

        let body = interface + classDescriptor(for: configuration) + endpoints
        let total = UInt16(9 + body.count)
        let header: [UInt8] = [9, 0x02, UInt8(total & 0xFF), UInt8(total >> 8), 1, 1, 0, 0x80, 50]
        return header + body
    }

    /// Returns the 54-byte CCID class descriptor (type 0x21).
    public static func classDescriptor(for configuration: VirtualReaderConfiguration) -> [UInt8] {
        var bytes: [UInt8] = [0x36, 0x21, 0x10, 0x01]
        bytes.append(UInt8(configuration.slotCount - 1))
        bytes.append(0x07)
        bytes += littleEndian(configuration.mode.protocols)
        bytes += littleEndian(clockKilohertz) + littleEndian(clockKilohertz)
        bytes.append(0)
        bytes += littleEndian(defaultDataRate) + littleEndian(maxDataRate)
        bytes.append(0)
        bytes += littleEndian(maxIFSD)
        bytes += littleEndian(UInt32(0))
        bytes += littleEndian(mechanical)
        bytes += littleEndian(configuration.mode.features)
        bytes += littleEndian(UInt32(configuration.maxMessageLength))
        bytes += [0xFF, 0xFF, 0x00, 0x00, pinSupport, 1]
        assert(bytes.count == 54)
        return bytes
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
