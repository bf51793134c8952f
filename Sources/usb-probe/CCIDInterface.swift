import USBTransport

/// A CCID interface found in a configuration descriptor set: its number, endpoints and
/// 54-byte class descriptor.
struct CCIDInterface {
    var number: UInt8
    var classDescriptor: [UInt8]
    var bulkOut: UInt8?
    var bulkIn: UInt8?
    var interruptIn: UInt8?

    /// dwFeatures (offset 40 of the class descriptor).
    var features: UInt32 { littleEndian32(at: 40) }
    /// dwMaxCCIDMessageLength (offset 44).
    var maxMessageLength: UInt32 { littleEndian32(at: 44) }

    /// The exchange level field of dwFeatures.
    var exchangeLevel: String {
        switch features & 0x0007_0000 {
        case 0x0000_0000: "character"
        case 0x0001_0000: "TPDU"
        case 0x0002_0000: "short APDU"
        case 0x0004_0000: "extended APDU"
        default: String(features & 0x0007_0000, radix: 16)
        }
    }

    private func littleEndian32(at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, index in
            value | UInt32(classDescriptor[offset + index]) << (8 * index)
        }
    }
}

private let interfaceDescriptorType: UInt8 = 0x04
private let endpointDescriptorType: UInt8 = 0x05
private let ccidDescriptorLength = 54

/// Finds the CCID interfaces in raw configuration bytes: alternate setting 0 of
/// interfaces with class 0x0B, or class 0xFF with a 54-byte class descriptor, whose
/// class descriptor follows the interface descriptor or its last endpoint descriptor.
func findCCIDInterfaces(in configuration: [UInt8]) -> [CCIDInterface] {
    var found: [CCIDInterface] = []
    var current: CCIDInterface?
    var interfaceClass: UInt8 = 0
    var offset = 0

    while offset + 2 <= configuration.count {
        let length = Int(configuration[offset])
        guard length >= 2, offset + length <= configuration.count else { break }
        let descriptor = Array(configuration[offset..<(offset + length)])

        if descriptor[1] == interfaceDescriptorType && length >= 9 {
            if let interface = current, isCCID(interface, interfaceClass: interfaceClass) {
                found.append(interface)
            }
            current = descriptor[3] == 0 ? CCIDInterface(number: descriptor[2], classDescriptor: []) : nil
            interfaceClass = descriptor[5]
        } else if descriptor[1] == endpointDescriptorType && length >= 7 {
            current?.addEndpoint(address: descriptor[2], attributes: descriptor[3])
        } else if length == ccidDescriptorLength, current?.classDescriptor.isEmpty == true {
            current?.classDescriptor = descriptor
        }
        offset += length
    }
    if let interface = current, isCCID(interface, interfaceClass: interfaceClass) {
        found.append(interface)
    }
    return found
}

private func isCCID(_ interface: CCIDInterface, interfaceClass: UInt8) -> Bool {
    (interfaceClass == 0x0B || interfaceClass == 0xFF) && interface.classDescriptor.count == ccidDescriptorLength
}

extension CCIDInterface {
    fileprivate mutating func addEndpoint(address: UInt8, attributes: UInt8) {
        switch (attributes & 0x03, address & 0x80 != 0) {
        case (0x02, false): bulkOut = address
        case (0x02, true): bulkIn = address
        case (0x03, true): interruptIn = address
        default: break
        }
    }
}

/// Formats bytes as upper-case hex pairs separated by spaces.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
}
