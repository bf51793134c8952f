/*
 * The PC/SC application API: the 18 SCard* functions of libpcsclite.so.1.
 *
 * Every function returns SCARD_S_SUCCESS or one of the codes in
 * pcsclite.h. Reader names and multi-strings are UTF-8, and there are no
 * separate A/W variants as on Windows. Prototypes match pcsc-lite 1.9.9.
 */

/* The guard name is pcsc-lite's, so a program that mixes both header sets
 * does not see the declarations twice. */
#ifndef __winscard_h__
#define __winscard_h__

#include "pcsclite.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Empty unless the includer defines it, for example to set visibility. */
#ifndef PCSC_API
#define PCSC_API
#endif

/* Contexts: a connection of this process to pcscd. */

PCSC_API LONG SCardEstablishContext(DWORD dwScope,
    LPCVOID pvReserved1, LPCVOID pvReserved2,
    LPSCARDCONTEXT phContext);

PCSC_API LONG SCardReleaseContext(SCARDCONTEXT hContext);

PCSC_API LONG SCardIsValidContext(SCARDCONTEXT hContext);

/* Card connections and transactions. */

PCSC_API LONG SCardConnect(SCARDCONTEXT hContext, LPCSTR szReader,
    DWORD dwShareMode, DWORD dwPreferredProtocols,
    LPSCARDHANDLE phCard, LPDWORD pdwActiveProtocol);

PCSC_API LONG SCardReconnect(SCARDHANDLE hCard, DWORD dwShareMode,
    DWORD dwPreferredProtocols, DWORD dwInitialization,
    LPDWORD pdwActiveProtocol);

PCSC_API LONG SCardDisconnect(SCARDHANDLE hCard, DWORD dwDisposition);

PCSC_API LONG SCardBeginTransaction(SCARDHANDLE hCard);

PCSC_API LONG SCardEndTransaction(SCARDHANDLE hCard, DWORD dwDisposition);

/* State of a connected card and of readers. */

PCSC_API LONG SCardStatus(SCARDHANDLE hCard,
    LPSTR mszReaderName, LPDWORD pcchReaderLen,
    LPDWORD pdwState, LPDWORD pdwProtocol,
    LPBYTE pbAtr, LPDWORD pcbAtrLen);

PCSC_API LONG SCardGetStatusChange(SCARDCONTEXT hContext, DWORD dwTimeout,
    SCARD_READERSTATE *rgReaderStates, DWORD cReaders);

/* Data exchange with the reader (SCardControl) and the card (SCardTransmit). */

PCSC_API LONG SCardControl(SCARDHANDLE hCard, DWORD dwControlCode,
    LPCVOID pbSendBuffer, DWORD cbSendLength,
    LPVOID pbRecvBuffer, DWORD cbRecvLength,
    LPDWORD lpBytesReturned);

PCSC_API LONG SCardTransmit(SCARDHANDLE hCard,
    const SCARD_IO_REQUEST *pioSendPci,
    LPCBYTE pbSendBuffer, DWORD cbSendLength,
    SCARD_IO_REQUEST *pioRecvPci,
    LPBYTE pbRecvBuffer, LPDWORD pcbRecvLength);

/* Reader lists. Output buffers are multi-strings ending in two NULs. */

PCSC_API LONG SCardListReaderGroups(SCARDCONTEXT hContext,
    LPSTR mszGroups, LPDWORD pcchGroups);

PCSC_API LONG SCardListReaders(SCARDCONTEXT hContext,
    LPCSTR mszGroups, LPSTR mszReaders, LPDWORD pcchReaders);

/* Releases a buffer that the library allocated for SCARD_AUTOALLOCATE. */
PCSC_API LONG SCardFreeMemory(SCARDCONTEXT hContext, LPCVOID pvMem);

/* Ends a blocked SCardGetStatusChange() of the same context early. */
PCSC_API LONG SCardCancel(SCARDCONTEXT hContext);

/* Reader and card attributes, with dwAttrId one of SCARD_ATTR_* (reader.h). */

PCSC_API LONG SCardGetAttrib(SCARDHANDLE hCard, DWORD dwAttrId,
    LPBYTE pbAttr, LPDWORD pcbAttrLen);

PCSC_API LONG SCardSetAttrib(SCARDHANDLE hCard, DWORD dwAttrId,
    LPCBYTE pbAttr, DWORD cbAttrLen);

#ifdef __cplusplus
}
#endif

#endif /* __winscard_h__ */
