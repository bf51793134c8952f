import Synchronization
import USBTransport

@testable import CCID

/// What the fake device does at a bulk IN read.
enum FakeFrame: Sendable {
    /// Return these bytes.
    case data([UInt8])
    /// The device is unplugged: this and every later transfer fails with `.noDevice`.
    case unplug
}

/// A control transfer the driver made.
struct ControlRequest: Sendable, Equatable {
    var requestType: UInt8
    var request: UInt8
    var value: UInt16
    var index: UInt16
    var data: [UInt8]
    var length: Int
}

/// A USB device in memory: each bulk OUT message goes to `responder`, whose frames are
/// queued for the following bulk IN reads. Reads with nothing queued time out at once.
final class FakeUSBDevice: USBDevice {
    struct State {
        var bulkIn: [FakeFrame] = []
        var interruptIn: [FakeFrame] = []
        var commands: [CCIDCommand] = []
        var rawWrites: [[UInt8]] = []
        var controlRequests: [ControlRequest] = []
        var claimed: [UInt8] = []
        var released: [UInt8] = []
        var gone = false
        var strings: [UInt8: String] = [:]
        /// Set when a bulk OUT arrives while frames of the previous command are unread.
        var interleavedWrites = 0
        var responder: @Sendable (CCIDCommand) -> [FakeFrame] = { _ in [] }
        var controlResponder: @Sendable (ControlRequest) -> Result<[UInt8], USBError> = { _ in .success([]) }
    }

    let info: USBDeviceInfo
    let state: Mutex<State>

    init(info: USBDeviceInfo, strings: [UInt8: String] = [1: "Acme", 2: "Reader", 3: "SN42"]) {
        self.info = info
        var initial = State()
        initial.strings = strings
        self.state = Mutex(initial)
    }

    var commands: [CCIDCommand] { state.withLock { $0.commands } }
    var controlRequests: [ControlRequest] { state.withLock { $0.controlRequests } }

    func setResponder(_ responder: @escaping @Sendable (CCIDCommand) -> [FakeFrame]) {
        state.withLock { $0.responder = responder }
    }

    func setControlResponder(_ responder: @escaping @Sendable (ControlRequest) -> Result<[UInt8], USBError>) {
        state.withLock { $0.controlResponder = responder }
    }

    func queueInterrupt(_ frames: [FakeFrame]) {
        state.withLock { $0.interruptIn += frames }
    }

    func clearLog() {
        state.withLock {
            $0.commands = []
            $0.controlRequests = []
        }
    }

    func claimInterface(_ interfaceNumber: UInt8) throws(USBError) {
        try state.withLock { (state: inout State) throws(USBError) in
            if state.gone { throw .noDevice }
            state.claimed.append(interfaceNumber)
        }
    }

    func releaseInterface(_ interfaceNumber: UInt8) {
        state.withLock { $0.released.append(interfaceNumber) }
    }

    func string(at index: UInt8) throws(USBError) -> String {
        guard let text = state.withLock({ $0.strings[index] }) else { throw .pipe }
        return text
    }

    func bulkWrite(endpoint: UInt8, data: [UInt8], timeoutMilliseconds: UInt32) throws(USBError) -> Int {
        let responder = try state.withLock { (state: inout State) throws(USBError) -> @Sendable (CCIDCommand) -> [FakeFrame] in
            if state.gone { throw .noDevice }
            if state.bulkIn.contains(where: { if case .data = $0 { return true } else { return false } }) {
                state.interleavedWrites += 1
            }
            state.rawWrites.append(data)
            return state.responder
        }
        guard let command = try? CCIDCommand(bytes: data) else { return data.count }
        let frames = responder(command)
        state.withLock {
            $0.commands.append(command)
            $0.bulkIn += frames
        }
        return data.count
    }

    func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8] {
        try state.withLock { (state: inout State) throws(USBError) -> [UInt8] in
            if state.gone { throw .noDevice }
            guard !state.bulkIn.isEmpty else { throw .timeout }
            switch state.bulkIn.removeFirst() {
            case .data(let bytes):
                return Array(bytes.prefix(maxLength))
            case .unplug:
                state.gone = true
                throw .noDevice
            }
        }
    }

    func interruptRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8] {
        try state.withLock { (state: inout State) throws(USBError) -> [UInt8] in
            if state.gone { throw .noDevice }
            guard !state.interruptIn.isEmpty else { throw .timeout }
            switch state.interruptIn.removeFirst() {
            case .data(let bytes):
                return Array(bytes.prefix(maxLength))
            case .unplug:
                state.gone = true
                throw .noDevice
            }
        }
    }

    func controlTransfer(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, data: [UInt8], length: Int,
        timeoutMilliseconds: UInt32
    ) throws(USBError) -> [UInt8] {
        let transfer = ControlRequest(requestType: requestType, request: request, value: value, index: index, data: data, length: length)
        let responder = try state.withLock { (state: inout State) throws(USBError) -> @Sendable (ControlRequest) -> Result<[UInt8], USBError> in
            if state.gone { throw .noDevice }
            state.controlRequests.append(transfer)
            return state.controlResponder
        }
        return try responder(transfer).get()
    }

    func close() {
        state.withLock { $0.gone = true }
    }
}
