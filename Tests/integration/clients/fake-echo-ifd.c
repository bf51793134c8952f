/*
 * A minimal IFD handler (API 3.0) for running Debian's pcscd with one reader
 * and no hardware. The reader has one slot and a card that is always present
 * with the ATR 3B 80 80 01 01. APDUs come back followed by 90 00, control
 * commands come back byte-reversed, and the vendor name is "FakeVendor".
 */

#include <string.h>

#include "ifdhandler.h"
#include "reader.h"

static const UCHAR cardATR[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
static const char vendorName[] = "FakeVendor";

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName)
{
    (void)Lun;
    (void)DeviceName;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel)
{
    (void)Lun;
    (void)Channel;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHCloseChannel(DWORD Lun)
{
    (void)Lun;
    return IFD_SUCCESS;
}

static RESPONSECODE copyValue(const void *value, DWORD size, PDWORD Length, PUCHAR Value)
{
    if (*Length < size)
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    memcpy(Value, value, size);
    *Length = size;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value)
{
    static const UCHAR one = 1;
    static const UCHAR zero = 0;

    (void)Lun;
    switch (Tag) {
    case TAG_IFD_ATR:
        return copyValue(cardATR, sizeof cardATR, Length, Value);
    case SCARD_ATTR_VENDOR_NAME:
        return copyValue(vendorName, sizeof vendorName, Length, Value);
    case TAG_IFD_SLOTS_NUMBER:
    case TAG_IFD_SIMULTANEOUS_ACCESS:
        return copyValue(&one, 1, Length, Value);
    case TAG_IFD_THREAD_SAFE:
    case TAG_IFD_SLOT_THREAD_SAFE:
        return copyValue(&zero, 1, Length, Value);
    default:
        return IFD_ERROR_TAG;
    }
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value)
{
    (void)Lun;
    (void)Tag;
    (void)Length;
    (void)Value;
    return IFD_ERROR_TAG;
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags,
    UCHAR PTS1, UCHAR PTS2, UCHAR PTS3)
{
    (void)Lun;
    (void)Protocol;
    (void)Flags;
    (void)PTS1;
    (void)PTS2;
    (void)PTS3;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength)
{
    (void)Lun;
    if (Action == IFD_POWER_DOWN) {
        *AtrLength = 0;
        return IFD_SUCCESS;
    }
    memcpy(Atr, cardATR, sizeof cardATR);
    *AtrLength = sizeof cardATR;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer,
    DWORD TxLength, PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci)
{
    (void)Lun;
    (void)SendPci;
    (void)RecvPci;
    if (*RxLength < TxLength + 2) {
        *RxLength = 0;
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    memmove(RxBuffer, TxBuffer, TxLength);
    RxBuffer[TxLength] = 0x90;
    RxBuffer[TxLength + 1] = 0x00;
    *RxLength = TxLength + 2;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
    PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned)
{
    (void)Lun;
    (void)dwControlCode;
    if (RxLength < TxLength) {
        *pdwBytesReturned = TxLength;
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    for (DWORD i = 0; i < TxLength; i++)
        RxBuffer[i] = TxBuffer[TxLength - 1 - i];
    *pdwBytesReturned = TxLength;
    return IFD_SUCCESS;
}

RESPONSECODE IFDHICCPresence(DWORD Lun)
{
    (void)Lun;
    return IFD_ICC_PRESENT;
}
