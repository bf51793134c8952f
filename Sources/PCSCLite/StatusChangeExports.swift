import CPCSC
#if !EMBEDDED_LIBPCSCLITE  // scripts/build-libpcsclite.sh compiles both as one module
import PCSCClient
#endif
import PCSCTypes

/// Waits for a reader state change. The `SCARD_READERSTATE` entries are converted to
/// `ReaderState` values and back. Only the fields the call changed are written, so an
/// entry the call did not touch keeps every bit of its 64-bit fields.
@_cdecl("SCardGetStatusChange")
public func getStatusChange(
    _ context: SCARDCONTEXT, _ timeout: DWORD, _ entries: UnsafeMutablePointer<SCARD_READERSTATE>?, _ count: DWORD
) -> LONG {
    guard entries != nil || count == 0 else { return PCSCError.invalidParameter.code }
    guard let count = Int(exactly: count) else { return PCSCError.invalidParameter.code }
    let buffer = UnsafeMutableBufferPointer(start: count == 0 ? nil : entries, count: count)
    guard buffer.allSatisfy({ $0.szReader != nil }) else { return PCSCError.invalidValue.code }

    let original = buffer.map(readerState)
    var states = original
    let result = resultCode { () throws(PCSCError) in
        try PCSCClient.shared.getStatusChange(
            ContextHandle(rawValue: context), timeout: StatusChangeTimeout(milliseconds: timeout), states: &states)
    }
    for index in buffer.indices {
        write(states[index], over: original[index], to: &buffer[index])
    }
    return result
}

private func readerState(_ entry: SCARD_READERSTATE) -> ReaderState {
    let atrLength = min(Int(clamping: entry.cbAtr), PCSCLimits.maxATRSize)
    let atr = withUnsafeBytes(of: entry.rgbAtr) { Array($0.prefix(atrLength)) }
    return ReaderState(
        readerName: readerName(entry.szReader),
        currentState: ReaderStateWord(rawValue: wireValue(entry.dwCurrentState)),
        eventState: ReaderStateWord(rawValue: wireValue(entry.dwEventState)),
        atr: atr)
}

private func write(_ state: ReaderState, over original: ReaderState, to entry: inout SCARD_READERSTATE) {
    if state.eventState != original.eventState {
        entry.dwEventState = DWORD(state.eventState.rawValue)
    }
    if state.atr != original.atr {
        entry.cbAtr = DWORD(state.atr.count)
        withUnsafeMutableBytes(of: &entry.rgbAtr) { field in
            field.copyBytes(from: state.atr.prefix(field.count))
        }
    }
}
