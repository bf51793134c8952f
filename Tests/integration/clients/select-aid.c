/*
 * A minimal PC/SC client: lists the readers, connects to the first one, prints the
 * card's ATR, sends SELECT for the virtual card's application and GET CHALLENGE, and
 * prints the answers. Exits 0 only when every step succeeded and SELECT returned 90 00.
 *
 * Built with `pkg-config --cflags --libs libpcsclite`, so it runs against whichever
 * libpcsclite.so.1 the dynamic loader finds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winscard.h>

static int check(const char *step, LONG rv)
{
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "%s failed: %s (0x%08lX)\n", step, pcsc_stringify_error(rv), (unsigned long)rv);
        return 0;
    }
    return 1;
}

static void print_hex(const char *label, const BYTE *bytes, DWORD length)
{
    printf("%s", label);
    for (DWORD i = 0; i < length; i++)
        printf(" %02X", bytes[i]);
    printf("\n");
}

int main(void)
{
    SCARDCONTEXT context;
    SCARDHANDLE card;
    DWORD protocol;
    char *readers = NULL;
    DWORD readersLength = SCARD_AUTOALLOCATE;
    int ok = 0;

    if (!check("SCardEstablishContext", SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context)))
        return 1;
    if (!check("SCardListReaders", SCardListReaders(context, NULL, (LPSTR)&readers, &readersLength)))
        goto release;
    for (const char *name = readers; *name != '\0'; name += strlen(name) + 1)
        printf("reader: %s\n", name);

    if (!check("SCardConnect", SCardConnect(context, readers, SCARD_SHARE_SHARED,
                                            SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol)))
        goto free_readers;
    printf("protocol: T=%d\n", protocol == SCARD_PROTOCOL_T1 ? 1 : 0);

    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLength = sizeof atr;
    DWORD state, statusProtocol;
    if (!check("SCardStatus", SCardStatus(card, NULL, NULL, &state, &statusProtocol, atr, &atrLength)))
        goto disconnect;
    print_hex("ATR:", atr, atrLength);

    /* SELECT by AID: the virtual card's application F0 73 77 69 66 74 70 63 73 63. */
    const BYTE select[] = {0x00, 0xA4, 0x04, 0x00, 0x0A, 0xF0, 0x73, 0x77, 0x69, 0x66,
                           0x74, 0x70, 0x63, 0x73, 0x63};
    BYTE response[258];
    DWORD responseLength = sizeof response;
    const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
    print_hex("SELECT >", select, sizeof select);
    if (!check("SCardTransmit(SELECT)", SCardTransmit(card, pci, select, sizeof select, NULL, response, &responseLength)))
        goto disconnect;
    print_hex("SELECT <", response, responseLength);
    if (responseLength < 2 || response[responseLength - 2] != 0x90 || response[responseLength - 1] != 0x00) {
        fprintf(stderr, "SELECT did not return 90 00\n");
        goto disconnect;
    }

    const BYTE challenge[] = {0x00, 0x84, 0x00, 0x00, 0x08};
    responseLength = sizeof response;
    print_hex("GET CHALLENGE >", challenge, sizeof challenge);
    if (!check("SCardTransmit(GET CHALLENGE)",
               SCardTransmit(card, pci, challenge, sizeof challenge, NULL, response, &responseLength)))
        goto disconnect;
    print_hex("GET CHALLENGE <", response, responseLength);
    ok = responseLength == 10 && response[8] == 0x90 && response[9] == 0x00;

disconnect:
    check("SCardDisconnect", SCardDisconnect(card, SCARD_LEAVE_CARD));
free_readers:
    SCardFreeMemory(context, readers);
release:
    check("SCardReleaseContext", SCardReleaseContext(context));
    return ok ? 0 : 1;
}
