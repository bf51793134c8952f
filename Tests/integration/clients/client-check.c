/*
 * Calls the PC/SC API the way applications do and prints every result, one
 * "label: value" line each, without handle values or timings that differ
 * between runs. Run it linked against two libpcsclite builds on the same
 * daemon and compare the outputs.
 *
 * Usage: client-check no-reader | reader | restart
 *
 * In restart mode the program connects, prints "ready", and waits for a line
 * on standard input, during which the caller restarts the daemon; then it
 * uses the old context and card handle again.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "winscard.h"
#include "reader.h"

static const char readerName[] = "Fake Reader 00 00";

static void result(const char *label, LONG rv)
{
    printf("%s: 0x%08lX %s\n", label, (unsigned long)rv, pcsc_stringify_error(rv));
}

static void value(const char *label, unsigned long number)
{
    printf("%s: 0x%lX\n", label, number);
}

static void bytes(const char *label, const unsigned char *data, unsigned long length)
{
    printf("%s:", label);
    for (unsigned long i = 0; i < length; i++)
        printf(" %02X", data[i]);
    printf("\n");
}

static void text(const char *label, const char *data, unsigned long length)
{
    printf("%s: \"", label);
    for (unsigned long i = 0; i < length; i++)
        putchar(data[i] ? data[i] : '|');
    printf("\"\n");
}

static long milliseconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

struct waiter {
    SCARDCONTEXT context;
    LONG rv;
};

static void *waitForever(void *argument)
{
    struct waiter *waiter = argument;
    SCARD_READERSTATE state = {.szReader = "\\\\?PnP?\\Notification", .dwCurrentState = SCARD_STATE_UNAWARE};
    waiter->rv = SCardGetStatusChange(waiter->context, INFINITE, &state, 1);
    return NULL;
}

static void checkCancel(SCARDCONTEXT context)
{
    struct waiter waiter = {.context = context};
    pthread_t thread;

    result("cancel while idle", SCardCancel(context));
    pthread_create(&thread, NULL, waitForever, &waiter);
    usleep(300000);
    long start = milliseconds();
    result("cancel while waiting", SCardCancel(context));
    pthread_join(thread, NULL);
    result("status change after cancel", waiter.rv);
    value("cancelled within 1 s", milliseconds() - start < 1000);
}

static void checkErrorTexts(void)
{
    printf("text 0x12345: %s\n", pcsc_stringify_error(0x12345));
    printf("text SCARD_P_SHUTDOWN: %s\n", pcsc_stringify_error(SCARD_P_SHUTDOWN));
    printf("text -1: %s\n", pcsc_stringify_error(-1));
    printf("text 64-bit: %s\n", pcsc_stringify_error(0x180100008L));
    printf("text success: %s\n", pcsc_stringify_error(SCARD_S_SUCCESS));
}

static void checkContextErrors(void)
{
    SCARDCONTEXT context = 1;
    result("establish NULL output", SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, NULL));
    result("establish scope 99", SCardEstablishContext(99, NULL, NULL, &context));
    value("context after scope 99", context);
    result("free memory invalid context", SCardFreeMemory(0x7654321, NULL));
}

static void checkWithoutReaders(SCARDCONTEXT context)
{
    DWORD length = 12345;
    char *list = NULL;
    SCARDHANDLE card = 99;
    DWORD activeProtocol = 99;

    result("list readers size", SCardListReaders(context, NULL, NULL, &length));
    value("list readers length", length);
    length = SCARD_AUTOALLOCATE;
    result("list readers allocate", SCardListReaders(context, NULL, (LPSTR)&list, &length));
    value("list readers allocate length", length);
    result("list readers NULL length", SCardListReaders(context, NULL, NULL, NULL));

    result("connect missing reader", SCardConnect(context, "No Such Reader", SCARD_SHARE_SHARED,
        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &activeProtocol));
    value("connect missing card", card);
    value("connect missing protocol", activeProtocol);
    result("connect NULL reader", SCardConnect(context, NULL, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &activeProtocol));
    result("connect NULL card", SCardConnect(context, readerName, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, NULL, &activeProtocol));
}

static void checkGroups(SCARDCONTEXT context)
{
    DWORD length = 0;
    char *groups = NULL;
    char small[5];

    result("groups size", SCardListReaderGroups(context, NULL, &length));
    value("groups length", length);
    length = sizeof small;
    result("groups small buffer", SCardListReaderGroups(context, small, &length));
    value("groups small length", length);
    length = SCARD_AUTOALLOCATE;
    result("groups allocate", SCardListReaderGroups(context, (LPSTR)&groups, &length));
    text("groups", groups, length);
    result("groups free", SCardFreeMemory(context, groups));
}

static void checkPlugAndPlayTimeout(SCARDCONTEXT context)
{
    SCARD_READERSTATE states[2] = {
        {.szReader = "\\\\?PnP?\\Notification", .dwCurrentState = SCARD_STATE_UNAWARE},
        {.szReader = "\\\\?pnp?\\notification", .dwCurrentState = SCARD_STATE_UNAWARE},
    };
    long start = milliseconds();
    LONG rv = SCardGetStatusChange(context, 300, states, 1);
    long elapsed = milliseconds() - start;

    result("pnp timeout 300", rv);
    value("pnp event state", states[0].dwEventState);
    value("pnp waited 250..2000 ms", elapsed >= 250 && elapsed < 2000);
    result("pnp lower case timeout 0", SCardGetStatusChange(context, 0, states + 1, 1));

    SCARD_READERSTATE unknown = {.szReader = "No Such Reader", .dwCurrentState = SCARD_STATE_UNAWARE, .dwEventState = 0x55};
    result("status change unknown reader", SCardGetStatusChange(context, 0, &unknown, 1));
    value("unknown reader event state", unknown.dwEventState);
    result("status change no readers", SCardGetStatusChange(context, 0, NULL, 0));
    result("status change NULL states", SCardGetStatusChange(context, 0, NULL, 1));
    SCARD_READERSTATE nameless = {.szReader = NULL};
    result("status change NULL name", SCardGetStatusChange(context, 0, &nameless, 1));
    SCARD_READERSTATE ignored = {.szReader = "x", .dwCurrentState = SCARD_STATE_IGNORE};
    result("status change all ignored bad context", SCardGetStatusChange(0x7654321, 0, &ignored, 1));
}

static void checkInvalidHandles(void)
{
    unsigned char response[10];
    DWORD length = sizeof response;

    result("transmit invalid handle", SCardTransmit(0x7654321, SCARD_PCI_T1, (const BYTE *)"\0", 1, NULL, response, &length));
    value("transmit invalid handle length", length);
    result("status invalid handle", SCardStatus(0x7654321, NULL, NULL, NULL, NULL, NULL, NULL));
    result("disconnect handle 0", SCardDisconnect(0, SCARD_LEAVE_CARD));
    result("list readers invalid context", SCardListReaders(0x7654321, NULL, NULL, &length));
}

static void checkReaderState(SCARDCONTEXT context, const char *label, DWORD currentState, DWORD timeout)
{
    char name[80];
    SCARD_READERSTATE state = {.szReader = readerName, .dwCurrentState = currentState, .cbAtr = MAX_ATR_SIZE};
    LONG rv = SCardGetStatusChange(context, timeout, &state, 1);

    snprintf(name, sizeof name, "%s result", label);
    result(name, rv);
    snprintf(name, sizeof name, "%s event state", label);
    value(name, state.dwEventState);
    snprintf(name, sizeof name, "%s ATR", label);
    bytes(name, state.rgbAtr, state.cbAtr <= MAX_ATR_SIZE ? state.cbAtr : 0);
}

static void checkListReaders(SCARDCONTEXT context)
{
    DWORD length = 0;
    char *list = NULL;
    char small[5];

    result("list readers size", SCardListReaders(context, NULL, NULL, &length));
    value("list readers length", length);
    length = sizeof small;
    result("list readers small buffer", SCardListReaders(context, NULL, small, &length));
    value("list readers small length", length);
    length = SCARD_AUTOALLOCATE;
    result("list readers allocate", SCardListReaders(context, NULL, (LPSTR)&list, &length));
    text("list readers", list, length);
    result("list readers free", SCardFreeMemory(context, list));
}

static void checkStatus(SCARDHANDLE card, SCARDCONTEXT context)
{
    char name[5];
    unsigned char atr[MAX_ATR_SIZE];
    DWORD nameLength = 0, atrLength = sizeof atr, state = 0, protocol = 0;
    char *allocatedName = NULL;
    unsigned char *allocatedATR = NULL;

    result("status lengths", SCardStatus(card, NULL, &nameLength, &state, &protocol, NULL, &atrLength));
    value("status name length", nameLength);
    value("status ATR length", atrLength);
    value("status state", state);
    value("status protocol", protocol);

    nameLength = sizeof name;
    atrLength = 2;
    result("status small buffers", SCardStatus(card, name, &nameLength, &state, &protocol, atr, &atrLength));
    text("status small name", name, sizeof name);
    bytes("status small ATR", atr, 2);
    value("status small name length", nameLength);

    nameLength = SCARD_AUTOALLOCATE;
    atrLength = SCARD_AUTOALLOCATE;
    result("status allocate", SCardStatus(card, (LPSTR)&allocatedName, &nameLength, &state, &protocol,
        (LPBYTE)&allocatedATR, &atrLength));
    text("status name", allocatedName, nameLength);
    bytes("status ATR", allocatedATR, atrLength);
    SCardFreeMemory(context, allocatedName);
    SCardFreeMemory(context, allocatedATR);
}

static void checkTransmit(SCARDHANDLE card, DWORD activeProtocol)
{
    const unsigned char apdu[] = {0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00};
    unsigned char response[300];
    static unsigned char large[70000];
    DWORD length = sizeof response;
    SCARD_IO_REQUEST receivePCI = {0, 0};
    const SCARD_IO_REQUEST *sendPCI = activeProtocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const SCARD_IO_REQUEST *otherPCI = activeProtocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T1 : SCARD_PCI_T0;

    result("transmit", SCardTransmit(card, sendPCI, apdu, sizeof apdu, &receivePCI, response, &length));
    bytes("transmit response", response, length);
    value("transmit receive PCI protocol", receivePCI.dwProtocol);
    value("transmit receive PCI length", receivePCI.cbPciLength);

    length = 3;
    result("transmit small buffer", SCardTransmit(card, sendPCI, apdu, sizeof apdu, NULL, response, &length));
    value("transmit small length", length);

    length = sizeof response;
    result("transmit oversized command", SCardTransmit(card, sendPCI, large, sizeof large, NULL, response, &length));
    value("transmit oversized length", length);

    length = sizeof response;
    result("transmit other protocol", SCardTransmit(card, otherPCI, apdu, sizeof apdu, NULL, response, &length));
    value("transmit other protocol length", length);

    result("transmit NULL receive buffer", SCardTransmit(card, sendPCI, apdu, sizeof apdu, NULL, NULL, &length));
}

static void checkControl(SCARDHANDLE card)
{
    const unsigned char command[] = {1, 2, 3};
    unsigned char response[16];
    DWORD returned = 99;

    result("control", SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, command, sizeof command, response, sizeof response, &returned));
    bytes("control response", response, returned);
    result("control small buffer", SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, command, sizeof command, response, 1, &returned));
    value("control small returned", returned);
}

static void checkAttributes(SCARDHANDLE card, SCARDCONTEXT context)
{
    unsigned char buffer[300];
    unsigned char *allocated = NULL;
    DWORD length = 0;

    result("attribute size", SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME, NULL, &length));
    value("attribute size length", length);
    length = 4;
    result("attribute small", SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME, buffer, &length));
    value("attribute small length", length);
    bytes("attribute small value", buffer, 4);
    length = 264;
    result("attribute", SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME, buffer, &length));
    text("attribute value", (char *)buffer, length);
    length = 300;
    result("attribute capacity 300", SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME, buffer, &length));
    value("attribute capacity 300 length", length);
    length = SCARD_AUTOALLOCATE;
    result("attribute allocate", SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME, (LPBYTE)&allocated, &length));
    text("attribute allocated", (char *)allocated, length);
    SCardFreeMemory(context, allocated);
    length = MAX_BUFFER_SIZE;
    result("attribute friendly name", SCardGetAttrib(card, SCARD_ATTR_DEVICE_FRIENDLY_NAME_A, buffer, &length));
    text("attribute friendly name value", (char *)buffer, length);
    length = MAX_BUFFER_SIZE;
    result("attribute unknown", SCardGetAttrib(card, 0x12345, buffer, &length));
    value("attribute unknown length", length);
    result("set attribute", SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, (const BYTE *)"x", 1));
    result("set attribute empty", SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, (const BYTE *)"x", 0));
    result("set attribute 265", SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, buffer, 265));
}

static void checkTransactions(SCARDHANDLE card)
{
    result("begin", SCardBeginTransaction(card));
    result("begin nested", SCardBeginTransaction(card));
    result("end nested", SCardEndTransaction(card, SCARD_LEAVE_CARD));
    result("end", SCardEndTransaction(card, SCARD_LEAVE_CARD));
    result("end extra", SCardEndTransaction(card, SCARD_LEAVE_CARD));
}

static void checkSharing(SCARDCONTEXT context)
{
    SCARDCONTEXT other;
    SCARDHANDLE card = 99;
    DWORD activeProtocol = 99;

    SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &other);
    result("connect exclusive while shared", SCardConnect(other, readerName, SCARD_SHARE_EXCLUSIVE,
        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &activeProtocol));
    value("connect exclusive card", card);
    result("connect direct", SCardConnect(other, readerName, SCARD_SHARE_DIRECT, 0, &card, &activeProtocol));
    value("connect direct protocol", activeProtocol);
    checkReaderState(context, "two handles", SCARD_STATE_UNAWARE, 0);
    result("disconnect direct", SCardDisconnect(card, SCARD_LEAVE_CARD));
    result("release other", SCardReleaseContext(other));
}

static void checkWithReader(SCARDCONTEXT context)
{
    SCARDHANDLE card = 0;
    DWORD activeProtocol = 0;

    checkListReaders(context);
    checkReaderState(context, "reader unaware", SCARD_STATE_UNAWARE, 0);
    checkReaderState(context, "reader steady", SCARD_STATE_PRESENT, 200);

    result("connect shared", SCardConnect(context, readerName, SCARD_SHARE_SHARED,
        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &activeProtocol));
    value("connect protocol", activeProtocol);
    checkReaderState(context, "connected unaware", SCARD_STATE_UNAWARE, 0);

    checkStatus(card, context);
    checkTransmit(card, activeProtocol);
    checkControl(card);
    checkAttributes(card, context);
    checkTransactions(card);
    checkSharing(context);

    result("reconnect", SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &activeProtocol));
    value("reconnect protocol", activeProtocol);
    result("disconnect bad disposition", SCardDisconnect(card, 9));
    result("disconnect", SCardDisconnect(card, SCARD_LEAVE_CARD));
    result("disconnect again", SCardDisconnect(card, SCARD_LEAVE_CARD));
}

static void checkAfterRestart(SCARDCONTEXT context)
{
    SCARDHANDLE card = 0;
    DWORD activeProtocol = 0, length = 0;
    const unsigned char apdu[] = {0x00, 0xB0, 0x00, 0x00, 0x02};
    unsigned char response[16];
    char line[8];

    result("connect before restart", SCardConnect(context, readerName, SCARD_SHARE_SHARED,
        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &activeProtocol));
    printf("ready\n");
    if (fgets(line, sizeof line, stdin) == NULL)
        return;

    result("valid context after restart", SCardIsValidContext(context));
    result("list readers after restart", SCardListReaders(context, NULL, NULL, &length));
    value("list readers length after restart", length);
    length = sizeof response;
    result("transmit on old card", SCardTransmit(card, SCARD_PCI_T1, apdu, sizeof apdu, NULL, response, &length));
    result("status of old card", SCardStatus(card, NULL, NULL, NULL, NULL, NULL, NULL));
    result("reconnect old card", SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
        SCARD_RESET_CARD, &activeProtocol));
    length = sizeof response;
    result("transmit after reconnect", SCardTransmit(card, SCARD_PCI_T1, apdu, sizeof apdu, NULL, response, &length));
    bytes("transmit after reconnect response", response, length);
    result("disconnect after restart", SCardDisconnect(card, SCARD_LEAVE_CARD));
}

int main(int argc, char **argv)
{
    SCARDCONTEXT context = 0;
    const char *mode = argc > 1 ? argv[1] : "no-reader";
    int withReader = strcmp(mode, "reader") == 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    result("establish", SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context));
    value("context non-zero", context != 0);
    result("valid context", SCardIsValidContext(context));

    if (strcmp(mode, "restart") == 0) {
        checkAfterRestart(context);
    } else if (withReader) {
        checkWithReader(context);
    } else {
        checkWithoutReaders(context);
        checkGroups(context);
        checkPlugAndPlayTimeout(context);
        checkCancel(context);
        checkInvalidHandles();
        checkContextErrors();
        checkErrorTexts();
    }

    result("release", SCardReleaseContext(context));
    result("valid after release", SCardIsValidContext(context));
    result("release again", SCardReleaseContext(context));
    return 0;
}
