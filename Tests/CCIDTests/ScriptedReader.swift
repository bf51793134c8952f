import Synchronization
import USBTransport

@testable import CCID

/// A CCID reader with one card that responds to the fake device's bulk messages. Tests
/// change its fields between calls to script behaviour.
final class ScriptedReader: @unchecked Sendable {
    var iccStatus: [ICCStatus]
    var atr: [UInt8]
    /// PowerOn failures by requested voltage.
    var powerOnErrors: [PowerSelect: SlotError] = [:]
    /// The response to XfrBlock: (command, data, wLevelParameter) → frames. Default: `90 00`.
    var xfrBlock: (CCIDCommand, [UInt8], UInt16) -> [FakeFrame]
    /// The response to PC_to_RDR_Secure data.
    var secure: (CCIDCommand, [UInt8]) -> [FakeFrame]
    var escape: ([UInt8]) -> [UInt8] = { _ in [] }
    var setParametersError: SlotError?
    /// Frames queued before the answer to the next command (stale frames, time extensions).
    var framesBeforeNextAnswer: [FakeFrame] = []
    /// Commands that get no answer at all.
    var silent: Set<CCIDMessageType> = []
    /// Number of PC_to_RDR_Abort messages the reader responded to.
    private(set) var abortsAnswered = 0

    init(slots: Int = 1, atr: [UInt8]) {
        self.iccStatus = Array(repeating: .presentInactive, count: slots)
        self.atr = atr
        self.xfrBlock = { command, _, _ in [.data(ScriptedReader.dataBlock(command, [0x90, 0x00]))] }
        self.secure = { command, _ in [.data(ScriptedReader.dataBlock(command, [0x90, 0x00]))] }
    }

    func attach(to device: FakeUSBDevice) {
        device.setResponder { [self] command in respond(command) }
    }

    func respond(_ command: CCIDCommand) -> [FakeFrame] {
        guard !silent.contains(command.messageType) else { return [] }
        let before = framesBeforeNextAnswer
        framesBeforeNextAnswer = []
        return before + answer(command)
    }

    private func answer(_ command: CCIDCommand) -> [FakeFrame] {
        let slot = Int(command.slot)
        switch command.body {
        case .getSlotStatus:
            return [.data(Self.slotStatus(command, iccStatus[slot]))]
        case .iccPowerOn(let select):
            if iccStatus[slot] == .absent {
                return [.data(Self.dataBlock(command, [], status: .absent, failed: .iccMute))]
            }
            if let error = powerOnErrors[select] {
                return [.data(Self.dataBlock(command, [], status: iccStatus[slot], failed: error))]
            }
            iccStatus[slot] = .presentActive
            return [.data(Self.dataBlock(command, atr))]
        case .iccPowerOff:
            if iccStatus[slot] == .presentActive { iccStatus[slot] = .presentInactive }
            return [.data(Self.slotStatus(command, iccStatus[slot]))]
        case .xfrBlock(_, let level, let data):
            return xfrBlock(command, data, level)
        case .secure(_, _, let data):
            return secure(command, data)
        case .setParameters(let parameters):
            if let error = setParametersError {
                return [.data(Self.response(.parameters, command, status: .presentActive, failed: error))]
            }
            return [.data(Self.response(.parameters, command, status: .presentActive, specific: parameters.protocolNumber, payload: parameters.bytes))]
        case .escape(let data):
            return [.data(Self.response(.escapeResponse, command, status: iccStatus[slot], payload: escape(data)))]
        case .abort:
            abortsAnswered += 1
            return [.data(Self.slotStatus(command, iccStatus[slot]))]
        default:
            return [.data(Self.slotStatus(command, iccStatus[slot], failed: .commandNotSupported))]
        }
    }

    static func response(
        _ type: CCIDMessageType, _ command: CCIDCommand, status: ICCStatus, failed error: SlotError? = nil,
        timeExtension: UInt8? = nil, specific: UInt8 = 0, payload: [UInt8] = []
    ) -> [UInt8] {
        var commandStatus = CommandStatus.processed
        var errorByte = SlotError(rawValue: 0)
        if let error {
            commandStatus = .failed
            errorByte = error
        }
        if let timeExtension {
            commandStatus = .timeExtension
            errorByte = SlotError(rawValue: timeExtension)
        }
        return CCIDResponse(
            messageType: type, slot: command.slot, sequence: command.sequence,
            status: SlotStatusByte(iccStatus: status, commandStatus: commandStatus), error: errorByte,
            specific: specific, payload: payload
        ).bytes
    }

    static func dataBlock(
        _ command: CCIDCommand, _ payload: [UInt8], status: ICCStatus = .presentActive, failed error: SlotError? = nil,
        chain: ChainParameter = .complete
    ) -> [UInt8] {
        response(.dataBlock, command, status: status, failed: error, specific: UInt8(chain.rawValue), payload: payload)
    }

    static func slotStatus(_ command: CCIDCommand, _ status: ICCStatus, failed error: SlotError? = nil) -> [UInt8] {
        response(.slotStatus, command, status: status, failed: error)
    }

    static func timeExtension(_ command: CCIDCommand, multiplier: UInt8) -> [UInt8] {
        response(command.messageType.responseType!, command, status: .presentActive, timeExtension: multiplier)
    }
}

/// Reader descriptors used by the end-to-end tests.
enum TestReaders {
    static let t1ATR = withCheckByte(hexBytes("3B D6 18 00 81 31 10 45 80 73 C8 21 10 11"))
    static let t0ATR = hexBytes("3B 02 14 50")

    /// TPDU reader without automatic PPS, SetParameters or IFSD: the host does it all.
    static let tpduFeatures = CCIDFeatures(rawValue: 0x0001_0030)
    /// Short-APDU reader that negotiates on its own.
    static let shortAPDUFeatures = CCIDFeatures(rawValue: 0x0002_04BA)
    /// Extended-APDU reader that negotiates on its own.
    static let extendedAPDUFeatures = CCIDFeatures(rawValue: 0x0004_04BA)

    static func descriptor(
        features: CCIDFeatures, maxMessageLength: UInt32 = 271, pinSupport: PINSupport = [],
        lcdLayout: LCDLayout = .none, slots: UInt8 = 1
    ) -> CCIDClassDescriptor {
        CCIDClassDescriptor(
            maxSlotIndex: slots - 1, voltageSupport: .all, protocolBits: 0x3, defaultClock: 4000, maximumClock: 4000,
            dataRate: 10752, maxDataRate: 344_086, maxIFSD: 254, features: features,
            maxMessageLength: maxMessageLength, lcdLayout: lcdLayout, pinSupport: pinSupport, maxBusySlots: 1)
    }

    /// Creates a fake device, its scripted reader, and an open `CCIDReader`.
    static func open(
        _ descriptor: CCIDClassDescriptor, vendorID: UInt16 = 0x1234, productID: UInt16 = 0x5678, release: UInt16 = 0x0100,
        endpoints: UInt8 = 3, interfaceProtocol: UInt8 = 0, atr: [UInt8] = t1ATR, options: CCIDReaderOptions = CCIDReaderOptions()
    ) throws -> (FakeUSBDevice, ScriptedReader, CCIDReader) {
        let builder = DescriptorBuilder(
            interfaceProtocol: interfaceProtocol, numberOfEndpoints: endpoints, classDescriptor: descriptor.bytes,
            precedingHIDInterface: false)
        let device = FakeUSBDevice(info: builder.deviceInfo(vendorID: vendorID, productID: productID, release: release))
        let script = ScriptedReader(slots: Int(descriptor.maxSlotIndex) + 1, atr: atr)
        script.attach(to: device)
        guard let interface = CCIDInterface.ccidInterfaces(in: device.info).first else {
            throw CCIDError.notSupported("no interface")
        }
        let reader = try CCIDReader(device: device, interface: interface, options: options)
        device.clearLog()
        return (device, script, reader)
    }
}

/// Collects warnings from the reader.
final class WarningLog: Sendable {
    let messages = Mutex<[String]>([])

    var handler: @Sendable (String) -> Void {
        { [self] message in messages.withLock { $0.append(message) } }
    }

    var all: [String] { messages.withLock { $0 } }
}
