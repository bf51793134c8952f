import CLibUSB
import Threading

/// A USB device opened through libusb.
///
/// Threading: every method may be called from any thread, and transfers run at the same
/// time (a bulk exchange on one thread while another waits on the interrupt endpoint).
/// Each transfer is submitted asynchronously and its thread waits for libusb's event
/// thread to complete it, so `close()` can cancel every waiting transfer. Two transfers
/// on the same endpoint complete in the order they were submitted, so the CCID driver
/// should keep one thread per endpoint.
///
/// Errors: an unplugged device fails waiting and later transfers with `.noDevice` (on
/// Linux within milliseconds of the kernel's disconnect). After `close()` every method
/// fails with `.noDevice`, and transfers that were waiting end with `.cancelled`.
public final class LibUSBDevice: USBDevice, @unchecked Sendable {
    public let info: USBDeviceInfo
    public let key: USBDeviceKey

    private enum Phase {
        case open
        case closing
        case closed
    }

    // Keeps the context (and its event thread) alive while the device is open.
    private let context: LibUSBContext
    private let handle: OpaquePointer
    private let state = ConditionLock()
    private var phase = Phase.open
    private var inFlight: [ObjectIdentifier: PendingTransfer] = [:]
    private var claimedInterfaces: Set<UInt8> = []
    private var languageID: UInt16?

    /// Timeout of the control transfers `string(at:)` sends, in milliseconds.
    private static let stringTimeoutMilliseconds: UInt32 = 1000

    init(context: LibUSBContext, handle: OpaquePointer, candidate: USBDeviceCandidate) {
        self.context = context
        self.handle = handle
        self.info = candidate.info
        self.key = candidate.key
    }

    deinit {
        close()
    }

    // MARK: Interfaces

    /// Claims an interface, detaching a kernel driver first if one is bound (libusb's
    /// automatic detach, re-attached on release). Fails with `.busy` when another program
    /// or driver holds it.
    public func claimInterface(_ interfaceNumber: UInt8) throws(USBError) {
        try state.withLock { () throws(USBError) in
            guard phase == .open else { throw .noDevice }
            try checkLibUSB(libusb_claim_interface(handle, Int32(interfaceNumber)))
            claimedInterfaces.insert(interfaceNumber)
        }
    }

    public func releaseInterface(_ interfaceNumber: UInt8) {
        state.withLock {
            guard phase == .open, claimedInterfaces.remove(interfaceNumber) != nil else { return }
            _ = libusb_release_interface(handle, Int32(interfaceNumber))
        }
    }

    // MARK: Transfers

    public func bulkWrite(endpoint: UInt8, data: [UInt8], timeoutMilliseconds: UInt32) throws(USBError) -> Int {
        let transfer = PendingTransfer(
            handle: handle, type: LIBUSB_TRANSFER_TYPE_BULK, endpoint: endpoint & 0x7F,
            capacity: data.count, timeoutMilliseconds: timeoutMilliseconds)
        transfer.buffer.update(from: data, count: data.count)
        try run(transfer)
        return transfer.actualLength
    }

    public func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8] {
        try read(type: LIBUSB_TRANSFER_TYPE_BULK, endpoint: endpoint, maxLength: maxLength,
                 timeoutMilliseconds: timeoutMilliseconds)
    }

    public func interruptRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32) throws(USBError) -> [UInt8] {
        try read(type: LIBUSB_TRANSFER_TYPE_INTERRUPT, endpoint: endpoint, maxLength: maxLength,
                 timeoutMilliseconds: timeoutMilliseconds)
    }

    private func read(
        type: libusb_transfer_type, endpoint: UInt8, maxLength: Int, timeoutMilliseconds: UInt32
    ) throws(USBError) -> [UInt8] {
        let transfer = PendingTransfer(
            handle: handle, type: type, endpoint: endpoint | 0x80,
            capacity: maxLength, timeoutMilliseconds: timeoutMilliseconds)
        try run(transfer)
        return transfer.bytes(0..<transfer.actualLength)
    }

    public func controlTransfer(
        requestType: UInt8, request: UInt8, value: UInt16, index: UInt16,
        data: [UInt8], length: Int, timeoutMilliseconds: UInt32
    ) throws(USBError) -> [UInt8] {
        let isDeviceToHost = requestType & 0x80 != 0
        let dataLength = isDeviceToHost ? length : data.count
        guard dataLength >= 0, dataLength <= Int(UInt16.max) else {
            throw .other(code: LIBUSB_ERROR_INVALID_PARAM.rawValue,
                         message: "control transfer data length \(dataLength) is outside 0...65535")
        }

        let transfer = PendingTransfer(
            handle: handle, type: LIBUSB_TRANSFER_TYPE_CONTROL, endpoint: 0,
            capacity: controlSetupLength + dataLength, timeoutMilliseconds: timeoutMilliseconds)
        let setup = controlSetupPacket(
            requestType: requestType, request: request, value: value, index: index, length: UInt16(dataLength))
        transfer.buffer.update(from: setup, count: setup.count)
        if !isDeviceToHost {
            (transfer.buffer + controlSetupLength).update(from: data, count: data.count)
        }

        try run(transfer)
        guard isDeviceToHost else { return [] }
        return transfer.bytes(controlSetupLength..<(controlSetupLength + transfer.actualLength))
    }

    /// Submits `transfer` and waits for it, registered so `close()` can cancel it.
    private func run(_ transfer: PendingTransfer) throws(USBError) {
        let identifier = ObjectIdentifier(transfer)

        // Submitting under the lock means close() either sees the transfer in flight and
        // cancels it, or has already marked the device closed.
        try state.withLock { () throws(USBError) in
            guard phase == .open else { throw .noDevice }
            try transfer.submit()
            inFlight[identifier] = transfer
        }

        transfer.waitUntilFinished()

        state.withLock {
            inFlight[identifier] = nil
            if inFlight.isEmpty {
                state.broadcast()
            }
        }
        if let error = transfer.error {
            throw error
        }
    }

    // MARK: Strings

    /// Reads string descriptor `index` in the device's first language and returns it as
    /// ASCII, with other characters replaced by "?". Index 0 (no string) returns "".
    public func string(at index: UInt8) throws(USBError) -> String {
        guard index != 0 else { return "" }

        let language = try firstLanguageID()
        let descriptor = try readDescriptor(type: 0x03, index: index, languageID: language)
        guard descriptor.count >= 2, descriptor[1] == 0x03 else {
            throw .other(code: LIBUSB_ERROR_IO.rawValue, message: "string descriptor \(index) is malformed")
        }
        let end = min(Int(descriptor[0]), descriptor.count)
        return asciiString(utf16LittleEndian: Array(descriptor[2..<max(end, 2)]))
    }

    private func firstLanguageID() throws(USBError) -> UInt16 {
        if let cached = state.withLock({ languageID }) {
            return cached
        }
        let languages = try readDescriptor(type: 0x03, index: 0, languageID: 0)
        guard languages.count >= 4 else {
            throw .other(code: LIBUSB_ERROR_IO.rawValue, message: "the device lists no string language")
        }
        let language = UInt16(languages[2]) | UInt16(languages[3]) << 8
        state.withLock { languageID = language }
        return language
    }

    private func readDescriptor(type: UInt8, index: UInt8, languageID: UInt16) throws(USBError) -> [UInt8] {
        try controlTransfer(
            requestType: 0x80, request: 0x06, value: UInt16(type) << 8 | UInt16(index), index: languageID,
            data: [], length: 255, timeoutMilliseconds: Self.stringTimeoutMilliseconds)
    }

    // MARK: Closing

    /// Cancels waiting transfers, waits until they have ended, releases the claimed
    /// interfaces and closes the handle. Safe to call more than once and from several
    /// threads; only the first call does the work, later calls wait for it. Must not be
    /// called from libusb's event thread (no closure of this module runs there).
    public func close() {
        let mustClose = state.withLock { () -> Bool in
            guard phase == .open else {
                while phase == .closing {
                    state.wait()
                }
                return false
            }
            phase = .closing
            for transfer in inFlight.values {
                _ = libusb_cancel_transfer(transfer.transfer)
            }
            while !inFlight.isEmpty {
                state.wait()
            }
            return true
        }
        guard mustClose else { return }

        for interface in claimedInterfaces {
            _ = libusb_release_interface(handle, Int32(interface))
        }
        libusb_close(handle)

        state.withLock {
            claimedInterfaces = []
            phase = .closed
            state.broadcast()
        }
    }
}

private let controlSetupLength = 8

/// The 8-byte SETUP packet of a control transfer; multi-byte fields are little-endian.
func controlSetupPacket(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16, length: UInt16) -> [UInt8] {
    [
        requestType, request,
        UInt8(value & 0xFF), UInt8(value >> 8),
        UInt8(index & 0xFF), UInt8(index >> 8),
        UInt8(length & 0xFF), UInt8(length >> 8),
    ]
}

/// Decodes UTF-16LE code units to ASCII, replacing every non-ASCII character with "?".
func asciiString(utf16LittleEndian bytes: [UInt8]) -> String {
    var units: [UInt16] = []
    var offset = 0
    while offset + 1 < bytes.count {
        units.append(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
        offset += 2
    }

    var text = ""
    for scalar in String(decoding: units, as: UTF16.self).unicodeScalars {
        text.unicodeScalars.append(scalar.isASCII ? scalar : "?")
    }
    return text
}
