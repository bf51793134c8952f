import Testing

@testable import USBTransport

// These run against the machine's real USB buses, which may be empty; the emulated
// readers are exercised by Tests/umockdev/check-libusb-swift.sh.

@Test func contextEnumeratesWithoutOpening() throws {
    let context = try LibUSBContext()

    let devices = try context.devices()

    for device in devices {
        #expect(device.info.busNumber == device.key.busNumber)
        #expect(device.info.deviceAddress == device.key.deviceAddress)
    }
}

@Test func openingVanishedDeviceFailsWithNoDevice() throws {
    let context = try LibUSBContext()
    let key = USBDeviceKey(busNumber: 255, portPath: [9, 9], deviceAddress: 200)
    let info = USBDeviceInfo(
        vendorID: 0x1209, productID: 0x7301, deviceRelease: 0x0100, busNumber: 255, deviceAddress: 200,
        manufacturerStringIndex: 0, productStringIndex: 0, serialNumberStringIndex: 0, configurationDescriptor: [])

    #expect(throws: USBError.noDevice) {
        _ = try context.open(USBDeviceCandidate(key: key, info: info))
    }
}

@Test func monitoringStartsAndStops() throws {
    let context = try LibUSBContext()

    try context.startMonitoring(strategy: .polling(intervalMilliseconds: 10), onArrival: { _ in }, onRemoval: { _ in })
    try context.startMonitoring(onArrival: { _ in }, onRemoval: { _ in })
    context.stopMonitoring()
    context.stopMonitoring()
}
