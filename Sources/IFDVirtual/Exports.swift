import CPCSC

// The C entry points of libifdvirtual.so (IFD handler API v3), listed in
// Sources/IFDVirtualLinkage/exports.map. Each converts its C arguments, calls
// `IFDVirtualHandler.shared` and converts the result back.

@_cdecl("IFDHCreateChannelByName")
public func ifdhCreateChannelByName(_ lun: DWORD, _ deviceName: LPSTR?) -> RESPONSECODE {
    let name = deviceName.map { String(cString: $0) } ?? ""
    return RESPONSECODE(IFDVirtualHandler.shared.createChannel(lun: lun, deviceName: name).rawValue)
}

@_cdecl("IFDHCreateChannel")
public func ifdhCreateChannel(_ lun: DWORD, _ channel: DWORD) -> RESPONSECODE {
    RESPONSECODE(IFDVirtualHandler.shared.createChannel(lun: lun, deviceName: nil).rawValue)
}

@_cdecl("IFDHCloseChannel")
public func ifdhCloseChannel(_ lun: DWORD) -> RESPONSECODE {
    RESPONSECODE(IFDVirtualHandler.shared.closeChannel(lun: lun).rawValue)
}

/// Copies the value to `value` (when given), sets `*length` to the number of bytes, and
/// fails with IFD_ERROR_INSUFFICIENT_BUFFER when `*length` is too small for anything but
/// a truncatable string.
@_cdecl("IFDHGetCapabilities")
public func ifdhGetCapabilities(_ lun: DWORD, _ tag: DWORD, _ length: PDWORD?, _ value: PUCHAR?) -> RESPONSECODE {
    guard let length else { return RESPONSECODE(IFDResponseCode.communicationError.rawValue) }

    switch IFDVirtualHandler.shared.capability(lun: lun, tag: tag) {
    case .failure(let code):
        return RESPONSECODE(code.rawValue)
    case .success(let capability):
        var bytes = capability.bytes
        if let value {
            if bytes.count > Int(length.pointee) {
                guard capability.truncatable else {
                    return RESPONSECODE(IFDResponseCode.insufficientBuffer.rawValue)
                }
                bytes = Array(bytes.prefix(Int(length.pointee)))
            }
            value.update(from: bytes, count: bytes.count)
        }
        length.pointee = DWORD(bytes.count)
        return RESPONSECODE(IFDResponseCode.success.rawValue)
    }
}

@_cdecl("IFDHSetCapabilities")
public func ifdhSetCapabilities(_ lun: DWORD, _ tag: DWORD, _ length: DWORD, _ value: PUCHAR?) -> RESPONSECODE {
    RESPONSECODE(IFDResponseCode.notSupported.rawValue)
}

@_cdecl("IFDHSetProtocolParameters")
public func ifdhSetProtocolParameters(
    _ lun: DWORD, _ protocolMask: DWORD, _ flags: UCHAR, _ pts1: UCHAR, _ pts2: UCHAR, _ pts3: UCHAR
) -> RESPONSECODE {
    let negotiatePTS1 = flags & UCHAR(IFD_NEGOTIATE_PTS1) != 0
    let code = IFDVirtualHandler.shared.setProtocolParameters(
        lun: lun, protocolMask: protocolMask, negotiatePTS1: negotiatePTS1, pts1: pts1)
    return RESPONSECODE(code.rawValue)
}

/// Writes the ATR to `atr` (pcscd passes a MAX_ATR_SIZE buffer; the card's ATR has 20 bytes).
@_cdecl("IFDHPowerICC")
public func ifdhPowerICC(_ lun: DWORD, _ action: DWORD, _ atr: PUCHAR?, _ atrLength: PDWORD?) -> RESPONSECODE {
    switch IFDVirtualHandler.shared.powerICC(lun: lun, action: action) {
    case .failure(let code):
        atrLength?.pointee = 0
        return RESPONSECODE(code.rawValue)
    case .success(let bytes):
        if let atr { atr.update(from: bytes, count: bytes.count) }
        atrLength?.pointee = DWORD(bytes.count)
        return RESPONSECODE(IFDResponseCode.success.rawValue)
    }
}

@_cdecl("IFDHTransmitToICC")
public func ifdhTransmitToICC(
    _ lun: DWORD, _ sendPci: SCARD_IO_HEADER, _ txBuffer: PUCHAR?, _ txLength: DWORD,
    _ rxBuffer: PUCHAR?, _ rxLength: PDWORD?, _ recvPci: PSCARD_IO_HEADER?
) -> RESPONSECODE {
    guard let rxBuffer, let rxLength else { return RESPONSECODE(IFDResponseCode.communicationError.rawValue) }
    let command = txBuffer.map { Array(UnsafeBufferPointer(start: $0, count: Int(txLength))) } ?? []

    switch IFDVirtualHandler.shared.transmit(lun: lun, protocolHeader: sendPci.Protocol, command: command) {
    case .failure(let code):
        rxLength.pointee = 0
        return RESPONSECODE(code.rawValue)
    case .success(let response):
        guard response.count <= Int(rxLength.pointee) else {
            rxLength.pointee = 0
            return RESPONSECODE(IFDResponseCode.insufficientBuffer.rawValue)
        }
        rxBuffer.update(from: response, count: response.count)
        rxLength.pointee = DWORD(response.count)
        // The receive PCI stays as pcscd passed it, as libccid leaves it.
        return RESPONSECODE(IFDResponseCode.success.rawValue)
    }
}

@_cdecl("IFDHICCPresence")
public func ifdhICCPresence(_ lun: DWORD) -> RESPONSECODE {
    RESPONSECODE(IFDVirtualHandler.shared.presence(lun: lun).rawValue)
}

@_cdecl("IFDHControl")
public func ifdhControl(
    _ lun: DWORD, _ controlCode: DWORD, _ txBuffer: PUCHAR?, _ txLength: DWORD,
    _ rxBuffer: PUCHAR?, _ rxLength: DWORD, _ bytesReturned: LPDWORD?
) -> RESPONSECODE {
    bytesReturned?.pointee = 0
    let input = txBuffer.map { Array(UnsafeBufferPointer(start: $0, count: Int(txLength))) } ?? []

    switch IFDVirtualHandler.shared.control(lun: lun, code: controlCode, input: input) {
    case .failure(let code):
        return RESPONSECODE(code.rawValue)
    case .success(let output):
        guard output.count <= Int(rxLength), let rxBuffer else {
            return RESPONSECODE(IFDResponseCode.insufficientBuffer.rawValue)
        }
        rxBuffer.update(from: output, count: output.count)
        bytesReturned?.pointee = DWORD(output.count)
        return RESPONSECODE(IFDResponseCode.success.rawValue)
    }
}
