import CPCSC
#if !EMBEDDED_LIBPCSCLITE  // scripts/build-libpcsclite.sh compiles both as one module
import PCSCClient
#endif
import PCSCTypes

// The data-exchange functions of winscard.h, checking arguments in pcsc-lite 1.9.9's
// order. Capacities are clamped to 32 bits, never cut.

/// Sends an APDU. `*pcbRecvLength` becomes 0 for an unknown handle, the response length on
/// success, and the length the daemon reported for any code the daemon returned.
@_cdecl("SCardTransmit")
public func transmit(
    _ card: SCARDHANDLE, _ sendPCI: UnsafePointer<SCARD_IO_REQUEST>?, _ command: UnsafePointer<UInt8>?,
    _ commandLength: DWORD, _ receivePCI: UnsafeMutablePointer<SCARD_IO_REQUEST>?,
    _ response: UnsafeMutablePointer<UInt8>?, _ responseLength: UnsafeMutablePointer<DWORD>?
) -> LONG {
    guard let sendPCI, let command, let response, let responseLength else {
        return PCSCError.invalidParameter.code
    }

    let result: TransmitResult
    do {
        // The response goes straight into the caller's buffer, which holds
        // `*pcbRecvLength` bytes; the daemon never sends more than that capacity.
        result = try PCSCClient.shared.transmit(
            CardHandle(rawValue: card), sendPCI: ioRequest(sendPCI.pointee),
            command: inputBytes(command, count: commandLength),
            receivePCI: receivePCI.map { ioRequest($0.pointee) },
            into: outputBytes(response, count: responseLength.pointee), receiveCapacity: responseLength.pointee)
    } catch {
        if error == .invalidHandle {
            responseLength.pointee = 0
        }
        return error.code
    }

    switch result {
    case .received(let count, let returnedPCI):
        receivePCI?.pointee = SCARD_IO_REQUEST(dwProtocol: DWORD(returnedPCI.cardProtocol.rawValue), cbPciLength: DWORD(returnedPCI.length))
        responseLength.pointee = DWORD(count)
        return success
    case .failed(let error, let reportedLength):
        responseLength.pointee = DWORD(reportedLength)
        return error.code
    }
}

private func ioRequest(_ request: SCARD_IO_REQUEST) -> IORequest {
    IORequest(cardProtocol: CardProtocols(rawValue: wireValue(request.dwProtocol)), length: wireValue(request.cbPciLength))
}

/// Sends a control code to the reader driver. `*lpBytesReturned` starts at 0 and receives
/// the response length, or the length the daemon reported with its error.
///
/// Two NULL cases differ from pcsc-lite, which sends garbage or fails the socket on them.
/// A NULL send buffer with a non-zero length is `SCARD_E_INVALID_PARAMETER` (checked
/// before the handle). A NULL receive buffer counts as capacity 0, so the daemon reports
/// the needed length.
@_cdecl("SCardControl")
public func control(
    _ card: SCARDHANDLE, _ code: DWORD, _ command: UnsafeRawPointer?, _ commandLength: DWORD,
    _ response: UnsafeMutableRawPointer?, _ responseCapacity: DWORD, _ bytesReturned: UnsafeMutablePointer<DWORD>?
) -> LONG {
    bytesReturned?.pointee = 0
    guard command != nil || commandLength == 0 else { return PCSCError.invalidParameter.code }

    let outcome: ControlOutcome
    do {
        outcome = try PCSCClient.shared.control(
            CardHandle(rawValue: card), code: ControlCode(rawValue: wireValue(code)),
            command: inputBytes(command, count: commandLength),
            receiveCapacity: response == nil ? 0 : responseCapacity)
    } catch {
        return error.code
    }

    switch outcome {
    case .response(let bytes):
        if let response {
            copy(bytes, to: response)
        }
        bytesReturned?.pointee = DWORD(bytes.count)
        return success
    case .failed(let error, let reportedLength):
        bytesReturned?.pointee = DWORD(reportedLength)
        return error.code
    }
}

/// Reads an attribute. A NULL buffer requests the length only (the daemon gets capacity
/// 264), and `SCARD_AUTOALLOCATE` allocates 264 bytes.
@_cdecl("SCardGetAttrib")
public func getAttribute(
    _ card: SCARDHANDLE, _ attribute: DWORD, _ buffer: UnsafeMutablePointer<UInt8>?, _ length: UnsafeMutablePointer<DWORD>?
) -> LONG {
    guard let length else { return PCSCError.invalidParameter.code }

    var destination = UnsafeMutableRawPointer(buffer)
    if length.pointee == autoAllocate {
        guard let buffer else { return PCSCError.invalidParameter.code }
        length.pointee = DWORD(PCSCLimits.maxBufferSize)
        guard let memory = allocateOutput(PCSCLimits.maxBufferSize, storingAddressAt: buffer) else {
            return PCSCError.noMemory.code
        }
        destination = memory
    } else if buffer == nil {
        length.pointee = DWORD(PCSCLimits.maxBufferSize)
    }

    let outcome: AttributeOutcome
    do {
        outcome = try PCSCClient.shared.getAttribute(
            CardHandle(rawValue: card), id: AttributeID(rawValue: wireValue(attribute)), capacity: length.pointee)
    } catch {
        return error.code
    }

    switch outcome {
    case .value(let bytes):
        length.pointee = DWORD(bytes.count)
        if let destination { copy(bytes, to: destination) }
        return success
    case .truncated(let prefix, let fullLength):
        length.pointee = DWORD(fullLength)
        if let destination { copy(prefix, to: destination) }
        return PCSCError.insufficientBuffer.code
    }
}

@_cdecl("SCardSetAttrib")
public func setAttribute(_ card: SCARDHANDLE, _ attribute: DWORD, _ value: UnsafePointer<UInt8>?, _ length: DWORD) -> LONG {
    guard let value, length > 0 else { return PCSCError.invalidParameter.code }

    return resultCode { () throws(PCSCError) in
        try PCSCClient.shared.setAttribute(
            CardHandle(rawValue: card), id: AttributeID(rawValue: wireValue(attribute)),
            value: inputBytes(value, count: length))
    }
}
