import CLibUSB
import Testing

@testable import USBTransport

/// Owns C memory for hand-built libusb descriptor structs and frees it at the end.
private final class Arena {
    private var allocations: [UnsafeMutableRawPointer] = []

    func bytes(_ values: [UInt8]) -> UnsafePointer<UInt8>? {
        guard !values.isEmpty else { return nil }
        return UnsafePointer(copy(values))
    }

    func copy<Element>(_ values: [Element]) -> UnsafeMutablePointer<Element> {
        let pointer = UnsafeMutablePointer<Element>.allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    deinit {
        for allocation in allocations {
            allocation.deallocate()
        }
    }
}

private func endpoint(
    _ arena: Arena, address: UInt8, attributes: UInt8, maxPacket: UInt16, length: UInt8 = 7,
    extra: [UInt8] = []
) -> libusb_endpoint_descriptor {
    libusb_endpoint_descriptor(
        bLength: length, bDescriptorType: 0x05, bEndpointAddress: address, bmAttributes: attributes,
        wMaxPacketSize: maxPacket, bInterval: 0x18, bRefresh: 0x01, bSynchAddress: 0x02,
        extra: arena.bytes(extra), extra_length: Int32(extra.count))
}

private func interface(
    _ arena: Arena, number: UInt8, alternate: UInt8, interfaceClass: UInt8,
    endpoints: [libusb_endpoint_descriptor], extra: [UInt8] = []
) -> libusb_interface_descriptor {
    libusb_interface_descriptor(
        bLength: 9, bDescriptorType: 0x04, bInterfaceNumber: number, bAlternateSetting: alternate,
        bNumEndpoints: UInt8(endpoints.count), bInterfaceClass: interfaceClass, bInterfaceSubClass: 0,
        bInterfaceProtocol: 0, iInterface: 4,
        endpoint: endpoints.isEmpty ? nil : UnsafePointer(arena.copy(endpoints)),
        extra: arena.bytes(extra), extra_length: Int32(extra.count))
}

private func configuration(
    _ arena: Arena, interfaces: [[libusb_interface_descriptor]], extra: [UInt8] = []
) -> libusb_config_descriptor {
    let entries = interfaces.map { settings in
        libusb_interface(altsetting: UnsafePointer(arena.copy(settings)), num_altsetting: Int32(settings.count))
    }
    return libusb_config_descriptor(
        bLength: 9, bDescriptorType: 0x02, wTotalLength: 0xFFFF, bNumInterfaces: UInt8(entries.count),
        bConfigurationValue: 1, iConfiguration: 0, bmAttributes: 0x80, MaxPower: 50,
        interface: UnsafePointer(arena.copy(entries)),
        extra: arena.bytes(extra), extra_length: Int32(extra.count))
}

private let ccidClassDescriptor: [UInt8] = [0x36, 0x21] + (2..<54).map { UInt8($0) }

@Test func configurationBytesOfCCIDReader() {
    let arena = Arena()
    let ccid = interface(arena, number: 0, alternate: 0, interfaceClass: 0x0B, endpoints: [
        endpoint(arena, address: 0x01, attributes: 0x02, maxPacket: 64),
        endpoint(arena, address: 0x82, attributes: 0x02, maxPacket: 0x0200),
        endpoint(arena, address: 0x83, attributes: 0x03, maxPacket: 8),
    ], extra: ccidClassDescriptor)
    var config = configuration(arena, interfaces: [[ccid]])

    let bytes = configurationDescriptorBytes(&config)

    let expected: [UInt8] = [0x09, 0x02, 93, 0x00, 0x01, 0x01, 0x00, 0x80, 50]
        + [0x09, 0x04, 0x00, 0x00, 0x03, 0x0B, 0x00, 0x00, 0x04]
        + ccidClassDescriptor
        + [0x07, 0x05, 0x01, 0x02, 0x40, 0x00, 0x18]
        + [0x07, 0x05, 0x82, 0x02, 0x00, 0x02, 0x18]
        + [0x07, 0x05, 0x83, 0x03, 0x08, 0x00, 0x18]
    #expect(bytes == expected)
}

@Test func configurationBytesKeepExtrasInOrder() {
    let arena = Arena()
    let association: [UInt8] = [0x08, 0x0B, 0x00, 0x02, 0x0B, 0x00, 0x00, 0x00]
    let endpointExtra: [UInt8] = [0x36, 0xFF] + [UInt8](repeating: 0xEE, count: 52)
    let first = interface(arena, number: 0, alternate: 0, interfaceClass: 0xFF, endpoints: [
        endpoint(arena, address: 0x81, attributes: 0x02, maxPacket: 64, extra: endpointExtra),
    ])
    let alternate = interface(arena, number: 0, alternate: 1, interfaceClass: 0xFF, endpoints: [])
    let audio = interface(arena, number: 1, alternate: 0, interfaceClass: 0x01, endpoints: [
        endpoint(arena, address: 0x03, attributes: 0x05, maxPacket: 192, length: 9),
    ])
    var config = configuration(arena, interfaces: [[first, alternate], [audio]], extra: association)

    let bytes = configurationDescriptorBytes(&config)

    let expected: [UInt8] = [0x09, 0x02, 0, 0, 0x02, 0x01, 0x00, 0x80, 50]
        + association
        + [0x09, 0x04, 0x00, 0x00, 0x01, 0xFF, 0x00, 0x00, 0x04]
        + [0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x18] + endpointExtra
        + [0x09, 0x04, 0x00, 0x01, 0x00, 0xFF, 0x00, 0x00, 0x04]
        + [0x09, 0x04, 0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x04]
        + [0x09, 0x05, 0x03, 0x05, 0xC0, 0x00, 0x18, 0x01, 0x02]
    #expect(Array(bytes.dropFirst(4)) == Array(expected.dropFirst(4)))
    #expect(Int(bytes[2]) | Int(bytes[3]) << 8 == expected.count)
}

@Test func configurationBytesWithoutInterfaces() {
    let arena = Arena()
    var config = configuration(arena, interfaces: [])

    #expect(configurationDescriptorBytes(&config) == [0x09, 0x02, 0x09, 0x00, 0x00, 0x01, 0x00, 0x80, 50])
}
