@testable import CCID
import USBTransport

/// Builds raw configuration descriptors around a CCID interface, the way readers lay them
/// out.
struct DescriptorBuilder {
    enum Placement {
        case afterInterface
        case afterLastEndpoint
    }

    var interfaceNumber: UInt8 = 0
    var interfaceClass: UInt8 = 0x0B
    var interfaceProtocol: UInt8 = 0
    var interfaceStringIndex: UInt8 = 0
    var numberOfEndpoints: UInt8 = 3
    var classDescriptor: [UInt8]
    var placement = Placement.afterInterface
    /// Adds an HID interface (with its HID descriptor) before the CCID interface.
    var precedingHIDInterface = true

    static let bulkOut: UInt8 = 0x01
    static let bulkIn: UInt8 = 0x82
    static let interruptIn: UInt8 = 0x83

    func endpoints() -> [[UInt8]] {
        let bulkOut: [UInt8] = [7, 5, Self.bulkOut, 0x02, 0x40, 0x00, 0]
        let bulkIn: [UInt8] = [7, 5, Self.bulkIn, 0x02, 0x40, 0x00, 0]
        let interrupt: [UInt8] = [7, 5, Self.interruptIn, 0x03, 0x08, 0x00, 0x10]
        switch numberOfEndpoints {
        case 0: return []
        case 1: return [interrupt]
        case 2: return [bulkOut, bulkIn]
        default: return [bulkOut, bulkIn, interrupt]
        }
    }

    func configurationDescriptor() -> [UInt8] {
        var body: [UInt8] = []
        if precedingHIDInterface {
            body += [9, 4, interfaceNumber &+ 1, 0, 1, 0x03, 0x01, 0x01, 0]
            body += [9, 0x21, 0x11, 0x01, 0, 1, 0x22, 0x3F, 0]
            body += [7, 5, 0x84, 0x03, 0x08, 0x00, 0x0A]
        }

        body += [9, 4, interfaceNumber, 0, numberOfEndpoints, interfaceClass, 0, interfaceProtocol, interfaceStringIndex]
        let endpoints = endpoints()
        if placement == .afterInterface || endpoints.isEmpty {
            body += classDescriptor
            for endpoint in endpoints { body += endpoint }
        } else {
            for endpoint in endpoints { body += endpoint }
            body += classDescriptor
        }

        // An alternate setting 1 that discovery must ignore.
        body += [9, 4, interfaceNumber, 1, 0, interfaceClass, 0, interfaceProtocol, 0]

        let total = 9 + body.count
        let interfaces: UInt8 = precedingHIDInterface ? 2 : 1
        return [9, 2, UInt8(total & 0xFF), UInt8(total >> 8), interfaces, 1, 0, 0x80, 50] + body
    }

    func deviceInfo(vendorID: UInt16, productID: UInt16, release: UInt16) -> USBDeviceInfo {
        USBDeviceInfo(
            vendorID: vendorID, productID: productID, deviceRelease: release, busNumber: 3, deviceAddress: 7,
            manufacturerStringIndex: 1, productStringIndex: 2, serialNumberStringIndex: 3,
            configurationDescriptor: configurationDescriptor())
    }
}
