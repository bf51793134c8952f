/*
 * Checks that reader names travel as bytes. Lists the readers and prints each name in
 * hex. The names given as arguments are the bytes of a reader.conf FRIENDLYNAME with
 * pcscd's " NN 00" suffix. For every listed name and every argument, it connects,
 * compares the name that SCardStatus returns with the bytes used to connect, and calls
 * SCardGetStatusChange for the reader's state. Prints one "label: value" line per
 * result and no handle values, so two libpcsclite builds on the same daemon print the
 * same lines.
 *
 * Usage: reader-name-bytes NAME...
 * Exits 0 when every call ran, whatever its result; the caller compares the lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winscard.h>

static void print_result(const char *label, int index, LONG rv)
{
    printf("%s %d: 0x%08lX\n", label, index, (unsigned long)rv);
}

static void print_name(const char *label, int index, const char *name, size_t length)
{
    printf("%s %d:", label, index);
    for (size_t i = 0; i < length; i++)
        printf(" %02X", (unsigned char)name[i]);
    printf("\n");
}

/* Connects with `name`, then checks SCardStatus and SCardGetStatusChange with it. */
static void check_name(SCARDCONTEXT context, const char *kind, int index, const char *name)
{
    char label[64];
    SCARDHANDLE card;
    DWORD protocol;

    snprintf(label, sizeof label, "%s connect", kind);
    LONG rv = SCardConnect(context, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
    print_result(label, index, rv);
    if (rv == SCARD_S_SUCCESS) {
        char statusName[MAX_READERNAME];
        DWORD statusLength = sizeof statusName;
        DWORD state;
        BYTE atr[MAX_ATR_SIZE];
        DWORD atrLength = sizeof atr;

        snprintf(label, sizeof label, "%s status", kind);
        rv = SCardStatus(card, statusName, &statusLength, &state, &protocol, atr, &atrLength);
        print_result(label, index, rv);
        if (rv == SCARD_S_SUCCESS) {
            snprintf(label, sizeof label, "%s status name", kind);
            print_name(label, index, statusName, statusLength);
            printf("%s status name equal %d: %s\n", kind, index,
                   statusLength == strlen(name) + 1 && memcmp(statusName, name, statusLength) == 0 ? "yes" : "no");
        }
        snprintf(label, sizeof label, "%s disconnect", kind);
        print_result(label, index, SCardDisconnect(card, SCARD_LEAVE_CARD));
    }

    SCARD_READERSTATE reader = { .szReader = name, .dwCurrentState = SCARD_STATE_UNAWARE };
    snprintf(label, sizeof label, "%s status change", kind);
    print_result(label, index, SCardGetStatusChange(context, 0, &reader, 1));
    printf("%s status change state %d: 0x%04lX\n", kind, index, (unsigned long)(reader.dwEventState & 0xFFFF));
}

int main(int argc, char **argv)
{
    SCARDCONTEXT context;
    char *readers = NULL;
    DWORD readersLength = SCARD_AUTOALLOCATE;

    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "SCardEstablishContext failed: 0x%08lX\n", (unsigned long)rv);
        return 1;
    }

    rv = SCardListReaders(context, NULL, (LPSTR)&readers, &readersLength);
    print_result("list", 0, rv);
    int index = 0;
    if (rv == SCARD_S_SUCCESS) {
        for (const char *name = readers; *name != '\0'; name += strlen(name) + 1)
            print_name("listed name", index++, name, strlen(name));
        index = 0;
        for (const char *name = readers; *name != '\0'; name += strlen(name) + 1)
            check_name(context, "listed", index++, name);
        SCardFreeMemory(context, readers);
    }

    for (int arg = 1; arg < argc; arg++)
        check_name(context, "original", arg - 1, argv[arg]);

    SCardReleaseContext(context);
    return 0;
}
