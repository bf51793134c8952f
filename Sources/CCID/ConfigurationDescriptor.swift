// A walk over a raw USB configuration descriptor, grouping each interface alternate
// setting with its class-specific descriptors and endpoints. Only what CCID discovery
// needs is decoded.

/// One interface alternate setting of a configuration descriptor.
struct RawInterface {
    /// The 9-byte interface descriptor.
    var descriptor: [UInt8]
    /// Descriptors between the interface descriptor and its first endpoint (libusb's
    /// `extra` of the alternate setting).
    var extraDescriptors: [[UInt8]]
    var endpoints: [RawEndpoint]

    var interfaceNumber: UInt8 { descriptor[2] }
    var alternateSetting: UInt8 { descriptor[3] }
    var numberOfEndpoints: UInt8 { descriptor[4] }
    var interfaceClass: UInt8 { descriptor[5] }
    var interfaceSubclass: UInt8 { descriptor[6] }
    var interfaceProtocol: UInt8 { descriptor[7] }
    var interfaceStringIndex: UInt8 { descriptor[8] }
}

/// One endpoint descriptor and the descriptors that follow it.
struct RawEndpoint {
    /// The 7-byte (or 9-byte audio) endpoint descriptor.
    var descriptor: [UInt8]
    var extraDescriptors: [[UInt8]]

    var address: UInt8 { descriptor[2] }
    var attributes: UInt8 { descriptor[3] }
    var maxPacketSize: UInt16 { descriptor.littleEndianUInt16(at: 4) & 0x07FF }
}

enum DescriptorType {
    static let configuration: UInt8 = 0x02
    static let interface: UInt8 = 0x04
    static let endpoint: UInt8 = 0x05
}

/// Splits a configuration descriptor into its interface alternate settings.
///
/// A descriptor whose `bLength` is below 2 or runs past the end stops the walk: what was
/// read up to that point is returned, so a truncated tail costs only the interfaces in it.
func walkConfigurationDescriptor(_ bytes: [UInt8]) -> [RawInterface] {
    var interfaces: [RawInterface] = []
    var offset = 0

    while offset + 2 <= bytes.count {
        let length = Int(bytes[offset])
        guard length >= 2, offset + length <= bytes.count else { break }
        let descriptor = Array(bytes[offset..<offset + length])
        offset += length

        switch descriptor[1] {
        case DescriptorType.interface where length >= 9:
            interfaces.append(RawInterface(descriptor: descriptor, extraDescriptors: [], endpoints: []))
        case DescriptorType.endpoint where length >= 7:
            guard !interfaces.isEmpty else { continue }
            interfaces[interfaces.count - 1].endpoints.append(
                RawEndpoint(descriptor: descriptor, extraDescriptors: []))
        case DescriptorType.configuration:
            continue
        default:
            guard !interfaces.isEmpty else { continue }
            let last = interfaces.count - 1
            if interfaces[last].endpoints.isEmpty {
                interfaces[last].extraDescriptors.append(descriptor)
            } else {
                interfaces[last].endpoints[interfaces[last].endpoints.count - 1]
                    .extraDescriptors.append(descriptor)
            }
        }
    }
    return interfaces
}
