import CPCSC
import Glibc
#if !EMBEDDED_LIBPCSCLITE  // scripts/build-libpcsclite.sh compiles both as one module
import PCSCClient
#endif
import PCSCTypes

// The card-handle functions of winscard.h, checking arguments in pcsc-lite 1.9.9's order.

/// Connects to a card. The reply's card number and protocol reach the outputs even when
/// the daemon refuses, as in pcsc-lite.
@_cdecl("SCardConnect")
public func connect(
    _ context: SCARDCONTEXT, _ reader: UnsafePointer<CChar>?, _ shareMode: DWORD, _ preferredProtocols: DWORD,
    _ card: UnsafeMutablePointer<SCARDHANDLE>?, _ activeProtocol: UnsafeMutablePointer<DWORD>?
) -> LONG {
    guard let card, let activeProtocol else { return PCSCError.invalidParameter.code }
    card.pointee = 0
    guard let reader else { return PCSCError.unknownReader.code }

    return resultCode { () throws(PCSCError) in
        let outcome = try PCSCClient.shared.connect(
            ContextHandle(rawValue: context), readerName: readerName(reader),
            shareMode: DaemonValidated(rawValue: wireValue(shareMode)),
            preferredProtocols: CardProtocols(rawValue: wireValue(preferredProtocols)))
        switch outcome {
        case .connected(let handle, let cardProtocol):
            card.pointee = handle.rawValue
            activeProtocol.pointee = DWORD(cardProtocol.rawValue)
        case .failed(let error, let reportedCard, let reportedProtocol):
            card.pointee = SCARDHANDLE(reportedCard)
            activeProtocol.pointee = DWORD(reportedProtocol.rawValue)
            throw error
        }
    }
}

@_cdecl("SCardReconnect")
public func reconnect(
    _ card: SCARDHANDLE, _ shareMode: DWORD, _ preferredProtocols: DWORD, _ initialization: DWORD,
    _ activeProtocol: UnsafeMutablePointer<DWORD>?
) -> LONG {
    guard let activeProtocol else { return PCSCError.invalidParameter.code }

    return resultCode { () throws(PCSCError) in
        let outcome = try PCSCClient.shared.reconnect(
            CardHandle(rawValue: card), shareMode: DaemonValidated(rawValue: wireValue(shareMode)),
            preferredProtocols: CardProtocols(rawValue: wireValue(preferredProtocols)),
            initialization: DaemonValidated(rawValue: wireValue(initialization)))
        switch outcome {
        case .reconnected(let cardProtocol):
            activeProtocol.pointee = DWORD(cardProtocol.rawValue)
        case .failed(let error, let reportedProtocol):
            activeProtocol.pointee = DWORD(reportedProtocol.rawValue)
            throw error
        }
    }
}

@_cdecl("SCardDisconnect")
public func disconnect(_ card: SCARDHANDLE, _ disposition: DWORD) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.disconnect(CardHandle(rawValue: card), disposition: DaemonValidated(rawValue: wireValue(disposition)))
    }
}

@_cdecl("SCardBeginTransaction")
public func beginTransaction(_ card: SCARDHANDLE) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.beginTransaction(CardHandle(rawValue: card))
    }
}

@_cdecl("SCardEndTransaction")
public func endTransaction(_ card: SCARDHANDLE, _ disposition: DWORD) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.endTransaction(CardHandle(rawValue: card), disposition: DaemonValidated(rawValue: wireValue(disposition)))
    }
}

/// Reports the reader name, state, protocol and ATR of a card handle. All outputs start at
/// 0 and stay so on failure; NULL length pointers count as zero-length buffers. The
/// lengths always report the full sizes, and a short buffer still receives the first
/// bytes (the name without its NUL) before `SCARD_E_INSUFFICIENT_BUFFER`.
@_cdecl("SCardStatus")
public func status(
    _ card: SCARDHANDLE, _ readerName: UnsafeMutablePointer<CChar>?, _ readerLength: UnsafeMutablePointer<DWORD>?,
    _ state: UnsafeMutablePointer<DWORD>?, _ cardProtocol: UnsafeMutablePointer<DWORD>?,
    _ atr: UnsafeMutablePointer<UInt8>?, _ atrLength: UnsafeMutablePointer<DWORD>?
) -> LONG {
    state?.pointee = 0
    cardProtocol?.pointee = 0
    let readerCapacity = readerLength?.pointee ?? 0
    let atrCapacity = atrLength?.pointee ?? 0
    readerLength?.pointee = 0
    atrLength?.pointee = 0

    let status: CardStatus
    do {
        status = try PCSCClient.shared.status(CardHandle(rawValue: card))
    } catch {
        return error.code
    }

    let name = status.readerName.bytes + [0]
    readerLength?.pointee = DWORD(name.count)
    atrLength?.pointee = DWORD(status.atr.count)
    state?.pointee = DWORD(status.stateWord)
    cardProtocol?.pointee = DWORD(status.cardProtocol.rawValue)

    let nameResult = writeStatusOutput(
        TruncatedCopy.cString(status.readerName, capacity: readerCapacity), whole: name,
        to: UnsafeMutableRawPointer(readerName), capacity: readerCapacity)
    if nameResult == PCSCError.invalidParameter.code || nameResult == PCSCError.noMemory.code {
        return nameResult
    }
    let atrResult = writeStatusOutput(
        TruncatedCopy.bytes(status.atr, capacity: atrCapacity), whole: status.atr,
        to: UnsafeMutableRawPointer(atr), capacity: atrCapacity)
    return atrResult != success ? atrResult : nameResult
}

/// Writes one `SCardStatus` output buffer: allocated for `SCARD_AUTOALLOCATE`, else the
/// partial copy when the caller passed a buffer.
private func writeStatusOutput(_ partial: TruncatedCopy, whole: [UInt8], to buffer: UnsafeMutableRawPointer?, capacity: DWORD) -> LONG {
    if capacity == autoAllocate {
        guard let buffer else { return PCSCError.invalidParameter.code }
        guard let memory = allocateOutput(whole.count, storingAddressAt: buffer) else { return PCSCError.noMemory.code }
        copy(whole, to: memory)
        return success
    }
    guard let buffer else { return success }
    copy(partial.bytes, to: buffer)
    return partial.isTruncated ? PCSCError.insufficientBuffer.code : success
}
