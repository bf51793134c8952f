import Glibc
import Testing
import USBTransport
import VirtualReader

@Suite struct VirtualReaderDescriptorTests {
    @Test func deviceInfoIdentity() {
        let device = VirtualCCIDDevice(configuration: VirtualReaderConfiguration(busNumber: 0, deviceAddress: 7))
        #expect(device.info.vendorID == 0x1209)
        #expect(device.info.productID == 0x0001)
        #expect(device.info.deviceRelease == 0x0100)
        #expect(device.info.deviceAddress == 7)
        #expect(device.info.busNumber == 0)
    }

    @Test func vidPidNotInSupportedReaders() throws {
        let text = try readSharedFile("ccid/supported_readers.txt")
        #expect(!text.uppercased().contains("0X1209:0X0001"))
    }

    @Test func strings() throws {
        let device = VirtualCCIDDevice(configuration: VirtualReaderConfiguration(mode: .extendedAPDU, serialNumber: "VC0042"))
        #expect(try device.string(at: device.info.manufacturerStringIndex) == "swift-pcsc")
        #expect(try device.string(at: device.info.productStringIndex) == "Virtual CCID Reader")
        #expect(try device.string(at: device.info.serialNumberStringIndex) == "VC0042")
        #expect(try device.string(at: 4) == "Extended APDU")
        #expect(usbError { _ = try device.string(at: 9) } == .pipe)
    }

    @Test func configurationDescriptorLayout() {
        let descriptor = VirtualCCIDDescriptors.configurationDescriptor(for: VirtualReaderConfiguration())
        #expect(descriptor.count == 9 + 9 + 54 + 3 * 7)
        #expect(Int(descriptor[2]) | Int(descriptor[3]) << 8 == descriptor.count)

        let interface = Array(descriptor[9..<18])
        #expect(interface[1] == 0x04)
        #expect(interface[4] == 3)
        #expect(interface[5] == 0x0B)
        #expect(interface[7] == 0)

        let classDescriptor = Array(descriptor[18..<72])
        #expect(classDescriptor[0] == 0x36)
        #expect(classDescriptor[1] == 0x21)

        let endpoints = stride(from: 72, to: descriptor.count, by: 7).map { Array(descriptor[$0..<($0 + 7)]) }
        #expect(endpoints.map { $0[2] } == [0x01, 0x82, 0x83])
        #expect(endpoints.map { $0[3] } == [0x02, 0x02, 0x03])
    }

    @Test func withoutInterruptEndpoint() {
        let configuration = VirtualReaderConfiguration(hasInterruptEndpoint: false)
        let descriptor = VirtualCCIDDescriptors.configurationDescriptor(for: configuration)
        #expect(descriptor.count == 9 + 9 + 54 + 2 * 7)
        #expect(descriptor[13] == 2)
        let device = VirtualCCIDDevice(configuration: configuration)
        if case .other(let code, _) = usbError({ _ = try device.interruptRead(endpoint: 0x83, maxLength: 8, timeoutMilliseconds: 10) }) {
            #expect(code == -5)
        } else {
            Issue.record("interruptRead without an interrupt endpoint must fail with LIBUSB_ERROR_NOT_FOUND")
        }
    }

    @Test(arguments: [
        (VirtualReaderMode.tpduT0, UInt32(0x0001_00BA), UInt32(0x01)),
        (.tpduT1, 0x0001_00BA, 0x03),
        (.shortAPDU, 0x0002_04FE, 0x03),
        (.extendedAPDU, 0x0004_04FE, 0x03),
    ])
    func classDescriptorPerMode(mode: VirtualReaderMode, features: UInt32, protocols: UInt32) {
        let bytes = VirtualCCIDDescriptors.classDescriptor(
            for: VirtualReaderConfiguration(mode: mode, slotCount: 3))
        #expect(bytes.count == 54)
        #expect(bytes[4] == 2)
        #expect(readUInt32(bytes, at: 6) == protocols)
        #expect(readUInt32(bytes, at: 10) == 4000)
        #expect(readUInt32(bytes, at: 23) == 250_000)
        #expect(readUInt32(bytes, at: 28) == 254)
        #expect(readUInt32(bytes, at: 40) == features)
        #expect(readUInt32(bytes, at: 44) == 271)
        #expect(bytes[52] == 0x03)
        #expect(bytes[53] == 1)
    }

    @Test func getDescriptorControlRequests() throws {
        let device = VirtualCCIDDevice()
        let deviceDescriptor = try device.controlTransfer(
            requestType: 0x80, request: 0x06, value: 0x0100, index: 0, data: [], length: 18, timeoutMilliseconds: 100)
        #expect(deviceDescriptor.count == 18)
        #expect(Array(deviceDescriptor[8..<12]) == [0x09, 0x12, 0x01, 0x00])

        let configuration = try device.controlTransfer(
            requestType: 0x80, request: 0x06, value: 0x0200, index: 0, data: [], length: 4096, timeoutMilliseconds: 100)
        #expect(configuration == device.info.configurationDescriptor)

        let product = try device.controlTransfer(
            requestType: 0x80, request: 0x06, value: 0x0302, index: 0x0409, data: [], length: 255, timeoutMilliseconds: 100)
        #expect(product.count == 2 + 2 * "Virtual CCID Reader".count)
    }

    @Test func clockAndDataRateRequests() throws {
        let device = VirtualCCIDDevice()
        let clocks = try device.controlTransfer(
            requestType: 0xA1, request: 0x02, value: 0, index: 0, data: [], length: 4, timeoutMilliseconds: 100)
        #expect(clocks == [0xA0, 0x0F, 0, 0])
        let rates = try device.controlTransfer(
            requestType: 0xA1, request: 0x03, value: 0, index: 0, data: [], length: 8, timeoutMilliseconds: 100)
        #expect(readUInt32(rates, at: 0) == 10752)
        #expect(readUInt32(rates, at: 4) == 250_000)
        #expect(usbError {
            _ = try device.controlTransfer(
                requestType: 0xC0, request: 0x55, value: 0, index: 0, data: [], length: 1, timeoutMilliseconds: 100)
        } == .pipe)
    }
}

func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
}

/// Reads a file of the shared reference data, from the package-relative path or the absolute fallback.
func readSharedFile(_ relativePath: String) throws -> String {
    let testFile = #filePath
    let packageRoot = testFile.firstRange(of: "/Tests/").map { String(testFile[..<$0.lowerBound]) } ?? "."
    for base in [packageRoot + "/../shared/data/", "/work/shared/data/"] {
        if let text = readTextFile(base + relativePath) { return text }
    }
    throw SharedFileMissing(path: relativePath)
}

struct SharedFileMissing: Error {
    var path: String
}

/// Returns the contents of a text file, or nil when it cannot be opened.
func readTextFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }

    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}
