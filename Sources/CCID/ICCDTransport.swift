import Threading
import USBTransport

/// ICCD version B (USB ICCD 1.0 §6.2): the CCID commands the driver uses, carried by class
/// control requests on the interface and returned as bulk responses, so that the reader
/// code above stays the same.
struct ICCDTransport: Sendable {
    let device: any USBDevice
    let interfaceNumber: UInt8
    let maxCommandDuration: UInt32

    enum Request {
        static let iccPowerOn: UInt8 = 0x62
        static let iccPowerOff: UInt8 = 0x63
        static let xfrBlock: UInt8 = 0x65
        static let dataBlock: UInt8 = 0x6F
        static let getICCStatus: UInt8 = 0x81
    }

    /// `bResponseType` of a data block.
    enum ResponseType {
        static let statusInformation: UInt8 = 0x40
        static let pollAgain: UInt8 = 0x80
    }

    /// The largest data block requested at once.
    static let maxDataBlockLength = 0x1000

    func exchange(_ command: CCIDCommand, timeout: UInt32) throws(CCIDError) -> CCIDResponse {
        let type = command.messageType
        switch command.body {
        case .iccPowerOn:
            try powerOff(type)
            _ = try iccStatus(type, timeout: timeout)
            try send(Request.iccPowerOn, value: 1, data: [], type, timeout: timeout)
            return try readDataBlock(command, timeout: timeout, maxLength: ATR.maxLength + 1)
        case .iccPowerOff:
            try powerOff(type)
            let status = try iccStatus(type, timeout: timeout)
            return slotStatusResponse(command, status)
        case .getSlotStatus:
            let status = try iccStatus(type, timeout: timeout)
            return slotStatusResponse(command, status)
        case .xfrBlock(_, let level, let data):
            try send(Request.xfrBlock, value: level << 8, data: data, type, timeout: timeout)
            return try readDataBlock(command, timeout: timeout, maxLength: Self.maxDataBlockLength + 1)
        default:
            throw .notSupported("\(type) on an ICCD version B token")
        }
    }

    private func powerOff(_ type: CCIDMessageType) throws(CCIDError) {
        try send(Request.iccPowerOff, value: 0, data: [], type, timeout: CCIDTimeouts.defaultRead)
    }

    /// Byte 1 bits 0–1 of the 3-byte ICC status: 0 active, 1 inactive, 2 and 3 absent.
    private func iccStatus(_ type: CCIDMessageType, timeout: UInt32) throws(CCIDError) -> ICCStatus {
        let answer = try receive(Request.getICCStatus, length: 3, type, timeout: timeout)
        guard answer.count >= 2 else {
            throw .communicationError(.iccd("ICC status response has \(answer.count) bytes, expected 3"))
        }
        switch answer[1] & 0x03 {
        case 0: return .presentActive
        case 1: return .presentInactive
        default: return .absent
        }
    }

    /// Reads a data block, sleeping for the delay the token requests while it returns "poll again".
    private func readDataBlock(_ command: CCIDCommand, timeout: UInt32, maxLength: Int) throws(CCIDError) -> CCIDResponse {
        let type = command.messageType
        let deadline = UInt64(MonotonicClock.milliseconds) + UInt64(max(timeout, maxCommandDuration))

        while true {
            let block = try receive(Request.dataBlock, length: maxLength, type, timeout: timeout)
            guard let responseType = block.first else {
                throw .communicationError(.iccd("empty data block"))
            }

            switch responseType {
            case ResponseType.pollAgain:
                let delay = block.count >= 3 ? UInt32(block[1]) | UInt32(block[2]) << 8 : 0
                guard UInt64(MonotonicClock.milliseconds) < deadline else { throw .timeout(type) }
                MonotonicClock.sleep(milliseconds: Int(max(delay, 1) * 10))
            case ResponseType.statusInformation:
                let error = block.count >= 3 ? SlotError(rawValue: block[2]) : .hardwareError
                return CCIDResponse(
                    messageType: .dataBlock, slot: command.slot, sequence: command.sequence,
                    status: SlotStatusByte(iccStatus: .presentActive, commandStatus: .failed), error: error)
            default:
                return CCIDResponse(
                    messageType: .dataBlock, slot: command.slot, sequence: command.sequence,
                    status: SlotStatusByte(iccStatus: .presentActive, commandStatus: .processed),
                    specific: responseType, payload: Array(block.dropFirst()))
            }
        }
    }

    private func slotStatusResponse(_ command: CCIDCommand, _ status: ICCStatus) -> CCIDResponse {
        CCIDResponse(
            messageType: .slotStatus, slot: command.slot, sequence: command.sequence,
            status: SlotStatusByte(iccStatus: status, commandStatus: .processed))
    }

    private func send(_ request: UInt8, value: UInt16, data: [UInt8], _ type: CCIDMessageType, timeout: UInt32) throws(CCIDError) {
        do {
            _ = try device.controlTransfer(
                requestType: 0x21, request: request, value: value, index: UInt16(interfaceNumber),
                data: data, length: data.count, timeoutMilliseconds: timeout)
        } catch {
            throw CCIDError(error, during: type)
        }
    }

    private func receive(_ request: UInt8, length: Int, _ type: CCIDMessageType, timeout: UInt32) throws(CCIDError) -> [UInt8] {
        do {
            return try device.controlTransfer(
                requestType: 0xA1, request: request, value: 0, index: UInt16(interfaceNumber),
                data: [], length: length, timeoutMilliseconds: timeout)
        } catch {
            throw CCIDError(error, during: type)
        }
    }
}

/// The transport of an interface.
enum ReaderTransport: Sendable {
    case bulk(BulkTransport)
    case iccd(ICCDTransport)

    func exchange(_ command: CCIDCommand, timeout: UInt32) throws(CCIDError) -> CCIDResponse {
        switch self {
        case .bulk(let transport): try transport.exchange(command, timeout: timeout)
        case .iccd(let transport): try transport.exchange(command, timeout: timeout)
        }
    }
}
