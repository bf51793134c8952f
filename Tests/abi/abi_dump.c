/*
 * Prints the ABI of the PC/SC headers, one fact per line, so that two
 * builds of this file (against this repository's include/PCSC and against
 * Debian's /usr/include/PCSC) can be compared with diff. check-headers.sh
 * does that. A line has the form "KIND NAME DETAILS":
 *
 *   type     size, alignment and C type of every typedef
 *   field    offset, size and C type of every structure field
 *   constant C type and value of every integer macro and enumerator
 *   string   contents and size of every string macro
 *   call     type and value of function-like macros at sample arguments
 *   function 1 when the declared prototype has the expected type
 *   log      what the Log* macros pass to the logging functions
 *   data     contents of the exported SCARD_IO_REQUEST objects
 *
 * C types come from _Generic, so "long" is what both LONG and SCARDHANDLE
 * resolve to. Build with -std=c11 or later (or gnu89, as GCC extensions).
 * Link with either Sources/CPCSC/pci.c or Debian's -lpcsclite for the
 * data lines.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Configurations that predefine override macros must supply what the
 * headers then leave out. */
#ifdef __COREFOUNDATION_CFPLUGINCOM__
typedef unsigned long ULONG;
typedef void *LPVOID;
#endif
#ifdef RESPONSECODE_DEFINED_IN_WINTYPES_H
typedef long RESPONSECODE;
#endif

#ifdef ABI_DUMP_PARENT_INCLUDE
#include <PCSC/wintypes.h>
#include <PCSC/pcsclite.h>
#include <PCSC/winscard.h>
#include <PCSC/reader.h>
#include <PCSC/ifdhandler.h>
#include <PCSC/debuglog.h>
#else
#include <wintypes.h>
#include <pcsclite.h>
#include <winscard.h>
#include <reader.h>
#include <ifdhandler.h>
#include <debuglog.h>
#endif

/* Name of the C type of an expression after lvalue conversion. */
#define C_TYPE_NAME(x) _Generic((x), \
    char: "char", \
    signed char: "signed char", \
    unsigned char: "unsigned char", \
    short: "short", \
    unsigned short: "unsigned short", \
    int: "int", \
    unsigned int: "unsigned int", \
    long: "long", \
    unsigned long: "unsigned long", \
    long long: "long long", \
    unsigned long long: "unsigned long long", \
    char *: "char *", \
    const char *: "const char *", \
    unsigned char *: "unsigned char *", \
    const unsigned char *: "const unsigned char *", \
    unsigned short *: "unsigned short *", \
    long *: "long *", \
    unsigned long *: "unsigned long *", \
    void *: "void *", \
    const void *: "const void *", \
    SCARD_READERSTATE *: "SCARD_READERSTATE *", \
    SCARD_IO_REQUEST *: "SCARD_IO_REQUEST *", \
    const SCARD_IO_REQUEST *: "const SCARD_IO_REQUEST *", \
    SCARD_IO_HEADER *: "SCARD_IO_HEADER *", \
    DEVICE_CAPABILITIES *: "DEVICE_CAPABILITIES *", \
    ICC_STATE *: "ICC_STATE *", \
    PROTOCOL_OPTIONS *: "PROTOCOL_OPTIONS *", \
    SCARD_READERSTATE: "SCARD_READERSTATE", \
    SCARD_IO_REQUEST: "SCARD_IO_REQUEST", \
    SCARD_IO_HEADER: "SCARD_IO_HEADER", \
    DEVICE_CAPABILITIES: "DEVICE_CAPABILITIES", \
    ICC_STATE: "ICC_STATE", \
    PROTOCOL_OPTIONS: "PROTOCOL_OPTIONS", \
    PCSC_TLV_STRUCTURE: "PCSC_TLV_STRUCTURE", \
    PIN_VERIFY_STRUCTURE: "PIN_VERIFY_STRUCTURE", \
    PIN_MODIFY_STRUCTURE: "PIN_MODIFY_STRUCTURE", \
    PIN_PROPERTIES_STRUCTURE: "PIN_PROPERTIES_STRUCTURE", \
    default: "unlisted type")

#define TYPE(T) \
    printf("type %s size=%zu align=%zu ctype=%s\n", #T, sizeof(T), \
        _Alignof(T), C_TYPE_NAME(*(T *)0))

#define FIELD(T, f) \
    printf("field %s.%s offset=%zu size=%zu ctype=%s\n", #T, #f, \
        offsetof(T, f), sizeof(((T *)0)->f), C_TYPE_NAME(((T *)0)->f))

/* A flexible array member has no size. */
#define FLEXIBLE_FIELD(T, f) \
    printf("field %s.%s offset=%zu ctype=%s\n", #T, #f, offsetof(T, f), \
        C_TYPE_NAME(((T *)0)->f))

#define INT_CONSTANT(x) \
    printf("constant %s ctype=%s value=%llu\n", #x, C_TYPE_NAME(x), \
        (unsigned long long)(x))

#define STRING_CONSTANT(x) \
    printf("string %s size=%zu value=\"%s\"\n", #x, sizeof(x), x)

/* The name printed is the call as written, before macro expansion. */
#define CALL(expression) \
    printf("call %s ctype=%s value=%llu\n", #expression, \
        C_TYPE_NAME(expression), (unsigned long long)(expression))

#define FUNCTION(name, expected_type) \
    printf("function %s %d\n", #name, \
        __builtin_types_compatible_p(__typeof__(name), expected_type))

static void dump_scalar_types(void)
{
    TYPE(BYTE);
    TYPE(UCHAR);
    TYPE(PUCHAR);
    TYPE(USHORT);
    TYPE(WORD);
    TYPE(BOOL);
    TYPE(ULONG);
    TYPE(PULONG);
    TYPE(LPVOID);
    TYPE(LPCVOID);
    TYPE(DWORD);
    TYPE(PDWORD);
    TYPE(LPDWORD);
    TYPE(LONG);
    TYPE(LPCSTR);
    TYPE(LPSTR);
    TYPE(LPTSTR);
    TYPE(LPCTSTR);
    TYPE(LPCBYTE);
    TYPE(LPBYTE);

    TYPE(SCARDCONTEXT);
    TYPE(PSCARDCONTEXT);
    TYPE(LPSCARDCONTEXT);
    TYPE(SCARDHANDLE);
    TYPE(PSCARDHANDLE);
    TYPE(LPSCARDHANDLE);
    TYPE(RESPONSECODE);
}

static void dump_pcsclite_structures(void)
{
    TYPE(SCARD_READERSTATE);
    TYPE(LPSCARD_READERSTATE);
    FIELD(SCARD_READERSTATE, szReader);
    FIELD(SCARD_READERSTATE, pvUserData);
    FIELD(SCARD_READERSTATE, dwCurrentState);
    FIELD(SCARD_READERSTATE, dwEventState);
    FIELD(SCARD_READERSTATE, cbAtr);
    FIELD(SCARD_READERSTATE, rgbAtr);

    TYPE(SCARD_IO_REQUEST);
    TYPE(PSCARD_IO_REQUEST);
    TYPE(LPSCARD_IO_REQUEST);
    TYPE(LPCSCARD_IO_REQUEST);
    FIELD(SCARD_IO_REQUEST, dwProtocol);
    FIELD(SCARD_IO_REQUEST, cbPciLength);
}

static void dump_reader_structures(void)
{
    TYPE(PCSC_TLV_STRUCTURE);
    FIELD(PCSC_TLV_STRUCTURE, tag);
    FIELD(PCSC_TLV_STRUCTURE, length);
    FIELD(PCSC_TLV_STRUCTURE, value);

    TYPE(PIN_VERIFY_STRUCTURE);
    FIELD(PIN_VERIFY_STRUCTURE, bTimerOut);
    FIELD(PIN_VERIFY_STRUCTURE, bTimerOut2);
    FIELD(PIN_VERIFY_STRUCTURE, bmFormatString);
    FIELD(PIN_VERIFY_STRUCTURE, bmPINBlockString);
    FIELD(PIN_VERIFY_STRUCTURE, bmPINLengthFormat);
    FIELD(PIN_VERIFY_STRUCTURE, wPINMaxExtraDigit);
    FIELD(PIN_VERIFY_STRUCTURE, bEntryValidationCondition);
    FIELD(PIN_VERIFY_STRUCTURE, bNumberMessage);
    FIELD(PIN_VERIFY_STRUCTURE, wLangId);
    FIELD(PIN_VERIFY_STRUCTURE, bMsgIndex);
    FIELD(PIN_VERIFY_STRUCTURE, bTeoPrologue);
    FIELD(PIN_VERIFY_STRUCTURE, ulDataLength);
    FLEXIBLE_FIELD(PIN_VERIFY_STRUCTURE, abData);

    TYPE(PIN_MODIFY_STRUCTURE);
    FIELD(PIN_MODIFY_STRUCTURE, bTimerOut);
    FIELD(PIN_MODIFY_STRUCTURE, bTimerOut2);
    FIELD(PIN_MODIFY_STRUCTURE, bmFormatString);
    FIELD(PIN_MODIFY_STRUCTURE, bmPINBlockString);
    FIELD(PIN_MODIFY_STRUCTURE, bmPINLengthFormat);
    FIELD(PIN_MODIFY_STRUCTURE, bInsertionOffsetOld);
    FIELD(PIN_MODIFY_STRUCTURE, bInsertionOffsetNew);
    FIELD(PIN_MODIFY_STRUCTURE, wPINMaxExtraDigit);
    FIELD(PIN_MODIFY_STRUCTURE, bConfirmPIN);
    FIELD(PIN_MODIFY_STRUCTURE, bEntryValidationCondition);
    FIELD(PIN_MODIFY_STRUCTURE, bNumberMessage);
    FIELD(PIN_MODIFY_STRUCTURE, wLangId);
    FIELD(PIN_MODIFY_STRUCTURE, bMsgIndex1);
    FIELD(PIN_MODIFY_STRUCTURE, bMsgIndex2);
    FIELD(PIN_MODIFY_STRUCTURE, bMsgIndex3);
    FIELD(PIN_MODIFY_STRUCTURE, bTeoPrologue);
    FIELD(PIN_MODIFY_STRUCTURE, ulDataLength);
    FLEXIBLE_FIELD(PIN_MODIFY_STRUCTURE, abData);

    TYPE(PIN_PROPERTIES_STRUCTURE);
    FIELD(PIN_PROPERTIES_STRUCTURE, wLcdLayout);
    FIELD(PIN_PROPERTIES_STRUCTURE, bEntryValidationCondition);
    FIELD(PIN_PROPERTIES_STRUCTURE, bTimeOut2);
}

static void dump_ifdhandler_structures(void)
{
    TYPE(DEVICE_CAPABILITIES);
    TYPE(PDEVICE_CAPABILITIES);
    printf("type struct _DEVICE_CAPABILITIES same=%d\n",
        __builtin_types_compatible_p(struct _DEVICE_CAPABILITIES, DEVICE_CAPABILITIES));
    FIELD(DEVICE_CAPABILITIES, Vendor_Name);
    FIELD(DEVICE_CAPABILITIES, IFD_Type);
    FIELD(DEVICE_CAPABILITIES, IFD_Version);
    FIELD(DEVICE_CAPABILITIES, IFD_Serial);
    FIELD(DEVICE_CAPABILITIES, IFD_Channel_ID);
    FIELD(DEVICE_CAPABILITIES, Asynch_Supported);
    FIELD(DEVICE_CAPABILITIES, Default_Clock);
    FIELD(DEVICE_CAPABILITIES, Max_Clock);
    FIELD(DEVICE_CAPABILITIES, Default_Data_Rate);
    FIELD(DEVICE_CAPABILITIES, Max_Data_Rate);
    FIELD(DEVICE_CAPABILITIES, Max_IFSD);
    FIELD(DEVICE_CAPABILITIES, Synch_Supported);
    FIELD(DEVICE_CAPABILITIES, Power_Mgmt);
    FIELD(DEVICE_CAPABILITIES, Card_Auth_Devices);
    FIELD(DEVICE_CAPABILITIES, User_Auth_Device);
    FIELD(DEVICE_CAPABILITIES, Mechanics_Supported);
    FIELD(DEVICE_CAPABILITIES, Vendor_Features);

    TYPE(ICC_STATE);
    TYPE(PICC_STATE);
    printf("type struct _ICC_STATE same=%d\n",
        __builtin_types_compatible_p(struct _ICC_STATE, ICC_STATE));
    FIELD(ICC_STATE, ICC_Presence);
    FIELD(ICC_STATE, ICC_Interface_Status);
    FIELD(ICC_STATE, ATR);
    FIELD(ICC_STATE, ICC_Type);

    TYPE(PROTOCOL_OPTIONS);
    TYPE(PPROTOCOL_OPTIONS);
    printf("type struct _PROTOCOL_OPTIONS same=%d\n",
        __builtin_types_compatible_p(struct _PROTOCOL_OPTIONS, PROTOCOL_OPTIONS));
    FIELD(PROTOCOL_OPTIONS, Protocol_Type);
    FIELD(PROTOCOL_OPTIONS, Current_Clock);
    FIELD(PROTOCOL_OPTIONS, Current_F);
    FIELD(PROTOCOL_OPTIONS, Current_D);
    FIELD(PROTOCOL_OPTIONS, Current_N);
    FIELD(PROTOCOL_OPTIONS, Current_W);
    FIELD(PROTOCOL_OPTIONS, Current_IFSC);
    FIELD(PROTOCOL_OPTIONS, Current_IFSD);
    FIELD(PROTOCOL_OPTIONS, Current_BWT);
    FIELD(PROTOCOL_OPTIONS, Current_CWT);
    FIELD(PROTOCOL_OPTIONS, Current_EBC);

    TYPE(SCARD_IO_HEADER);
    TYPE(PSCARD_IO_HEADER);
    printf("type struct _SCARD_IO_HEADER same=%d\n",
        __builtin_types_compatible_p(struct _SCARD_IO_HEADER, SCARD_IO_HEADER));
    FIELD(SCARD_IO_HEADER, Protocol);
    FIELD(SCARD_IO_HEADER, Length);
}

static void dump_pcsclite_constants(void)
{
    INT_CONSTANT(MAX_ATR_SIZE);
    INT_CONSTANT(SCARD_S_SUCCESS);
    INT_CONSTANT(SCARD_F_INTERNAL_ERROR);
    INT_CONSTANT(SCARD_E_CANCELLED);
    INT_CONSTANT(SCARD_E_INVALID_HANDLE);
    INT_CONSTANT(SCARD_E_INVALID_PARAMETER);
    INT_CONSTANT(SCARD_E_INVALID_TARGET);
    INT_CONSTANT(SCARD_E_NO_MEMORY);
    INT_CONSTANT(SCARD_F_WAITED_TOO_LONG);
    INT_CONSTANT(SCARD_E_INSUFFICIENT_BUFFER);
    INT_CONSTANT(SCARD_E_UNKNOWN_READER);
    INT_CONSTANT(SCARD_E_TIMEOUT);
    INT_CONSTANT(SCARD_E_SHARING_VIOLATION);
    INT_CONSTANT(SCARD_E_NO_SMARTCARD);
    INT_CONSTANT(SCARD_E_UNKNOWN_CARD);
    INT_CONSTANT(SCARD_E_CANT_DISPOSE);
    INT_CONSTANT(SCARD_E_PROTO_MISMATCH);
    INT_CONSTANT(SCARD_E_NOT_READY);
    INT_CONSTANT(SCARD_E_INVALID_VALUE);
    INT_CONSTANT(SCARD_E_SYSTEM_CANCELLED);
    INT_CONSTANT(SCARD_F_COMM_ERROR);
    INT_CONSTANT(SCARD_F_UNKNOWN_ERROR);
    INT_CONSTANT(SCARD_E_INVALID_ATR);
    INT_CONSTANT(SCARD_E_NOT_TRANSACTED);
    INT_CONSTANT(SCARD_E_READER_UNAVAILABLE);
    INT_CONSTANT(SCARD_P_SHUTDOWN);
    INT_CONSTANT(SCARD_E_PCI_TOO_SMALL);
    INT_CONSTANT(SCARD_E_READER_UNSUPPORTED);
    INT_CONSTANT(SCARD_E_DUPLICATE_READER);
    INT_CONSTANT(SCARD_E_CARD_UNSUPPORTED);
    INT_CONSTANT(SCARD_E_NO_SERVICE);
    INT_CONSTANT(SCARD_E_SERVICE_STOPPED);
    INT_CONSTANT(SCARD_E_UNEXPECTED);
    INT_CONSTANT(SCARD_E_UNSUPPORTED_FEATURE);
    INT_CONSTANT(SCARD_E_ICC_INSTALLATION);
    INT_CONSTANT(SCARD_E_ICC_CREATEORDER);
    INT_CONSTANT(SCARD_E_DIR_NOT_FOUND);
    INT_CONSTANT(SCARD_E_FILE_NOT_FOUND);
    INT_CONSTANT(SCARD_E_NO_DIR);
    INT_CONSTANT(SCARD_E_NO_FILE);
    INT_CONSTANT(SCARD_E_NO_ACCESS);
    INT_CONSTANT(SCARD_E_WRITE_TOO_MANY);
    INT_CONSTANT(SCARD_E_BAD_SEEK);
    INT_CONSTANT(SCARD_E_INVALID_CHV);
    INT_CONSTANT(SCARD_E_UNKNOWN_RES_MNG);
    INT_CONSTANT(SCARD_E_NO_SUCH_CERTIFICATE);
    INT_CONSTANT(SCARD_E_CERTIFICATE_UNAVAILABLE);
    INT_CONSTANT(SCARD_E_NO_READERS_AVAILABLE);
    INT_CONSTANT(SCARD_E_COMM_DATA_LOST);
    INT_CONSTANT(SCARD_E_NO_KEY_CONTAINER);
    INT_CONSTANT(SCARD_E_SERVER_TOO_BUSY);
    INT_CONSTANT(SCARD_W_UNSUPPORTED_CARD);
    INT_CONSTANT(SCARD_W_UNRESPONSIVE_CARD);
    INT_CONSTANT(SCARD_W_UNPOWERED_CARD);
    INT_CONSTANT(SCARD_W_RESET_CARD);
    INT_CONSTANT(SCARD_W_REMOVED_CARD);
    INT_CONSTANT(SCARD_W_SECURITY_VIOLATION);
    INT_CONSTANT(SCARD_W_WRONG_CHV);
    INT_CONSTANT(SCARD_W_CHV_BLOCKED);
    INT_CONSTANT(SCARD_W_EOF);
    INT_CONSTANT(SCARD_W_CANCELLED_BY_USER);
    INT_CONSTANT(SCARD_W_CARD_NOT_AUTHENTICATED);
    INT_CONSTANT(SCARD_AUTOALLOCATE);
    INT_CONSTANT(SCARD_SCOPE_USER);
    INT_CONSTANT(SCARD_SCOPE_TERMINAL);
    INT_CONSTANT(SCARD_SCOPE_SYSTEM);
    INT_CONSTANT(SCARD_SCOPE_GLOBAL);
    INT_CONSTANT(SCARD_PROTOCOL_UNDEFINED);
    INT_CONSTANT(SCARD_PROTOCOL_UNSET);
    INT_CONSTANT(SCARD_PROTOCOL_T0);
    INT_CONSTANT(SCARD_PROTOCOL_T1);
    INT_CONSTANT(SCARD_PROTOCOL_RAW);
    INT_CONSTANT(SCARD_PROTOCOL_T15);
    INT_CONSTANT(SCARD_PROTOCOL_ANY);
    INT_CONSTANT(SCARD_SHARE_EXCLUSIVE);
    INT_CONSTANT(SCARD_SHARE_SHARED);
    INT_CONSTANT(SCARD_SHARE_DIRECT);
    INT_CONSTANT(SCARD_LEAVE_CARD);
    INT_CONSTANT(SCARD_RESET_CARD);
    INT_CONSTANT(SCARD_UNPOWER_CARD);
    INT_CONSTANT(SCARD_EJECT_CARD);
    INT_CONSTANT(SCARD_UNKNOWN);
    INT_CONSTANT(SCARD_ABSENT);
    INT_CONSTANT(SCARD_PRESENT);
    INT_CONSTANT(SCARD_SWALLOWED);
    INT_CONSTANT(SCARD_POWERED);
    INT_CONSTANT(SCARD_NEGOTIABLE);
    INT_CONSTANT(SCARD_SPECIFIC);
    INT_CONSTANT(SCARD_STATE_UNAWARE);
    INT_CONSTANT(SCARD_STATE_IGNORE);
    INT_CONSTANT(SCARD_STATE_CHANGED);
    INT_CONSTANT(SCARD_STATE_UNKNOWN);
    INT_CONSTANT(SCARD_STATE_UNAVAILABLE);
    INT_CONSTANT(SCARD_STATE_EMPTY);
    INT_CONSTANT(SCARD_STATE_PRESENT);
    INT_CONSTANT(SCARD_STATE_ATRMATCH);
    INT_CONSTANT(SCARD_STATE_EXCLUSIVE);
    INT_CONSTANT(SCARD_STATE_INUSE);
    INT_CONSTANT(SCARD_STATE_MUTE);
    INT_CONSTANT(SCARD_STATE_UNPOWERED);
    INT_CONSTANT(INFINITE);
    INT_CONSTANT(PCSCLITE_MAX_READERS_CONTEXTS);
    INT_CONSTANT(MAX_READERNAME);
    INT_CONSTANT(SCARD_ATR_LENGTH);
    INT_CONSTANT(MAX_BUFFER_SIZE);
    INT_CONSTANT(MAX_BUFFER_SIZE_EXTENDED);

    STRING_CONSTANT(PCSCLITE_VERSION_NUMBER);
}

static void dump_reader_constants(void)
{
    INT_CONSTANT(SCARD_CLASS_VENDOR_INFO);
    INT_CONSTANT(SCARD_CLASS_COMMUNICATIONS);
    INT_CONSTANT(SCARD_CLASS_PROTOCOL);
    INT_CONSTANT(SCARD_CLASS_POWER_MGMT);
    INT_CONSTANT(SCARD_CLASS_SECURITY);
    INT_CONSTANT(SCARD_CLASS_MECHANICAL);
    INT_CONSTANT(SCARD_CLASS_VENDOR_DEFINED);
    INT_CONSTANT(SCARD_CLASS_IFD_PROTOCOL);
    INT_CONSTANT(SCARD_CLASS_ICC_STATE);
    INT_CONSTANT(SCARD_CLASS_SYSTEM);
    INT_CONSTANT(SCARD_ATTR_VENDOR_NAME);
    INT_CONSTANT(SCARD_ATTR_VENDOR_IFD_TYPE);
    INT_CONSTANT(SCARD_ATTR_VENDOR_IFD_VERSION);
    INT_CONSTANT(SCARD_ATTR_VENDOR_IFD_SERIAL_NO);
    INT_CONSTANT(SCARD_ATTR_CHANNEL_ID);
    INT_CONSTANT(SCARD_ATTR_ASYNC_PROTOCOL_TYPES);
    INT_CONSTANT(SCARD_ATTR_DEFAULT_CLK);
    INT_CONSTANT(SCARD_ATTR_MAX_CLK);
    INT_CONSTANT(SCARD_ATTR_DEFAULT_DATA_RATE);
    INT_CONSTANT(SCARD_ATTR_MAX_DATA_RATE);
    INT_CONSTANT(SCARD_ATTR_MAX_IFSD);
    INT_CONSTANT(SCARD_ATTR_SYNC_PROTOCOL_TYPES);
    INT_CONSTANT(SCARD_ATTR_POWER_MGMT_SUPPORT);
    INT_CONSTANT(SCARD_ATTR_USER_TO_CARD_AUTH_DEVICE);
    INT_CONSTANT(SCARD_ATTR_USER_AUTH_INPUT_DEVICE);
    INT_CONSTANT(SCARD_ATTR_CHARACTERISTICS);
    INT_CONSTANT(SCARD_ATTR_CURRENT_PROTOCOL_TYPE);
    INT_CONSTANT(SCARD_ATTR_CURRENT_CLK);
    INT_CONSTANT(SCARD_ATTR_CURRENT_F);
    INT_CONSTANT(SCARD_ATTR_CURRENT_D);
    INT_CONSTANT(SCARD_ATTR_CURRENT_N);
    INT_CONSTANT(SCARD_ATTR_CURRENT_W);
    INT_CONSTANT(SCARD_ATTR_CURRENT_IFSC);
    INT_CONSTANT(SCARD_ATTR_CURRENT_IFSD);
    INT_CONSTANT(SCARD_ATTR_CURRENT_BWT);
    INT_CONSTANT(SCARD_ATTR_CURRENT_CWT);
    INT_CONSTANT(SCARD_ATTR_CURRENT_EBC_ENCODING);
    INT_CONSTANT(SCARD_ATTR_EXTENDED_BWT);
    INT_CONSTANT(SCARD_ATTR_ICC_PRESENCE);
    INT_CONSTANT(SCARD_ATTR_ICC_INTERFACE_STATUS);
    INT_CONSTANT(SCARD_ATTR_CURRENT_IO_STATE);
    INT_CONSTANT(SCARD_ATTR_ATR_STRING);
    INT_CONSTANT(SCARD_ATTR_ICC_TYPE_PER_ATR);
    INT_CONSTANT(SCARD_ATTR_ESC_RESET);
    INT_CONSTANT(SCARD_ATTR_ESC_CANCEL);
    INT_CONSTANT(SCARD_ATTR_ESC_AUTHREQUEST);
    INT_CONSTANT(SCARD_ATTR_MAXINPUT);
    INT_CONSTANT(SCARD_ATTR_DEVICE_UNIT);
    INT_CONSTANT(SCARD_ATTR_DEVICE_IN_USE);
    INT_CONSTANT(SCARD_ATTR_DEVICE_FRIENDLY_NAME_A);
    INT_CONSTANT(SCARD_ATTR_DEVICE_SYSTEM_NAME_A);
    INT_CONSTANT(SCARD_ATTR_DEVICE_FRIENDLY_NAME_W);
    INT_CONSTANT(SCARD_ATTR_DEVICE_SYSTEM_NAME_W);
    INT_CONSTANT(SCARD_ATTR_SUPRESS_T1_IFS_REQUEST);
    INT_CONSTANT(SCARD_ATTR_DEVICE_FRIENDLY_NAME);
    INT_CONSTANT(SCARD_ATTR_DEVICE_SYSTEM_NAME);
    INT_CONSTANT(CM_IOCTL_GET_FEATURE_REQUEST);
    INT_CONSTANT(FEATURE_VERIFY_PIN_START);
    INT_CONSTANT(FEATURE_VERIFY_PIN_FINISH);
    INT_CONSTANT(FEATURE_MODIFY_PIN_START);
    INT_CONSTANT(FEATURE_MODIFY_PIN_FINISH);
    INT_CONSTANT(FEATURE_GET_KEY_PRESSED);
    INT_CONSTANT(FEATURE_VERIFY_PIN_DIRECT);
    INT_CONSTANT(FEATURE_MODIFY_PIN_DIRECT);
    INT_CONSTANT(FEATURE_MCT_READER_DIRECT);
    INT_CONSTANT(FEATURE_MCT_UNIVERSAL);
    INT_CONSTANT(FEATURE_IFD_PIN_PROPERTIES);
    INT_CONSTANT(FEATURE_ABORT);
    INT_CONSTANT(FEATURE_SET_SPE_MESSAGE);
    INT_CONSTANT(FEATURE_VERIFY_PIN_DIRECT_APP_ID);
    INT_CONSTANT(FEATURE_MODIFY_PIN_DIRECT_APP_ID);
    INT_CONSTANT(FEATURE_WRITE_DISPLAY);
    INT_CONSTANT(FEATURE_GET_KEY);
    INT_CONSTANT(FEATURE_IFD_DISPLAY_PROPERTIES);
    INT_CONSTANT(FEATURE_GET_TLV_PROPERTIES);
    INT_CONSTANT(FEATURE_CCID_ESC_COMMAND);
    INT_CONSTANT(FEATURE_EXECUTE_PACE);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_wLcdLayout);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_bEntryValidationCondition);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_bTimeOut2);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_wLcdMaxCharacters);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_wLcdMaxLines);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_bMinPINSize);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_bMaxPINSize);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_sFirmwareID);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_bPPDUSupport);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_wIdVendor);
    INT_CONSTANT(PCSCv2_PART10_PROPERTY_wIdProduct);
}

static void dump_ifdhandler_constants(void)
{
    INT_CONSTANT(TAG_IFD_ATR);
    INT_CONSTANT(TAG_IFD_SLOTNUM);
    INT_CONSTANT(TAG_IFD_SLOT_THREAD_SAFE);
    INT_CONSTANT(TAG_IFD_THREAD_SAFE);
    INT_CONSTANT(TAG_IFD_SLOTS_NUMBER);
    INT_CONSTANT(TAG_IFD_SIMULTANEOUS_ACCESS);
    INT_CONSTANT(TAG_IFD_POLLING_THREAD);
    INT_CONSTANT(TAG_IFD_POLLING_THREAD_KILLABLE);
    INT_CONSTANT(TAG_IFD_STOP_POLLING_THREAD);
    INT_CONSTANT(TAG_IFD_POLLING_THREAD_WITH_TIMEOUT);
    INT_CONSTANT(TAG_IFD_DEVICE_REMOVED);
    INT_CONSTANT(IFD_HVERSION_1_0);
    INT_CONSTANT(IFD_HVERSION_2_0);
    INT_CONSTANT(IFD_HVERSION_3_0);
    INT_CONSTANT(IFD_POWER_UP);
    INT_CONSTANT(IFD_POWER_DOWN);
    INT_CONSTANT(IFD_RESET);
    INT_CONSTANT(IFD_NEGOTIATE_PTS1);
    INT_CONSTANT(IFD_NEGOTIATE_PTS2);
    INT_CONSTANT(IFD_NEGOTIATE_PTS3);
    INT_CONSTANT(IFD_SUCCESS);
    INT_CONSTANT(IFD_ERROR_TAG);
    INT_CONSTANT(IFD_ERROR_SET_FAILURE);
    INT_CONSTANT(IFD_ERROR_VALUE_READ_ONLY);
    INT_CONSTANT(IFD_ERROR_PTS_FAILURE);
    INT_CONSTANT(IFD_ERROR_NOT_SUPPORTED);
    INT_CONSTANT(IFD_PROTOCOL_NOT_SUPPORTED);
    INT_CONSTANT(IFD_ERROR_POWER_ACTION);
    INT_CONSTANT(IFD_ERROR_SWALLOW);
    INT_CONSTANT(IFD_ERROR_EJECT);
    INT_CONSTANT(IFD_ERROR_CONFISCATE);
    INT_CONSTANT(IFD_COMMUNICATION_ERROR);
    INT_CONSTANT(IFD_RESPONSE_TIMEOUT);
    INT_CONSTANT(IFD_NOT_SUPPORTED);
    INT_CONSTANT(IFD_ICC_PRESENT);
    INT_CONSTANT(IFD_ICC_NOT_PRESENT);
    INT_CONSTANT(IFD_NO_SUCH_DEVICE);
    INT_CONSTANT(IFD_ERROR_INSUFFICIENT_BUFFER);
}

static void dump_debuglog_constants(void)
{
    INT_CONSTANT(DEBUG_CATEGORY_NOTHING);
    INT_CONSTANT(DEBUG_CATEGORY_APDU);
    INT_CONSTANT(DEBUG_CATEGORY_SW);

    INT_CONSTANT(DEBUGLOG_NO_DEBUG);
    INT_CONSTANT(DEBUGLOG_SYSLOG_DEBUG);
    INT_CONSTANT(DEBUGLOG_STDOUT_DEBUG);
    INT_CONSTANT(DEBUGLOG_STDOUT_COLOR_DEBUG);
    INT_CONSTANT(PCSC_LOG_DEBUG);
    INT_CONSTANT(PCSC_LOG_INFO);
    INT_CONSTANT(PCSC_LOG_ERROR);
    INT_CONSTANT(PCSC_LOG_CRITICAL);
}

/* Arguments of several types, because the result type of a macro such as
 * SCARD_CTL_CODE follows the argument type. */
static void dump_function_like_macros(void)
{
    uint8_t byte = 0xA5;
    uint16_t word = 0x1234;
    uint32_t double_word = 0x12345678;

    CALL(SCARD_CTL_CODE(0));
    CALL(SCARD_CTL_CODE(1));
    CALL(SCARD_CTL_CODE(3400));
    CALL(SCARD_CTL_CODE(3400u));
    CALL(SCARD_CTL_CODE(3400L));
    CALL(SCARD_CTL_CODE((DWORD)3400));
    CALL(SCARD_CTL_CODE(0xFFFF));
    CALL(SCARD_CTL_CODE(-1));

    CALL(SCARD_ATTR_VALUE(0, 0));
    CALL(SCARD_ATTR_VALUE(1, 0x0100));
    CALL(SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0xFFFF));
    CALL(SCARD_ATTR_VALUE(0xFFFFFFFF, 0));
    CALL(SCARD_ATTR_VALUE(0x12345, 0x6789));
    CALL(SCARD_ATTR_VALUE(-1, -1));

    CALL(HOST_TO_CCID_16(word));
    CALL(HOST_TO_CCID_16(byte));
    CALL(HOST_TO_CCID_16(0x1234));
    CALL(HOST_TO_CCID_32(double_word));
    CALL(HOST_TO_CCID_32(0x12345678UL));

#ifdef NO_LOG
    STRING_CONSTANT(rv2text(0));
#endif
}

static void dump_pci_macros(void)
{
    printf("pointer SCARD_PCI_T0 ctype=%s object=%d\n",
        C_TYPE_NAME(SCARD_PCI_T0), SCARD_PCI_T0 == &g_rgSCardT0Pci);
    printf("pointer SCARD_PCI_T1 ctype=%s object=%d\n",
        C_TYPE_NAME(SCARD_PCI_T1), SCARD_PCI_T1 == &g_rgSCardT1Pci);
    printf("pointer SCARD_PCI_RAW ctype=%s object=%d\n",
        C_TYPE_NAME(SCARD_PCI_RAW), SCARD_PCI_RAW == &g_rgSCardRawPci);
}

static void dump_pci_objects(void)
{
    printf("data g_rgSCardT0Pci ctype=%s protocol=%lu length=%lu\n",
        C_TYPE_NAME(&g_rgSCardT0Pci), g_rgSCardT0Pci.dwProtocol,
        g_rgSCardT0Pci.cbPciLength);
    printf("data g_rgSCardT1Pci ctype=%s protocol=%lu length=%lu\n",
        C_TYPE_NAME(&g_rgSCardT1Pci), g_rgSCardT1Pci.dwProtocol,
        g_rgSCardT1Pci.cbPciLength);
    printf("data g_rgSCardRawPci ctype=%s protocol=%lu length=%lu\n",
        C_TYPE_NAME(&g_rgSCardRawPci), g_rgSCardRawPci.dwProtocol,
        g_rgSCardRawPci.cbPciLength);
}

/*
 * Expected prototypes, written with C base types so that a changed typedef
 * shows up here too. Parameter qualifiers such as "const LONG" do not take
 * part in function type compatibility.
 */
static void dump_winscard_functions(void)
{
    FUNCTION(SCardEstablishContext,
        long (unsigned long, const void *, const void *, long *));
    FUNCTION(SCardReleaseContext, long (long));
    FUNCTION(SCardIsValidContext, long (long));
    FUNCTION(SCardConnect,
        long (long, const char *, unsigned long, unsigned long, long *,
            unsigned long *));
    FUNCTION(SCardReconnect,
        long (long, unsigned long, unsigned long, unsigned long,
            unsigned long *));
    FUNCTION(SCardDisconnect, long (long, unsigned long));
    FUNCTION(SCardBeginTransaction, long (long));
    FUNCTION(SCardEndTransaction, long (long, unsigned long));
    FUNCTION(SCardStatus,
        long (long, char *, unsigned long *, unsigned long *,
            unsigned long *, unsigned char *, unsigned long *));
    FUNCTION(SCardGetStatusChange,
        long (long, unsigned long, SCARD_READERSTATE *, unsigned long));
    FUNCTION(SCardControl,
        long (long, unsigned long, const void *, unsigned long, void *,
            unsigned long, unsigned long *));
    FUNCTION(SCardTransmit,
        long (long, const SCARD_IO_REQUEST *, const unsigned char *,
            unsigned long, SCARD_IO_REQUEST *, unsigned char *,
            unsigned long *));
    FUNCTION(SCardListReaderGroups, long (long, char *, unsigned long *));
    FUNCTION(SCardListReaders,
        long (long, const char *, char *, unsigned long *));
    FUNCTION(SCardFreeMemory, long (long, const void *));
    FUNCTION(SCardCancel, long (long));
    FUNCTION(SCardGetAttrib,
        long (long, unsigned long, unsigned char *, unsigned long *));
    FUNCTION(SCardSetAttrib,
        long (long, unsigned long, const unsigned char *, unsigned long));
    FUNCTION(pcsc_stringify_error, const char *(long));
}

static void dump_ifdhandler_functions(void)
{
#ifndef IFDHANDLERv2
    FUNCTION(IFDHCreateChannelByName, long (unsigned long, char *));
    FUNCTION(IFDHControl,
        long (unsigned long, unsigned long, unsigned char *, unsigned long,
            unsigned char *, unsigned long, unsigned long *));
#else
    FUNCTION(IFDHControl,
        long (unsigned long, unsigned char *, unsigned long, unsigned char *,
            unsigned long *));
#endif
    FUNCTION(IFDHCreateChannel, long (unsigned long, unsigned long));
    FUNCTION(IFDHCloseChannel, long (unsigned long));
    FUNCTION(IFDHGetCapabilities,
        long (unsigned long, unsigned long, unsigned long *, unsigned char *));
    FUNCTION(IFDHSetCapabilities,
        long (unsigned long, unsigned long, unsigned long, unsigned char *));
    FUNCTION(IFDHSetProtocolParameters,
        long (unsigned long, unsigned long, unsigned char, unsigned char,
            unsigned char, unsigned char));
    FUNCTION(IFDHPowerICC,
        long (unsigned long, unsigned long, unsigned char *, unsigned long *));
    FUNCTION(IFDHTransmitToICC,
        long (unsigned long, SCARD_IO_HEADER, unsigned char *, unsigned long,
            unsigned char *, unsigned long *, SCARD_IO_HEADER *));
    FUNCTION(IFDHICCPresence, long (unsigned long));
}

static void dump_debuglog_functions(void)
{
    FUNCTION(log_msg_rv, void (int, unsigned int, const char *, ...));
    FUNCTION(log_msg, void (int, const char *, ...));
    FUNCTION(log_xxd, void (int, const char *, const unsigned char *, int));
    FUNCTION(DebugLogSuppress, void (int));
    FUNCTION(DebugLogSetLogType, void (int));
    FUNCTION(DebugLogSetCategory, void (int));
    FUNCTION(DebugLogCategory, void (int, const unsigned char *, int));
    FUNCTION(DebugLogSetLevel, void (int));
#ifndef NO_LOG
    FUNCTION(rv2text, const char *(unsigned int));
#endif
}

/*
 * The logging functions of debuglog.h, defined here to record what the
 * Log* macros pass. Defining them also checks that the declarations in the
 * header accept these definitions.
 */
static char log_record[512];

static void record_log(const char *kind, int priority, const char *text)
{
    snprintf(log_record, sizeof(log_record), "%s priority=%d text=\"%s\"",
        kind, priority, text);
}

void log_msg(const int priority, const char *fmt, ...)
{
    char text[400];
    va_list arguments;

    va_start(arguments, fmt);
    vsnprintf(text, sizeof(text), fmt, arguments);
    va_end(arguments);
    record_log("log_msg", priority, text);
}

void log_msg_rv(const int priority, unsigned int rv, const char *fmt, ...)
{
    char text[400];
    char with_code[420];
    va_list arguments;

    va_start(arguments, fmt);
    vsnprintf(text, sizeof(text), fmt, arguments);
    va_end(arguments);
    snprintf(with_code, sizeof(with_code), "rv=0x%X %s", rv, text);
    record_log("log_msg_rv", priority, with_code);
}

void log_xxd(const int priority, const char *msg,
    const unsigned char *buffer, const int size)
{
    char text[400];

    snprintf(text, sizeof(text), "%s first=%d size=%d", msg,
        size > 0 ? buffer[0] : -1, size);
    record_log("log_xxd", priority, text);
}

/* Runs a Log* macro and prints what reached the logging functions, or
 * "none" when it logged nothing (as under NO_LOG). */
#define LOG(name, statement) \
    do { \
        log_record[0] = '\0'; \
        statement; \
        printf("log %s %s\n", name, log_record[0] ? log_record : "none"); \
    } while (0)

static void dump_log_macros(void)
{
    static const unsigned char bytes[] = { 0x3B, 0x8F };

    (void)bytes; /* unused under NO_LOG */

    LOG("Log0", Log0(PCSC_LOG_DEBUG));
    LOG("Log1", Log1(PCSC_LOG_INFO, "one"));
    LOG("Log2", Log2(PCSC_LOG_ERROR, "two %d", 2));
    LOG("Log3", Log3(PCSC_LOG_CRITICAL, "three %d %s", 3, "x"));
    LOG("Log4", Log4(PCSC_LOG_DEBUG, "four %d %d %d", 1, 2, 3));
    LOG("Log5", Log5(PCSC_LOG_DEBUG, "five %d %d %d %d", 1, 2, 3, 4));
    LOG("Log9", Log9(PCSC_LOG_DEBUG, "nine %d %d %d %d %d %d %d %d",
        1, 2, 3, 4, 5, 6, 7, 8));
    LOG("LogRv4", LogRv4(PCSC_LOG_ERROR, 0x8010000A, "rv %d %d", 1, 2));
    LOG("LogXxd", LogXxd(PCSC_LOG_DEBUG, "atr: ", bytes, 2));
    LOG("DebugLogA", DebugLogA("a"));
    LOG("DebugLogB", DebugLogB("b %d", 1));
    LOG("DebugLogC", DebugLogC("c %d %d", 1, 2));
}

/* Macros whose presence depends on the compiler or on the includer. */
static void dump_conditional_macros(void)
{
#ifdef __FUNCTION__
    printf("macro __FUNCTION__ defined value=\"%s\"\n", __FUNCTION__);
#else
    printf("macro __FUNCTION__ not defined\n");
#endif
#ifdef __attribute__
    printf("macro __attribute__ defined\n");
#else
    printf("macro __attribute__ not defined\n");
#endif
#ifdef PCSC_API
    printf("macro PCSC_API defined\n");
#else
    printf("macro PCSC_API not defined\n");
#endif
}

/* pcsc-lite's include guard names, which this repository's headers reuse. */
static void dump_include_guards(void)
{
#ifdef __wintypes_h__
    printf("guard __wintypes_h__ defined\n");
#endif
#ifdef __pcsclite_h__
    printf("guard __pcsclite_h__ defined\n");
#endif
#ifdef __winscard_h__
    printf("guard __winscard_h__ defined\n");
#endif
#ifdef __reader_h__
    printf("guard __reader_h__ defined\n");
#endif
#ifdef _ifd_handler_h_
    printf("guard _ifd_handler_h_ defined\n");
#endif
#ifdef __debuglog_h__
    printf("guard __debuglog_h__ defined\n");
#endif
}

int main(void)
{
    dump_scalar_types();
    dump_pcsclite_structures();
    dump_reader_structures();
    dump_ifdhandler_structures();

    dump_pcsclite_constants();
    dump_reader_constants();
    dump_ifdhandler_constants();
    dump_debuglog_constants();
    dump_function_like_macros();
    dump_pci_macros();
    dump_pci_objects();

    dump_winscard_functions();
    dump_ifdhandler_functions();
    dump_debuglog_functions();
    dump_log_macros();

    dump_conditional_macros();
    dump_include_guards();
    return 0;
}
