import Glibc
import USBTransport

/// CCID message types this probe sends.
enum CCIDCommand: UInt8 {
    case iccPowerOn = 0x62
    case iccPowerOff = 0x63
    case getSlotStatus = 0x65
    case xfrBlock = 0x6F
}

struct ProbeFailure: Error, CustomStringConvertible {
    var description: String
}

/// Sends CCID commands to slot 0 of one claimed interface and reads their responses.
final class CCIDChannel {
    let device: any USBDevice
    let interface: CCIDInterface
    private var sequence: UInt8 = 0
    private let timeoutMilliseconds: UInt32 = 5000

    init(device: any USBDevice, interface: CCIDInterface) {
        self.device = device
        self.interface = interface
    }

    /// Sends one command and returns its response, skipping time-extension frames.
    func exchange(_ command: CCIDCommand, payload: [UInt8] = []) throws -> [UInt8] {
        guard let bulkOut = interface.bulkOut, let bulkIn = interface.bulkIn else {
            throw ProbeFailure(description: "the CCID interface has no bulk endpoints")
        }
        let length = UInt32(payload.count)
        let header: [UInt8] = [
            command.rawValue,
            UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24),
            0, sequence, 0, 0, 0,
        ]
        let sent = sequence
        sequence &+= 1

        let written = try device.bulkWrite(endpoint: bulkOut, data: header + payload, timeoutMilliseconds: timeoutMilliseconds)
        guard written == header.count + payload.count else {
            throw ProbeFailure(description: "bulk write sent \(written) of \(header.count + payload.count) bytes")
        }
        while true {
            let response = try device.bulkRead(
                endpoint: bulkIn, maxLength: Int(interface.maxMessageLength), timeoutMilliseconds: timeoutMilliseconds)
            guard response.count >= 10, response[6] == sent else {
                throw ProbeFailure(description: "unexpected response \(hex(response)) to bSeq \(sent)")
            }
            if response[7] & 0xC0 != 0x80 {
                return response
            }
        }
    }

    /// Sends `apdu` at the reader's exchange level and returns the card's response. For
    /// TPDU readers the APDU travels in one T=1 I-block, so it must fit in IFSC (32).
    func transmit(_ apdu: [UInt8]) throws -> [UInt8] {
        guard interface.exchangeLevel == "TPDU" else {
            return Array(try exchange(.xfrBlock, payload: apdu).dropFirst(10))
        }

        var block: [UInt8] = [0x00, 0x00, UInt8(apdu.count)] + apdu
        block.append(block.reduce(0, ^))
        let response = Array(try exchange(.xfrBlock, payload: block).dropFirst(10))
        guard response.count >= 4, response[1] & 0x80 == 0, response.reduce(0, ^) == 0 else {
            throw ProbeFailure(description: "unexpected T=1 block \(hex(response))")
        }
        return Array(response[3..<(response.count - 1)])
    }
}

/// Monotonic seconds, comparable with Python's time.monotonic() in the harness.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// `--exchange`: claims the first CCID interface, then GetSlotStatus, IccPowerOn, a
/// SELECT through XfrBlock, 200 GetSlotStatus round trips and IccPowerOff. Then a bulk
/// read with nothing to read (must time out), a class control request the reader
/// completes and a vendor request it stalls.
func runExchange(context: LibUSBContext) throws {
    guard let (candidate, interface) = try firstReader(context: context) else {
        throw ProbeFailure(description: "no CCID reader found")
    }
    let device = try context.open(candidate)
    defer { device.close() }
    try device.claimInterface(interface.number)
    print("exchange \(candidate.key): claimed interface \(interface.number), \(interface.exchangeLevel) level")

    let channel = CCIDChannel(device: device, interface: interface)
    let status = try channel.exchange(.getSlotStatus)
    print("GetSlotStatus: \(hex(status))")

    let powerOn = try channel.exchange(.iccPowerOn)
    guard powerOn[0] == 0x80, powerOn[7] & 0x40 == 0 else {
        throw ProbeFailure(description: "IccPowerOn failed: \(hex(powerOn))")
    }
    print("IccPowerOn: ATR \(hex(Array(powerOn.dropFirst(10))))")

    let select: [UInt8] = [0x00, 0xA4, 0x04, 0x00, 0x09, 0xF0, 0x75, 0x6D, 0x6F, 0x63, 0x6B, 0x64, 0x65, 0x76]
    print("XfrBlock SELECT: \(hex(try channel.transmit(select)))")

    let count = 200
    let start = monotonicSeconds()
    for _ in 0..<count {
        _ = try channel.exchange(.getSlotStatus)
    }
    let milliseconds = (monotonicSeconds() - start) * 1000 / Double(count)
    print("round trip: GetSlotStatus \(formatted(milliseconds)) ms (mean of \(count))")

    print("IccPowerOff: \(hex(try channel.exchange(.iccPowerOff)))")
    try checkTimeoutAndControl(device: device, interface: interface)
    device.releaseInterface(interface.number)
}

private func checkTimeoutAndControl(device: LibUSBDevice, interface: CCIDInterface) throws {
    let start = monotonicSeconds()
    do {
        let data = try device.bulkRead(endpoint: interface.bulkIn ?? 0x82, maxLength: 64, timeoutMilliseconds: 100)
        print("bulk read without command: data \(hex(data))")
    } catch {
        print("bulk read without command: error=\(name(of: error)) after \(formatted((monotonicSeconds() - start) * 1000)) ms")
    }

    // GET_DATA_RATES (class request 0x03, interface recipient).
    let rates = try device.controlTransfer(
        requestType: 0xA1, request: 0x03, value: 0, index: UInt16(interface.number),
        data: [], length: 64, timeoutMilliseconds: 1000)
    print("GET_DATA_RATES: \(hex(rates))")

    do {
        _ = try device.controlTransfer(
            requestType: 0xC0, request: 0x42, value: 0, index: 0, data: [], length: 8, timeoutMilliseconds: 1000)
        print("vendor request: accepted")
    } catch {
        print("vendor request: error=\(name(of: error))")
    }
}

/// `--card-events COUNT`: one thread waits on the interrupt endpoint and prints COUNT
/// notifications while the main thread keeps sending GetSlotStatus, so bulk transfers
/// run while an interrupt transfer waits. check-libusb-swift.sh moves the card meanwhile.
func runCardEvents(context: LibUSBContext, count: Int) throws {
    guard let (candidate, interface) = try firstReader(context: context) else {
        throw ProbeFailure(description: "no CCID reader found")
    }
    guard let endpoint = interface.interruptIn else {
        throw ProbeFailure(description: "the CCID interface has no interrupt endpoint")
    }
    let device = try context.open(candidate)
    defer { device.close() }
    try device.claimInterface(interface.number)
    let channel = CCIDChannel(device: device, interface: interface)
    print("waiting for \(count) card events on \(candidate.key)")
    flushOutput()

    let notifications = ReadThread {
        for _ in 0..<count {
            do {
                let data = try device.interruptRead(endpoint: endpoint, maxLength: 8, timeoutMilliseconds: 0)
                print("notification \(hex(data))")
                flushOutput()
            } catch {
                return name(of: error)
            }
        }
        return "done"
    }

    var exchanges = 0
    var lastStatus: [UInt8] = []
    while !notifications.isFinished {
        lastStatus = try channel.exchange(.getSlotStatus)
        exchanges += 1
        usleep(2000)
    }
    let (outcome, _) = notifications.join()
    print("notifications \(outcome); \(exchanges) GetSlotStatus exchanges meanwhile, last \(hex(lastStatus))")
}

/// Finds the first device with a CCID interface, in enumeration order.
func firstReader(context: LibUSBContext) throws(USBError) -> (USBDeviceCandidate, CCIDInterface)? {
    for candidate in try context.devices() {
        if let interface = findCCIDInterfaces(in: candidate.info.configurationDescriptor).first {
            return (candidate, interface)
        }
    }
    return nil
}

/// Formats a number with three decimals.
func formatted(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let fraction = String(abs(thousandths) % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
