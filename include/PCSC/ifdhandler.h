/*
 * The IFD handler interface: the IFDH* functions that a reader driver
 * exports and pcscd calls, with their tags, actions and return codes.
 *
 * pcscd loads a driver with dlopen() and finds the functions with dlsym().
 * A driver that exports IFDHCreateChannelByName() implements version 3.0 of
 * the interface. Without it pcscd assumes version 2.0, whose IFDHControl()
 * has the shorter signature that defining IFDHANDLERv2 selects below.
 * Names, values and layouts are those of pcsc-lite 1.9.9. pcsc-lite's
 * header has no extern "C" block. This one has one, so a driver written
 * in C++ exports unmangled names.
 */

/* The guard name is pcsc-lite's, so a program that mixes both header sets
 * does not see the declarations twice. */
#ifndef _ifd_handler_h_
#define _ifd_handler_h_

#include "pcsclite.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Descriptive structures from the original IFD handler specification, kept
 * for source compatibility. pcscd never passes them to a driver. The
 * comment after each field is the tag of the same value in
 * IFDHGetCapabilities().
 */
typedef struct _DEVICE_CAPABILITIES {
    LPSTR Vendor_Name;         /* 0x0100 */
    LPSTR IFD_Type;            /* 0x0101 */
    DWORD IFD_Version;         /* 0x0102 */
    LPSTR IFD_Serial;          /* 0x0103 */
    DWORD IFD_Channel_ID;      /* 0x0110 */
    DWORD Asynch_Supported;    /* 0x0120 */
    DWORD Default_Clock;       /* 0x0121 */
    DWORD Max_Clock;           /* 0x0122 */
    DWORD Default_Data_Rate;   /* 0x0123 */
    DWORD Max_Data_Rate;       /* 0x0124 */
    DWORD Max_IFSD;            /* 0x0125 */
    DWORD Synch_Supported;     /* 0x0126 */
    DWORD Power_Mgmt;          /* 0x0131 */
    DWORD Card_Auth_Devices;   /* 0x0140 */
    DWORD User_Auth_Device;    /* 0x0142 */
    DWORD Mechanics_Supported; /* 0x0150 */
    DWORD Vendor_Features;     /* 0x0180 to 0x01F0, vendor-defined */
} DEVICE_CAPABILITIES, *PDEVICE_CAPABILITIES;

typedef struct _ICC_STATE {
    UCHAR ICC_Presence;         /* 0x0300 */
    UCHAR ICC_Interface_Status; /* 0x0301 */
    UCHAR ATR[MAX_ATR_SIZE];    /* 0x0303 */
    UCHAR ICC_Type;             /* 0x0304 */
} ICC_STATE, *PICC_STATE;

typedef struct _PROTOCOL_OPTIONS {
    DWORD Protocol_Type; /* 0x0201 */
    DWORD Current_Clock; /* 0x0202 */
    DWORD Current_F;     /* 0x0203 */
    DWORD Current_D;     /* 0x0204 */
    DWORD Current_N;     /* 0x0205 */
    DWORD Current_W;     /* 0x0206 */
    DWORD Current_IFSC;  /* 0x0207 */
    DWORD Current_IFSD;  /* 0x0208 */
    DWORD Current_BWT;   /* 0x0209 */
    DWORD Current_CWT;   /* 0x020A */
    DWORD Current_EBC;   /* 0x020B */
} PROTOCOL_OPTIONS, *PPROTOCOL_OPTIONS;

/* Protocol header of IFDHTransmitToICC(). pcscd fills Protocol and leaves
 * Length unused. */
typedef struct _SCARD_IO_HEADER {
    DWORD Protocol;
    DWORD Length;
} SCARD_IO_HEADER, *PSCARD_IO_HEADER;

/*
 * Tags of IFDHGetCapabilities() and IFDHSetCapabilities(). A driver also
 * receives SCARD_ATTR_* ids (reader.h) here when an application calls
 * SCardGetAttrib() or SCardSetAttrib().
 */
#define TAG_IFD_ATR 0x0303                 /* the ATR of the card; mandatory */
#define TAG_IFD_SLOTNUM 0x0180             /* select a slot; obsolete */
#define TAG_IFD_SLOT_THREAD_SAFE 0x0FAC    /* 1 byte: slots usable in parallel */
#define TAG_IFD_THREAD_SAFE 0x0FAD         /* 1 byte: readers usable in parallel */
#define TAG_IFD_SLOTS_NUMBER 0x0FAE        /* 1 byte: slots of this reader */
#define TAG_IFD_SIMULTANEOUS_ACCESS 0x0FAF /* 1 byte: readers one driver instance serves */
#define TAG_IFD_POLLING_THREAD 0x0FB0      /* obsolete, replaced by the _WITH_TIMEOUT tag */
#define TAG_IFD_POLLING_THREAD_KILLABLE 0x0FB1 /* 1 byte: pcscd may pthread_cancel() the poller */
/* Value is a pointer to RESPONSECODE stop(DWORD Lun) that ends the poller. */
#define TAG_IFD_STOP_POLLING_THREAD 0x0FB2
/* Value is a pointer to RESPONSECODE poll(DWORD Lun, int timeout) that
 * blocks until a card event or the timeout in milliseconds. */
#define TAG_IFD_POLLING_THREAD_WITH_TIMEOUT 0x0FB3
/* Set by pcscd before IFDHCloseChannel() when the USB device is gone. */
#define TAG_IFD_DEVICE_REMOVED 0x0FB4

/* Interface versions. */
#define IFD_HVERSION_1_0 0x00010000
#define IFD_HVERSION_2_0 0x00020000
#define IFD_HVERSION_3_0 0x00030000

/* Actions of IFDHPowerICC(). IFD_RESET is a warm reset. */
#define IFD_POWER_UP 500
#define IFD_POWER_DOWN 501
#define IFD_RESET 502

/* Flags of IFDHSetProtocolParameters(): which PTS bytes to negotiate. */
#define IFD_NEGOTIATE_PTS1 1
#define IFD_NEGOTIATE_PTS2 2
#define IFD_NEGOTIATE_PTS3 4

/* Return codes of the IFDH* functions. */
#define IFD_SUCCESS 0
#define IFD_ERROR_TAG 600
#define IFD_ERROR_SET_FAILURE 601
#define IFD_ERROR_VALUE_READ_ONLY 602
#define IFD_ERROR_PTS_FAILURE 605
#define IFD_ERROR_NOT_SUPPORTED 606
#define IFD_PROTOCOL_NOT_SUPPORTED 607
#define IFD_ERROR_POWER_ACTION 608
#define IFD_ERROR_SWALLOW 609
#define IFD_ERROR_EJECT 610
#define IFD_ERROR_CONFISCATE 611
#define IFD_COMMUNICATION_ERROR 612
#define IFD_RESPONSE_TIMEOUT 613
#define IFD_NOT_SUPPORTED 614
#define IFD_ICC_PRESENT 615
#define IFD_ICC_NOT_PRESENT 616
#define IFD_NO_SUCH_DEVICE 617
#define IFD_ERROR_INSUFFICIENT_BUFFER 618

/* A build that declares RESPONSECODE itself defines this macro first. */
#ifndef RESPONSECODE_DEFINED_IN_WINTYPES_H
typedef long RESPONSECODE;
#endif

/*
 * Every function takes the logical unit number Lun as 0xXXXXYYYY: XXXX
 * picks the reader among those one driver instance serves, YYYY the slot.
 */

#ifndef IFDHANDLERv2

/* Opens the reader named DeviceName, for USB "usb:VVVV/PPPP" optionally
 * followed by ":libudev:..." or ":libusb-1.0:..." details. */
RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName);

/* Sends dwControlCode and TxBuffer to the reader itself (SCardControl()).
 * Sets *pdwBytesReturned to the response length, 0 on error. */
RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer,
    DWORD TxLength, PUCHAR RxBuffer, DWORD RxLength,
    LPDWORD pdwBytesReturned);

#else

/* Version 2.0 form without a control code. *RxLength is the buffer size on
 * input and the response length on output. */
RESPONSECODE IFDHControl(DWORD Lun, PUCHAR TxBuffer, DWORD TxLength,
    PUCHAR RxBuffer, PDWORD RxLength);

#endif

/* Opens the reader on numeric channel Channel (reader.conf CHANNELID). */
RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel);

/* Powers the card down and closes the reader. */
RESPONSECODE IFDHCloseChannel(DWORD Lun);

/* Copies the value of Tag to Value. *Length is the buffer size on input
 * and the value size on output. */
RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length,
    PUCHAR Value);

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length,
    PUCHAR Value);

/* Negotiates Protocol (SCARD_PROTOCOL_T0 or _T1) with the PTS bytes that
 * Flags selects. */
RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol,
    UCHAR Flags, UCHAR PTS1, UCHAR PTS2, UCHAR PTS3);

/* Performs Action (IFD_POWER_UP, IFD_POWER_DOWN or IFD_RESET) and returns
 * the ATR, at most MAX_ATR_SIZE bytes, in Atr and *AtrLength. */
RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr,
    PDWORD AtrLength);

/* Sends an APDU to the card and returns its response. SendPci is passed
 * by value. *RxLength is the buffer size on input, the response length on
 * output, and 0 on error. */
RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci,
    PUCHAR TxBuffer, DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength,
    PSCARD_IO_HEADER RecvPci);

/* Returns IFD_ICC_PRESENT (pcscd also accepts IFD_SUCCESS) when a card is
 * in the slot, IFD_ICC_NOT_PRESENT when none is, or an error code. */
RESPONSECODE IFDHICCPresence(DWORD Lun);

#ifdef __cplusplus
}
#endif

#endif /* _ifd_handler_h_ */
