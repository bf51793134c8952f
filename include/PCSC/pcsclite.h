/*
 * PC/SC handles, the reader-state and protocol-control structures, return
 * codes and the flag values that SCard* functions take and return.
 *
 * Names, values and layouts are those of pcsc-lite 1.9.9 (Debian 12) on
 * x86_64 Linux. Tests/abi/check-headers.sh compares them with the installed
 * pcsc-lite headers. Only the Linux variant exists here: pcsc-lite packs
 * these structures to 1-byte alignment on macOS, but this header never does.
 */

/* The guard name is pcsc-lite's, so a program that mixes both header sets
 * does not see the declarations twice. */
#ifndef __pcsclite_h__
#define __pcsclite_h__

#include "wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Handles. Both are 64-bit signed integers, not pointers. */
typedef LONG SCARDCONTEXT;
typedef SCARDCONTEXT *PSCARDCONTEXT;
typedef SCARDCONTEXT *LPSCARDCONTEXT;
typedef LONG SCARDHANDLE;
typedef SCARDHANDLE *PSCARDHANDLE;
typedef SCARDHANDLE *LPSCARDHANDLE;

/* Maximum ATR length in bytes (ISO 7816-3: TS plus up to 32 bytes). */
#define MAX_ATR_SIZE 33

/*
 * One entry of the array that SCardGetStatusChange() reads and updates.
 * The caller sets szReader, pvUserData and dwCurrentState. The library
 * writes dwEventState (SCARD_STATE_* bits, with the event count in the
 * upper 16 bits), cbAtr and rgbAtr. Size 80 bytes on x86_64.
 */
typedef struct {
    const char *szReader;
    void *pvUserData;
    DWORD dwCurrentState;
    DWORD dwEventState;
    DWORD cbAtr;
    unsigned char rgbAtr[MAX_ATR_SIZE];
} SCARD_READERSTATE, *LPSCARD_READERSTATE;

/*
 * Protocol control information passed to and from SCardTransmit():
 * the protocol (SCARD_PROTOCOL_*) and the length of the whole structure,
 * including any protocol-specific bytes that follow it.
 */
typedef struct {
    unsigned long dwProtocol;
    unsigned long cbPciLength;
} SCARD_IO_REQUEST, *PSCARD_IO_REQUEST, *LPSCARD_IO_REQUEST;

typedef const SCARD_IO_REQUEST *LPCSCARD_IO_REQUEST;

/* Read-only objects that libpcsclite.so.1 exports: {protocol, 16}. */
extern const SCARD_IO_REQUEST g_rgSCardT0Pci;
extern const SCARD_IO_REQUEST g_rgSCardT1Pci;
extern const SCARD_IO_REQUEST g_rgSCardRawPci;

#define SCARD_PCI_T0 (&g_rgSCardT0Pci)
#define SCARD_PCI_T1 (&g_rgSCardT1Pci)
#define SCARD_PCI_RAW (&g_rgSCardRawPci)

/*
 * Return codes. The values are the 32-bit Windows codes (facility 0x10,
 * severity bit set). LONG is 64 bits here, so they are positive numbers:
 * compare them as LONG, never as int.
 */
#define SCARD_S_SUCCESS ((LONG)0x00000000)

/* Internal and transport failures (SCARD_F_*). */
#define SCARD_F_INTERNAL_ERROR ((LONG)0x80100001)
#define SCARD_F_WAITED_TOO_LONG ((LONG)0x80100007)
#define SCARD_F_COMM_ERROR ((LONG)0x80100013)
#define SCARD_F_UNKNOWN_ERROR ((LONG)0x80100014)

/* Shutdown of the service (SCARD_P_*). */
#define SCARD_P_SHUTDOWN ((LONG)0x80100018)

/* Errors (SCARD_E_*). */
#define SCARD_E_CANCELLED ((LONG)0x80100002)
#define SCARD_E_INVALID_HANDLE ((LONG)0x80100003)
#define SCARD_E_INVALID_PARAMETER ((LONG)0x80100004)
#define SCARD_E_INVALID_TARGET ((LONG)0x80100005)
#define SCARD_E_NO_MEMORY ((LONG)0x80100006)
#define SCARD_E_INSUFFICIENT_BUFFER ((LONG)0x80100008)
#define SCARD_E_UNKNOWN_READER ((LONG)0x80100009)
#define SCARD_E_TIMEOUT ((LONG)0x8010000A)
#define SCARD_E_SHARING_VIOLATION ((LONG)0x8010000B)
#define SCARD_E_NO_SMARTCARD ((LONG)0x8010000C)
#define SCARD_E_UNKNOWN_CARD ((LONG)0x8010000D)
#define SCARD_E_CANT_DISPOSE ((LONG)0x8010000E)
#define SCARD_E_PROTO_MISMATCH ((LONG)0x8010000F)
#define SCARD_E_NOT_READY ((LONG)0x80100010)
#define SCARD_E_INVALID_VALUE ((LONG)0x80100011)
#define SCARD_E_SYSTEM_CANCELLED ((LONG)0x80100012)
#define SCARD_E_INVALID_ATR ((LONG)0x80100015)
#define SCARD_E_NOT_TRANSACTED ((LONG)0x80100016)
#define SCARD_E_READER_UNAVAILABLE ((LONG)0x80100017)
#define SCARD_E_PCI_TOO_SMALL ((LONG)0x80100019)
#define SCARD_E_READER_UNSUPPORTED ((LONG)0x8010001A)
#define SCARD_E_DUPLICATE_READER ((LONG)0x8010001B)
#define SCARD_E_CARD_UNSUPPORTED ((LONG)0x8010001C)
#define SCARD_E_NO_SERVICE ((LONG)0x8010001D)
#define SCARD_E_SERVICE_STOPPED ((LONG)0x8010001E)
#define SCARD_E_UNEXPECTED ((LONG)0x8010001F)
/*
 * pcsc-lite gives UNSUPPORTED_FEATURE the value of UNEXPECTED. Windows uses
 * 0x80100022, which no pcsc-lite name has.
 */
#define SCARD_E_UNSUPPORTED_FEATURE ((LONG)0x8010001F)
#define SCARD_E_ICC_INSTALLATION ((LONG)0x80100020)
#define SCARD_E_ICC_CREATEORDER ((LONG)0x80100021)
#define SCARD_E_DIR_NOT_FOUND ((LONG)0x80100023)
#define SCARD_E_FILE_NOT_FOUND ((LONG)0x80100024)
#define SCARD_E_NO_DIR ((LONG)0x80100025)
#define SCARD_E_NO_FILE ((LONG)0x80100026)
#define SCARD_E_NO_ACCESS ((LONG)0x80100027)
#define SCARD_E_WRITE_TOO_MANY ((LONG)0x80100028)
#define SCARD_E_BAD_SEEK ((LONG)0x80100029)
#define SCARD_E_INVALID_CHV ((LONG)0x8010002A)
#define SCARD_E_UNKNOWN_RES_MNG ((LONG)0x8010002B)
#define SCARD_E_NO_SUCH_CERTIFICATE ((LONG)0x8010002C)
#define SCARD_E_CERTIFICATE_UNAVAILABLE ((LONG)0x8010002D)
#define SCARD_E_NO_READERS_AVAILABLE ((LONG)0x8010002E)
#define SCARD_E_COMM_DATA_LOST ((LONG)0x8010002F)
#define SCARD_E_NO_KEY_CONTAINER ((LONG)0x80100030)
#define SCARD_E_SERVER_TOO_BUSY ((LONG)0x80100031)

/* Warnings about the card (SCARD_W_*). */
#define SCARD_W_UNSUPPORTED_CARD ((LONG)0x80100065)
#define SCARD_W_UNRESPONSIVE_CARD ((LONG)0x80100066)
#define SCARD_W_UNPOWERED_CARD ((LONG)0x80100067)
#define SCARD_W_RESET_CARD ((LONG)0x80100068)
#define SCARD_W_REMOVED_CARD ((LONG)0x80100069)
#define SCARD_W_SECURITY_VIOLATION ((LONG)0x8010006A)
#define SCARD_W_WRONG_CHV ((LONG)0x8010006B)
#define SCARD_W_CHV_BLOCKED ((LONG)0x8010006C)
#define SCARD_W_EOF ((LONG)0x8010006D)
#define SCARD_W_CANCELLED_BY_USER ((LONG)0x8010006E)
#define SCARD_W_CARD_NOT_AUTHENTICATED ((LONG)0x8010006F)

/*
 * A buffer length of SCARD_AUTOALLOCATE makes the library allocate the
 * output buffer. The caller releases it with SCardFreeMemory().
 */
#define SCARD_AUTOALLOCATE ((DWORD)0xFFFFFFFFFFFFFFFF)

/* Context scopes for SCardEstablishContext(). pcscd accepts these four,
 * treats them alike and rejects other values with SCARD_E_INVALID_VALUE. */
#define SCARD_SCOPE_USER 0x0000
#define SCARD_SCOPE_TERMINAL 0x0001
#define SCARD_SCOPE_SYSTEM 0x0002
#define SCARD_SCOPE_GLOBAL 0x0003

/* Card protocols, as bits. */
#define SCARD_PROTOCOL_UNDEFINED 0x0000
#define SCARD_PROTOCOL_UNSET SCARD_PROTOCOL_UNDEFINED
#define SCARD_PROTOCOL_T0 0x0001
#define SCARD_PROTOCOL_T1 0x0002
#define SCARD_PROTOCOL_RAW 0x0004
#define SCARD_PROTOCOL_T15 0x0008
#define SCARD_PROTOCOL_ANY (SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)

/* Share modes for SCardConnect() and SCardReconnect(). */
#define SCARD_SHARE_EXCLUSIVE 0x0001
#define SCARD_SHARE_SHARED 0x0002
#define SCARD_SHARE_DIRECT 0x0003

/* Dispositions: what happens to the card on disconnect or end of transaction. */
#define SCARD_LEAVE_CARD 0x0000
#define SCARD_RESET_CARD 0x0001
#define SCARD_UNPOWER_CARD 0x0002
#define SCARD_EJECT_CARD 0x0003

/* Card states that SCardStatus() reports, as bits. */
#define SCARD_UNKNOWN 0x0001
#define SCARD_ABSENT 0x0002
#define SCARD_PRESENT 0x0004
#define SCARD_SWALLOWED 0x0008
#define SCARD_POWERED 0x0010
#define SCARD_NEGOTIABLE 0x0020
#define SCARD_SPECIFIC 0x0040

/* Reader-state bits of SCARD_READERSTATE.dwCurrentState and dwEventState. */
#define SCARD_STATE_UNAWARE 0x0000
#define SCARD_STATE_IGNORE 0x0001
#define SCARD_STATE_CHANGED 0x0002
#define SCARD_STATE_UNKNOWN 0x0004
#define SCARD_STATE_UNAVAILABLE 0x0008
#define SCARD_STATE_EMPTY 0x0010
#define SCARD_STATE_PRESENT 0x0020
#define SCARD_STATE_ATRMATCH 0x0040
#define SCARD_STATE_EXCLUSIVE 0x0080
#define SCARD_STATE_INUSE 0x0100
#define SCARD_STATE_MUTE 0x0200
#define SCARD_STATE_UNPOWERED 0x0400

/* Timeout for SCardGetStatusChange() that never expires. Its type is
 * unsigned int, and the library also accepts (DWORD)-1 as "no timeout". */
#ifndef INFINITE
#define INFINITE 0xFFFFFFFF
#endif

/* The pcsc-lite API level these headers provide. */
#define PCSCLITE_VERSION_NUMBER "1.9.9"

/* Maximum number of reader slots in pcsc-lite 1.9.9. */
#define PCSCLITE_MAX_READERS_CONTEXTS 16

/* Maximum reader name length in bytes, including the terminating NUL. */
#define MAX_READERNAME 128

#ifndef SCARD_ATR_LENGTH
#define SCARD_ATR_LENGTH MAX_ATR_SIZE
#endif

/* Transmit and receive buffer for short APDUs, large enough for a command
 * (4 header bytes, Lc, up to 255 data bytes, Le) and for a response (up to
 * 256 data bytes and the 2 status bytes). */
#define MAX_BUFFER_SIZE 264

/* Buffer for an extended APDU: header (4), extended Lc (3), 64 KiB of data,
 * extended Le (3) and the status word (2), 65548 bytes in all. */
#define MAX_BUFFER_SIZE_EXTENDED 65548

/*
 * Returns a short English text for a return code. Codes without a text give
 * "Unknown error: 0x" followed by 8 hex digits. As in pcsc-lite, the string
 * is in a thread-local buffer that the next call from the same thread
 * overwrites.
 */
const char *pcsc_stringify_error(const LONG);

#ifdef __cplusplus
}
#endif

#endif /* __pcsclite_h__ */
