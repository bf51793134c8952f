/*
 * Values shared by applications and reader drivers: attribute ids for
 * SCardGetAttrib()/SCardSetAttrib(), SCardControl() codes, and the PC/SC
 * part 10 (v2.02.07) features and structures for PIN pads and displays.
 *
 * Names, values and layouts are those of pcsc-lite 1.9.9. As in pcsc-lite,
 * this header does not include wintypes.h. Include pcsclite.h before using
 * SCARD_ATTR_VALUE() or the SCARD_ATTR_* ids, which cast to ULONG.
 */

/* The guard name is pcsc-lite's, so a program that mixes both header sets
 * does not see the declarations twice. */
#ifndef __reader_h__
#define __reader_h__

/* Attribute id: the class in the upper 16 bits, the tag in the lower 16. */
#define SCARD_ATTR_VALUE(Class, Tag) ((((ULONG)(Class)) << 16) | ((ULONG)(Tag)))

/* Attribute classes. */
#define SCARD_CLASS_VENDOR_INFO 1
#define SCARD_CLASS_COMMUNICATIONS 2
#define SCARD_CLASS_PROTOCOL 3
#define SCARD_CLASS_POWER_MGMT 4
#define SCARD_CLASS_SECURITY 5
#define SCARD_CLASS_MECHANICAL 6
#define SCARD_CLASS_VENDOR_DEFINED 7
#define SCARD_CLASS_IFD_PROTOCOL 8
#define SCARD_CLASS_ICC_STATE 9
#define SCARD_CLASS_SYSTEM 0x7fff

/* Reader identity: names and strings, version as 0xMMmmbbbb (major, minor, build). */
#define SCARD_ATTR_VENDOR_NAME SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_INFO, 0x0100)
#define SCARD_ATTR_VENDOR_IFD_TYPE SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_INFO, 0x0101)
#define SCARD_ATTR_VENDOR_IFD_VERSION SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_INFO, 0x0102)
#define SCARD_ATTR_VENDOR_IFD_SERIAL_NO SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_INFO, 0x0103)

/* Channel as 0xDDDDCCCC: channel type in the upper half, number in the lower. */
#define SCARD_ATTR_CHANNEL_ID SCARD_ATTR_VALUE(SCARD_CLASS_COMMUNICATIONS, 0x0110)

/* Protocol capabilities. Clock rates are in kHz, data rates in bit/s. */
#define SCARD_ATTR_ASYNC_PROTOCOL_TYPES SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0120)
#define SCARD_ATTR_DEFAULT_CLK SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0121)
#define SCARD_ATTR_MAX_CLK SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0122)
#define SCARD_ATTR_DEFAULT_DATA_RATE SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0123)
#define SCARD_ATTR_MAX_DATA_RATE SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0124)
#define SCARD_ATTR_MAX_IFSD SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0125)
#define SCARD_ATTR_SYNC_PROTOCOL_TYPES SCARD_ATTR_VALUE(SCARD_CLASS_PROTOCOL, 0x0126)

/* Power management, security and mechanical characteristics. */
#define SCARD_ATTR_POWER_MGMT_SUPPORT SCARD_ATTR_VALUE(SCARD_CLASS_POWER_MGMT, 0x0131)
#define SCARD_ATTR_USER_TO_CARD_AUTH_DEVICE SCARD_ATTR_VALUE(SCARD_CLASS_SECURITY, 0x0140)
#define SCARD_ATTR_USER_AUTH_INPUT_DEVICE SCARD_ATTR_VALUE(SCARD_CLASS_SECURITY, 0x0142)
#define SCARD_ATTR_CHARACTERISTICS SCARD_ATTR_VALUE(SCARD_CLASS_MECHANICAL, 0x0150)

/* Parameters of the protocol in use with the current card. */
#define SCARD_ATTR_CURRENT_PROTOCOL_TYPE SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0201)
#define SCARD_ATTR_CURRENT_CLK SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0202)
#define SCARD_ATTR_CURRENT_F SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0203)
#define SCARD_ATTR_CURRENT_D SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0204)
#define SCARD_ATTR_CURRENT_N SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0205)
#define SCARD_ATTR_CURRENT_W SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0206)
#define SCARD_ATTR_CURRENT_IFSC SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0207)
#define SCARD_ATTR_CURRENT_IFSD SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0208)
#define SCARD_ATTR_CURRENT_BWT SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x0209)
#define SCARD_ATTR_CURRENT_CWT SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x020a)
#define SCARD_ATTR_CURRENT_EBC_ENCODING SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x020b)
#define SCARD_ATTR_EXTENDED_BWT SCARD_ATTR_VALUE(SCARD_CLASS_IFD_PROTOCOL, 0x020c)

/* State of the card in the slot, including its ATR. */
#define SCARD_ATTR_ICC_PRESENCE SCARD_ATTR_VALUE(SCARD_CLASS_ICC_STATE, 0x0300)
#define SCARD_ATTR_ICC_INTERFACE_STATUS SCARD_ATTR_VALUE(SCARD_CLASS_ICC_STATE, 0x0301)
#define SCARD_ATTR_CURRENT_IO_STATE SCARD_ATTR_VALUE(SCARD_CLASS_ICC_STATE, 0x0302)
#define SCARD_ATTR_ATR_STRING SCARD_ATTR_VALUE(SCARD_CLASS_ICC_STATE, 0x0303)
#define SCARD_ATTR_ICC_TYPE_PER_ATR SCARD_ATTR_VALUE(SCARD_CLASS_ICC_STATE, 0x0304)

/* Vendor-defined attributes. */
#define SCARD_ATTR_ESC_RESET SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_DEFINED, 0xA000)
#define SCARD_ATTR_ESC_CANCEL SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_DEFINED, 0xA003)
#define SCARD_ATTR_ESC_AUTHREQUEST SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_DEFINED, 0xA005)
#define SCARD_ATTR_MAXINPUT SCARD_ATTR_VALUE(SCARD_CLASS_VENDOR_DEFINED, 0xA007)

/* System attributes. _A names are the char variants, _W the wide ones.
 * SUPRESS is misspelled in the original name and kept for compatibility. */
#define SCARD_ATTR_DEVICE_UNIT SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0001)
#define SCARD_ATTR_DEVICE_IN_USE SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0002)
#define SCARD_ATTR_DEVICE_FRIENDLY_NAME_A SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0003)
#define SCARD_ATTR_DEVICE_SYSTEM_NAME_A SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0004)
#define SCARD_ATTR_DEVICE_FRIENDLY_NAME_W SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0005)
#define SCARD_ATTR_DEVICE_SYSTEM_NAME_W SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0006)
#define SCARD_ATTR_SUPRESS_T1_IFS_REQUEST SCARD_ATTR_VALUE(SCARD_CLASS_SYSTEM, 0x0007)

/* The unsuffixed names select the wide variant only when UNICODE is defined. */
#ifdef UNICODE
#define SCARD_ATTR_DEVICE_FRIENDLY_NAME SCARD_ATTR_DEVICE_FRIENDLY_NAME_W
#define SCARD_ATTR_DEVICE_SYSTEM_NAME SCARD_ATTR_DEVICE_SYSTEM_NAME_W
#else
#define SCARD_ATTR_DEVICE_FRIENDLY_NAME SCARD_ATTR_DEVICE_FRIENDLY_NAME_A
#define SCARD_ATTR_DEVICE_SYSTEM_NAME SCARD_ATTR_DEVICE_SYSTEM_NAME_A
#endif

/* SCardControl() code number n. Windows builds these with CTL_CODE(). */
#define SCARD_CTL_CODE(code) (0x42000000 + (code))

/* Control code that returns the reader's features as PCSC_TLV_STRUCTURE
 * entries: feature tag, length 4, control code of that feature. */
#define CM_IOCTL_GET_FEATURE_REQUEST SCARD_CTL_CODE(3400)

/* Feature tags of PC/SC part 10. */
#define FEATURE_VERIFY_PIN_START 0x01
#define FEATURE_VERIFY_PIN_FINISH 0x02
#define FEATURE_MODIFY_PIN_START 0x03
#define FEATURE_MODIFY_PIN_FINISH 0x04
#define FEATURE_GET_KEY_PRESSED 0x05
#define FEATURE_VERIFY_PIN_DIRECT 0x06
#define FEATURE_MODIFY_PIN_DIRECT 0x07
#define FEATURE_MCT_READER_DIRECT 0x08
#define FEATURE_MCT_UNIVERSAL 0x09
#define FEATURE_IFD_PIN_PROPERTIES 0x0A
#define FEATURE_ABORT 0x0B
#define FEATURE_SET_SPE_MESSAGE 0x0C
#define FEATURE_VERIFY_PIN_DIRECT_APP_ID 0x0D
#define FEATURE_MODIFY_PIN_DIRECT_APP_ID 0x0E
#define FEATURE_WRITE_DISPLAY 0x0F
#define FEATURE_GET_KEY 0x10
#define FEATURE_IFD_DISPLAY_PROPERTIES 0x11
#define FEATURE_GET_TLV_PROPERTIES 0x12
#define FEATURE_CCID_ESC_COMMAND 0x13
#define FEATURE_EXECUTE_PACE 0x20

/* pcsc-lite's reader.h includes <inttypes.h>, and programs may rely on that. */
#include <inttypes.h>

/* The part 10 structures have no padding: they are byte images sent to the reader. */
#pragma pack(push, 1)

/* One feature in the CM_IOCTL_GET_FEATURE_REQUEST response, 6 bytes. */
typedef struct {
    uint8_t tag;
    uint8_t length;
    uint32_t value; /* control code, big-endian */
} PCSC_TLV_STRUCTURE;

/* Identity macros kept for old callers. The caller fills multi-byte fields
 * in host byte order, and the driver converts them for the reader. */
#define HOST_TO_CCID_16(x) (x)
#define HOST_TO_CCID_32(x) (x)

/*
 * Input of FEATURE_VERIFY_PIN_DIRECT: 19 bytes followed by the APDU
 * (ulDataLength bytes) into which the reader inserts the PIN.
 */
typedef struct {
    uint8_t bTimerOut;         /* seconds, 0 for the reader's default */
    uint8_t bTimerOut2;        /* seconds after the first key press */
    uint8_t bmFormatString;
    uint8_t bmPINBlockString;
    uint8_t bmPINLengthFormat;
    uint16_t wPINMaxExtraDigit; /* 0xXXYY: minimum XX and maximum YY digits */
    uint8_t bEntryValidationCondition;
    uint8_t bNumberMessage;
    uint16_t wLangId;
    uint8_t bMsgIndex;
    uint8_t bTeoPrologue[3];
    uint32_t ulDataLength;
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
    uint8_t abData[];
#else
    uint8_t abData[0]; /* C++ and C89 have no flexible array member */
#endif
} PIN_VERIFY_STRUCTURE;

/*
 * Input of FEATURE_MODIFY_PIN_DIRECT: 24 bytes followed by the APDU
 * (ulDataLength bytes) into which the reader inserts old and new PIN.
 */
typedef struct {
    uint8_t bTimerOut;
    uint8_t bTimerOut2;
    uint8_t bmFormatString;
    uint8_t bmPINBlockString;
    uint8_t bmPINLengthFormat;
    uint8_t bInsertionOffsetOld; /* byte offset of the current PIN in the APDU */
    uint8_t bInsertionOffsetNew; /* byte offset of the new PIN in the APDU */
    uint16_t wPINMaxExtraDigit;
    uint8_t bConfirmPIN;
    uint8_t bEntryValidationCondition;
    uint8_t bNumberMessage;
    uint16_t wLangId;
    uint8_t bMsgIndex1;
    uint8_t bMsgIndex2;
    uint8_t bMsgIndex3;
    uint8_t bTeoPrologue[3];
    uint32_t ulDataLength;
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
    uint8_t abData[];
#else
    uint8_t abData[0];
#endif
} PIN_MODIFY_STRUCTURE;

/* Output of FEATURE_IFD_PIN_PROPERTIES, 4 bytes. */
typedef struct {
    uint16_t wLcdLayout;
    uint8_t bEntryValidationCondition;
    uint8_t bTimeOut2;
} PIN_PROPERTIES_STRUCTURE;

#pragma pack(pop)

/* Property tags in the FEATURE_GET_TLV_PROPERTIES response. */
#define PCSCv2_PART10_PROPERTY_wLcdLayout 1
#define PCSCv2_PART10_PROPERTY_bEntryValidationCondition 2
#define PCSCv2_PART10_PROPERTY_bTimeOut2 3
#define PCSCv2_PART10_PROPERTY_wLcdMaxCharacters 4
#define PCSCv2_PART10_PROPERTY_wLcdMaxLines 5
#define PCSCv2_PART10_PROPERTY_bMinPINSize 6
#define PCSCv2_PART10_PROPERTY_bMaxPINSize 7
#define PCSCv2_PART10_PROPERTY_sFirmwareID 8
#define PCSCv2_PART10_PROPERTY_bPPDUSupport 9
#define PCSCv2_PART10_PROPERTY_dwMaxAPDUDataSize 10
#define PCSCv2_PART10_PROPERTY_wIdVendor 11
#define PCSCv2_PART10_PROPERTY_wIdProduct 12

#endif /* __reader_h__ */
