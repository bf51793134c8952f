import CLibUSB
import Testing

@testable import USBTransport

@Test(arguments: [
    (LIBUSB_ERROR_TIMEOUT, USBError.timeout),
    (LIBUSB_ERROR_NO_DEVICE, .noDevice),
    (LIBUSB_ERROR_PIPE, .pipe),
    (LIBUSB_ERROR_OVERFLOW, .overflow),
    (LIBUSB_ERROR_BUSY, .busy),
    (LIBUSB_ERROR_ACCESS, .accessDenied),
])
func libusbErrorCodeMapping(code: libusb_error, expected: USBError) {
    #expect(USBError(libusbCode: code.rawValue) == expected)
}

@Test func unknownLibusbErrorKeepsCodeAndText() {
    let error = USBError(libusbCode: LIBUSB_ERROR_NOT_FOUND.rawValue)

    guard case .other(let code, let message) = error else {
        Issue.record("expected .other, got \(error)")
        return
    }
    #expect(code == LIBUSB_ERROR_NOT_FOUND.rawValue)
    #expect(!message.isEmpty)
}

@Test(arguments: [
    (LIBUSB_TRANSFER_TIMED_OUT, USBError.timeout),
    (LIBUSB_TRANSFER_CANCELLED, .cancelled),
    (LIBUSB_TRANSFER_STALL, .pipe),
    (LIBUSB_TRANSFER_NO_DEVICE, .noDevice),
    (LIBUSB_TRANSFER_OVERFLOW, .overflow),
])
func transferStatusMapping(status: libusb_transfer_status, expected: USBError) {
    #expect(USBError(transferStatus: status) == expected)
}

@Test func completedTransferIsNoError() {
    #expect(USBError(transferStatus: LIBUSB_TRANSFER_COMPLETED) == nil)
    #expect(USBError(transferStatus: LIBUSB_TRANSFER_ERROR) != nil)
}

@Test func checkLibUSBPassesCountsAndThrowsErrors() throws {
    #expect(try checkLibUSB(5) == 5)
    #expect(throws: USBError.busy) {
        try checkLibUSB(LIBUSB_ERROR_BUSY.rawValue)
    }
}

@Test func deviceKeyNames() {
    let hub = USBDeviceKey(busNumber: 2, portPath: [], deviceAddress: 1)
    let reader = USBDeviceKey(busNumber: 1, portPath: [4, 2], deviceAddress: 17)

    #expect(hub.portName == "usb2")
    #expect(reader.portName == "1-4.2")
    #expect(reader.description == "1-4.2 (address 17)")
}

@Test func replugChangesDeviceKey() {
    let before = USBDeviceKey(busNumber: 1, portPath: [1], deviceAddress: 2)
    let after = USBDeviceKey(busNumber: 1, portPath: [1], deviceAddress: 3)

    #expect(before != after)
    #expect(before.portName == after.portName)
}

@Test func controlSetupPacketLayout() {
    let packet = controlSetupPacket(requestType: 0x80, request: 0x06, value: 0x0302, index: 0x0409, length: 255)

    #expect(packet == [0x80, 0x06, 0x02, 0x03, 0x09, 0x04, 0xFF, 0x00])
}

@Test func stringDescriptorDecodesToASCII() {
    let plain: [UInt8] = [0x43, 0x00, 0x43, 0x00, 0x49, 0x00, 0x44, 0x00]
    let accented: [UInt8] = [0x52, 0x00, 0xE9, 0x00, 0x61, 0x00]
    let emoji: [UInt8] = [0x3D, 0xD8, 0x00, 0xDE, 0x21, 0x00]

    #expect(asciiString(utf16LittleEndian: plain) == "CCID")
    #expect(asciiString(utf16LittleEndian: accented) == "R?a")
    #expect(asciiString(utf16LittleEndian: emoji) == "?!")
    #expect(asciiString(utf16LittleEndian: [0x41, 0x00, 0x42]) == "A")
}
