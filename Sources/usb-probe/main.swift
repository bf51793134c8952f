import Glibc
import USBTransport

// usb-probe: exercises USBTransport's libusb layer against real or emulated readers.
// check-libusb-swift.sh runs it under Tests/umockdev/ccid_harness.py.

let usage = """
    usage: usb-probe [--all]
           usb-probe --exchange
           usb-probe --watch SECONDS [--poll MILLISECONDS]
           usb-probe --wait-interrupt
           usb-probe --close-during-interrupt MILLISECONDS
           usb-probe --card-events COUNT

      (no option)   list devices with a CCID interface: key, IDs, strings, the class
                    descriptor and the raw configuration bytes; --all lists every device
      --exchange    on the first CCID reader: claim, GetSlotStatus, IccPowerOn, SELECT
                    through XfrBlock, 200 GetSlotStatus round trips, IccPowerOff, a bulk
                    read that times out, GET_DATA_RATES and a stalled vendor request
      --watch       print hotplug arrivals and removals for SECONDS; --poll enumerates
                    every MILLISECONDS instead of using libusb hotplug events
      --wait-interrupt
                    block in interruptRead on the first CCID reader and print how and
                    when (CLOCK_MONOTONIC seconds) it returned
      --close-during-interrupt
                    block in interruptRead on one thread and close() the device from
                    another after MILLISECONDS; print the outcome and durations
      --card-events print COUNT interrupt notifications of the first CCID reader while
                    another thread keeps sending GetSlotStatus
    """

func listDevices(context: LibUSBContext, all: Bool) throws {
    for candidate in try context.devices() {
        let interfaces = findCCIDInterfaces(in: candidate.info.configurationDescriptor)
        guard all || !interfaces.isEmpty else { continue }
        printDevice(candidate, interfaces: interfaces, context: context)
    }
}

func printDevice(_ candidate: USBDeviceCandidate, interfaces: [CCIDInterface], context: LibUSBContext) {
    let info = candidate.info
    print("device \(candidate.key) bus=\(info.busNumber) address=\(info.deviceAddress)"
          + " id=\(hex4(info.vendorID)):\(hex4(info.productID)) release=\(hex4(info.deviceRelease))")
    print("  configuration \(info.configurationDescriptor.count) bytes: \(hex(info.configurationDescriptor))")
    for interface in interfaces {
        print("  ccid interface=\(interface.number) class-descriptor=\(interface.classDescriptor.count) bytes"
              + " level=\(interface.exchangeLevel.replacingOccurrencesOfSpace())"
              + " features=\(String(interface.features, radix: 16)) max-message=\(interface.maxMessageLength)"
              + " endpoints=\(hex([interface.bulkOut ?? 0, interface.bulkIn ?? 0, interface.interruptIn ?? 0]))")
        print("  class descriptor: \(hex(interface.classDescriptor))")
    }
    guard !interfaces.isEmpty else { return }
    do {
        let device = try context.open(candidate)
        defer { device.close() }
        let manufacturer = try device.string(at: info.manufacturerStringIndex)
        let product = try device.string(at: info.productStringIndex)
        let serial = try device.string(at: info.serialNumberStringIndex)
        print("  strings manufacturer=\"\(manufacturer)\" product=\"\(product)\" serial=\"\(serial)\"")
    } catch {
        print("  strings unavailable: \(error)")
    }
}

func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

extension String {
    func replacingOccurrencesOfSpace() -> String {
        String(map { $0 == " " ? "-" : $0 })
    }
}

/// `--watch`: prints one line per hotplug event until SECONDS have passed.
func watch(context: LibUSBContext, seconds: Int, pollMilliseconds: Int?) throws {
    let strategy: USBHotplugStrategy = pollMilliseconds.map { .polling(intervalMilliseconds: $0) } ?? .automatic
    try context.startMonitoring(strategy: strategy) { candidate in
        let interfaces = findCCIDInterfaces(in: candidate.info.configurationDescriptor)
        print("arrived \(candidate.key.portName) address=\(candidate.key.deviceAddress)"
              + " id=\(hex4(candidate.info.vendorID)):\(hex4(candidate.info.productID)) ccid-interfaces=\(interfaces.count)"
              + " at=\(monotonicSeconds())")
        flushOutput()
    } onRemoval: { key in
        print("removed \(key.portName) address=\(key.deviceAddress) at=\(monotonicSeconds())")
        flushOutput()
    }
    let mode = pollMilliseconds.map { "polling every \($0) ms" } ?? (context.supportsHotplugEvents ? "libusb hotplug events" : "polling")
    print("watching for \(seconds) s with \(mode)")
    flushOutput()
    sleep(UInt32(seconds))
    context.stopMonitoring()
    print("watch ended")
}

/// The action the command-line arguments select.
enum ProbeCommand {
    case list(all: Bool)
    case exchange
    case watch(seconds: Int, pollMilliseconds: Int?)
    case waitInterrupt
    case closeDuringInterrupt(delayMilliseconds: Int)
    case cardEvents(count: Int)

    init?(arguments: [String]) {
        switch arguments {
        case []: self = .list(all: false)
        case ["--all"]: self = .list(all: true)
        case ["--exchange"]: self = .exchange
        case ["--wait-interrupt"]: self = .waitInterrupt
        case let words where words.count == 2 && words[0] == "--watch":
            guard let seconds = Int(words[1]), seconds >= 0 else { return nil }
            self = .watch(seconds: seconds, pollMilliseconds: nil)
        case let words where words.count == 4 && words[0] == "--watch" && words[2] == "--poll":
            guard let seconds = Int(words[1]), seconds >= 0, let poll = Int(words[3]), poll > 0 else { return nil }
            self = .watch(seconds: seconds, pollMilliseconds: poll)
        case let words where words.count == 2 && words[0] == "--card-events":
            guard let count = Int(words[1]), count > 0 else { return nil }
            self = .cardEvents(count: count)
        case let words where words.count == 2 && words[0] == "--close-during-interrupt":
            guard let delay = Int(words[1]), delay >= 0 else { return nil }
            self = .closeDuringInterrupt(delayMilliseconds: delay)
        default:
            return nil
        }
    }
}

func run(_ command: ProbeCommand) throws {
    let context = try LibUSBContext()
    switch command {
    case .list(let all): try listDevices(context: context, all: all)
    case .exchange: try runExchange(context: context)
    case .watch(let seconds, let poll): try watch(context: context, seconds: seconds, pollMilliseconds: poll)
    case .waitInterrupt: try runWaitInterrupt(context: context)
    case .closeDuringInterrupt(let delay): try runCloseDuringInterrupt(context: context, delayMilliseconds: delay)
    case .cardEvents(let count): try runCardEvents(context: context, count: count)
    }
}

guard let command = ProbeCommand(arguments: Array(CommandLine.arguments.dropFirst())) else {
    printError("usb-probe: invalid arguments: \(CommandLine.arguments.dropFirst().joined(separator: " "))\n\(usage)")
    exit(2)
}
do {
    try run(command)
} catch {
    printError("usb-probe: failed: \(error)")
    exit(1)
}
