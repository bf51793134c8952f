import CPCSC
import Glibc
#if !EMBEDDED_LIBPCSCLITE  // scripts/build-libpcsclite.sh compiles both as one module
import PCSCClient
#endif
import PCSCTypes

// The context functions of winscard.h. Each converts its C arguments, calls
// `PCSCClient.shared`, and converts the result back, checking arguments in pcsc-lite
// 1.9.9's order.

@_cdecl("SCardEstablishContext")
public func establishContext(
    _ scope: DWORD, _ reserved1: UnsafeRawPointer?, _ reserved2: UnsafeRawPointer?,
    _ context: UnsafeMutablePointer<SCARDCONTEXT>?
) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.checkServiceAvailability()
        guard let context else { throw .invalidParameter }
        context.pointee = 0
        let handle = try PCSCClient.shared.establishContext(scope: DaemonValidated(rawValue: wireValue(scope)))
        context.pointee = handle.rawValue
    }
}

@_cdecl("SCardReleaseContext")
public func releaseContext(_ context: SCARDCONTEXT) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.releaseContext(ContextHandle(rawValue: context))
    }
}

@_cdecl("SCardIsValidContext")
public func isValidContext(_ context: SCARDCONTEXT) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.validateContext(ContextHandle(rawValue: context))
    }
}

/// Frees memory that a call allocated for `SCARD_AUTOALLOCATE`, after checking the
/// context. NULL is allowed.
@_cdecl("SCardFreeMemory")
public func freeMemory(_ context: SCARDCONTEXT, _ memory: UnsafeRawPointer?) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.validateContext(ContextHandle(rawValue: context))
        free(UnsafeMutableRawPointer(mutating: memory))
    }
}

@_cdecl("SCardCancel")
public func cancel(_ context: SCARDCONTEXT) -> LONG {
    resultCode { () throws(PCSCError) in
        try PCSCClient.shared.cancel(ContextHandle(rawValue: context))
    }
}

/// Lists the readers. `mszGroups` is ignored. `*pcchReaders` is left alone for an invalid
/// context, set to 1 with `SCARD_E_NO_READERS_AVAILABLE` and to 0 after other failures.
@_cdecl("SCardListReaders")
public func listReaders(
    _ context: SCARDCONTEXT, _ groups: UnsafePointer<CChar>?, _ readers: UnsafeMutablePointer<CChar>?,
    _ length: UnsafeMutablePointer<DWORD>?
) -> LONG {
    guard let length else { return PCSCError.invalidParameter.code }

    let names: [ReaderName]
    do {
        names = try PCSCClient.shared.listReaders(ContextHandle(rawValue: context))
    } catch {
        if error == .noReadersAvailable {
            length.pointee = DWORD(MultiString.emptyLength)
        } else if error != .invalidHandle {
            length.pointee = 0
        }
        return error.code
    }
    return writeMultiString(MultiString(readerNames: names), to: readers, length: length)
}

/// Lists the reader groups. A NULL `pcchGroups` is rejected with
/// `SCARD_E_INVALID_PARAMETER` after the context check; pcsc-lite dereferences it.
@_cdecl("SCardListReaderGroups")
public func listReaderGroups(
    _ context: SCARDCONTEXT, _ groups: UnsafeMutablePointer<CChar>?, _ length: UnsafeMutablePointer<DWORD>?
) -> LONG {
    let list: MultiString
    do {
        list = try PCSCClient.shared.listReaderGroups(ContextHandle(rawValue: context))
    } catch {
        return error.code
    }
    guard let length else { return PCSCError.invalidParameter.code }
    return writeMultiString(list, to: groups, length: length)
}
