import USBTransport

/// The transport a smart-card interface uses, from `bInterfaceProtocol`.
public enum CCIDTransportProtocol: Sendable, Hashable, CustomStringConvertible {
    /// CCID: bulk OUT commands, bulk IN responses, optional interrupt IN notifications.
    /// `bInterfaceProtocol` 0, and any value other than 1 and 2 (as libccid does).
    case ccid
    /// ICCD version A: control transfers only, character-level T=0. `bInterfaceProtocol` 1.
    case iccdVersionA
    /// ICCD version B: control transfers, optional interrupt IN. `bInterfaceProtocol` 2.
    case iccdVersionB

    init(interfaceProtocol: UInt8) {
        switch interfaceProtocol {
        case 1: self = .iccdVersionA
        case 2: self = .iccdVersionB
        default: self = .ccid
        }
    }

    public var description: String {
        switch self {
        case .ccid: "CCID"
        case .iccdVersionA: "ICCD-A"
        case .iccdVersionB: "ICCD-B"
        }
    }
}

/// The endpoint addresses of a CCID interface (bit 7 set = IN).
public struct CCIDEndpoints: Sendable, Hashable {
    public var bulkIn: UInt8?
    public var bulkOut: UInt8?
    public var interruptIn: UInt8?
    /// `wMaxPacketSize` of the bulk IN endpoint, 0 when there is none.
    public var bulkInMaxPacketSize: UInt16

    public init(bulkIn: UInt8? = nil, bulkOut: UInt8? = nil, interruptIn: UInt8? = nil, bulkInMaxPacketSize: UInt16 = 0) {
        self.bulkIn = bulkIn
        self.bulkOut = bulkOut
        self.interruptIn = interruptIn
        self.bulkInMaxPacketSize = bulkInMaxPacketSize
    }
}

/// The place where the class descriptor of an interface was found.
public enum ClassDescriptorLocation: Sendable, Hashable {
    /// Right after the interface descriptor, as the CCID specification places it.
    case afterInterface
    /// After the last endpoint descriptor (O2Micro OZ776, Reiner SCT cyberJack,
    /// Blutronics BluDrive II).
    case afterLastEndpoint
}

/// A smart-card interface of a USB device: one reader with `slotCount` slots.
public struct CCIDInterface: Sendable, Hashable {
    /// `bInterfaceNumber`.
    public var interfaceNumber: UInt8
    /// `bInterfaceClass`: 0x0B (smart card), or 0xFF for pre-standard readers.
    public var interfaceClass: UInt8
    /// `bInterfaceSubClass`, ignored by the driver.
    public var interfaceSubclass: UInt8
    /// `bInterfaceProtocol` as received.
    public var interfaceProtocolValue: UInt8
    /// `iInterface`: string descriptor index of the interface name, 0 for none.
    public var interfaceStringIndex: UInt8
    /// `bNumEndpoints`.
    public var numberOfEndpoints: UInt8
    public var endpoints: CCIDEndpoints
    public var descriptor: CCIDClassDescriptor
    public var descriptorLocation: ClassDescriptorLocation

    public init(
        interfaceNumber: UInt8, interfaceClass: UInt8 = 0x0B, interfaceSubclass: UInt8 = 0,
        interfaceProtocolValue: UInt8 = 0, interfaceStringIndex: UInt8 = 0, numberOfEndpoints: UInt8,
        endpoints: CCIDEndpoints, descriptor: CCIDClassDescriptor,
        descriptorLocation: ClassDescriptorLocation = .afterInterface
    ) {
        self.interfaceNumber = interfaceNumber
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocolValue = interfaceProtocolValue
        self.interfaceStringIndex = interfaceStringIndex
        self.numberOfEndpoints = numberOfEndpoints
        self.endpoints = endpoints
        self.descriptor = descriptor
        self.descriptorLocation = descriptorLocation
    }

    /// The transport selected by `bInterfaceProtocol`.
    public var transportProtocol: CCIDTransportProtocol {
        CCIDTransportProtocol(interfaceProtocol: interfaceProtocolValue)
    }

    /// Whether card events come from the interrupt endpoint. As in libccid, only CCID
    /// interfaces with exactly three endpoints use it; the others are polled.
    public var usesInterruptEndpoint: Bool {
        transportProtocol == .ccid && numberOfEndpoints == 3 && endpoints.interruptIn != nil
    }
}

/// A smart-card-looking interface that discovery skipped, with the reason.
public struct RejectedInterface: Error, Sendable, Hashable, CustomStringConvertible {
    public var interfaceNumber: UInt8
    public var interfaceClass: UInt8
    public var reason: String

    public var description: String {
        "interface \(interfaceNumber) (class 0x\(hex2(interfaceClass))): \(reason)"
    }
}

extension CCIDInterface {
    /// Interface class of smart-card readers.
    public static let smartCardClass: UInt8 = 0x0B
    /// Vendor-specific interface class, used by readers designed before CCID 1.0.
    public static let vendorSpecificClass: UInt8 = 0xFF

    /// Finds the CCID and ICCD interfaces of a device's active configuration.
    ///
    /// An interface qualifies when its class is 0x0B, or 0xFF with a 54-byte class
    /// descriptor. The descriptor (type 0x21 or 0xFF) is taken from right after the
    /// interface descriptor, else from after its last endpoint. Only alternate setting 0
    /// is considered, and the VID:PID plays no part.
    public static func ccidInterfaces(in info: USBDeviceInfo) -> [CCIDInterface] {
        scan(info.configurationDescriptor).compactMap { try? $0.get() }
    }

    /// Lists the class-0x0B interfaces that `ccidInterfaces(in:)` skipped, with the reason, so
    /// that the caller can log why a reader is not used. Vendor-class interfaces without a
    /// CCID descriptor are not listed: they are ordinary vendor interfaces.
    public static func rejectedInterfaces(in info: USBDeviceInfo) -> [RejectedInterface] {
        scan(info.configurationDescriptor).compactMap { result in
            if case .failure(let rejection) = result, rejection.interfaceClass == smartCardClass {
                return rejection
            }
            return nil
        }
    }

    static func scan(_ configuration: [UInt8]) -> [Result<CCIDInterface, RejectedInterface>] {
        walkConfigurationDescriptor(configuration)
            .filter { $0.alternateSetting == 0 }
            .filter { $0.interfaceClass == smartCardClass || $0.interfaceClass == vendorSpecificClass }
            .map(makeInterface)
    }

    private static func makeInterface(_ raw: RawInterface) -> Result<CCIDInterface, RejectedInterface> {
        func reject(_ reason: String) -> Result<CCIDInterface, RejectedInterface> {
            .failure(RejectedInterface(
                interfaceNumber: raw.interfaceNumber, interfaceClass: raw.interfaceClass, reason: reason))
        }

        guard let (bytes, location) = findClassDescriptor(raw) else {
            return reject("no 54-byte CCID class descriptor after the interface or its last endpoint")
        }
        let descriptor: CCIDClassDescriptor
        do {
            descriptor = try CCIDClassDescriptor(bytes: bytes)
        } catch {
            return reject(error.description)
        }

        return .success(CCIDInterface(
            interfaceNumber: raw.interfaceNumber,
            interfaceClass: raw.interfaceClass,
            interfaceSubclass: raw.interfaceSubclass,
            interfaceProtocolValue: raw.interfaceProtocol,
            interfaceStringIndex: raw.interfaceStringIndex,
            numberOfEndpoints: raw.numberOfEndpoints,
            endpoints: classifyEndpoints(raw.endpoints),
            descriptor: descriptor,
            descriptorLocation: location))
    }

    private static func findClassDescriptor(_ raw: RawInterface) -> ([UInt8], ClassDescriptorLocation)? {
        if let block = raw.extraDescriptors.first(where: isClassDescriptorCandidate) {
            return (block, .afterInterface)
        }
        if let last = raw.endpoints.last,
            let block = last.extraDescriptors.first(where: isClassDescriptorCandidate)
        {
            return (block, .afterLastEndpoint)
        }
        return nil
    }

    private static func isClassDescriptorCandidate(_ block: [UInt8]) -> Bool {
        block.count == CCIDClassDescriptor.length && (block[1] == 0x21 || block[1] == 0xFF)
    }

    /// Sorts endpoints by transfer type. The first endpoint of each kind wins.
    private static func classifyEndpoints(_ endpoints: [RawEndpoint]) -> CCIDEndpoints {
        var result = CCIDEndpoints()
        for endpoint in endpoints {
            let isIn = endpoint.address & 0x80 != 0
            switch endpoint.attributes & 0x03 {
            case 0x02 where isIn && result.bulkIn == nil:
                result.bulkIn = endpoint.address
                result.bulkInMaxPacketSize = endpoint.maxPacketSize
            case 0x02 where !isIn && result.bulkOut == nil:
                result.bulkOut = endpoint.address
            case 0x03 where isIn && result.interruptIn == nil:
                result.interruptIn = endpoint.address
            default:
                continue
            }
        }
        return result
    }
}
