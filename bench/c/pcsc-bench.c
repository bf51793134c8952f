/*
 * Times one PC/SC operation in a loop against whichever libpcsclite.so.1 the dynamic
 * loader finds (LD_LIBRARY_PATH picks ours or Debian's) and whichever daemon
 * PCSCLITE_CSOCK_NAME names. Built against Debian's <winscard.h>.
 *
 * Usage: pcsc-bench OPERATION ITERATIONS
 *
 * Timed operations (one iteration each):
 *   transmit-13      SCardTransmit of the virtual card's ECHO, 13-byte APDU (Lc 8)
 *   transmit-255     SCardTransmit of ECHO, 255-byte APDU (Lc 250)
 *   transaction      SCardBeginTransaction + SCardEndTransaction
 *   context          SCardEstablishContext + SCardReleaseContext
 *   list-readers     SCardListReaders into a caller buffer
 *   status-change-0  SCardGetStatusChange, timeout 0, no change (SCARD_E_TIMEOUT)
 *   connect          SCardConnect + SCardDisconnect (SCARD_LEAVE_CARD)
 * prints "library=PATH iterations=N ns_per_op=X" after ITERATIONS / 10 untimed warm-up
 * iterations, and exits 1 on the first failure.
 *
 * Client modes for the load and memory rows:
 *   load     connects, prints "ready", waits for end of file on stdin (the runner's
 *            start signal), then sends ITERATIONS 13-byte ECHOs and prints
 *            "transmits=N errors=E end_ns=T" (CLOCK_MONOTONIC). Failures are counted,
 *            not fatal; the exit status is 1 when any occurred.
 *   session  ITERATIONS times: establish, list, connect, one ECHO, disconnect, release.
 * Every transmit checks that the response is the command data followed by 90 00, or
 * with BENCH_ECHO_REPLY=command in the environment, the whole command followed by 90 00
 * (the C echo IFD handler of Tests/integration/clients/fake-echo-ifd.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-common.h"

/* The virtual card's ECHO command is 80 10 00 00 Lc data, and its response is data + 90 00. */
#define ECHO_HEADER_LENGTH 5

typedef struct {
    SCARDCONTEXT context;
    SCARDHANDLE card;
    DWORD protocol;
    char reader[4096];
    DWORD currentState;
} Session;

typedef int (*Operation)(Session *session);

static BYTE echoCommand13[13];
static BYTE echoCommand255[255];
/* Set when the card echoes the whole command instead of its data field. */
static int echoWholeCommand;

static void buildEcho(BYTE *command, size_t length)
{
    command[0] = 0x80;
    command[1] = 0x10;
    command[2] = 0x00;
    command[3] = 0x00;
    command[4] = (BYTE)(length - ECHO_HEADER_LENGTH);
    for (size_t i = ECHO_HEADER_LENGTH; i < length; i++)
        command[i] = (BYTE)(i * 7);
}

static int transmitEcho(Session *session, const BYTE *command, size_t length)
{
    BYTE response[MAX_BUFFER_SIZE];
    DWORD responseLength = sizeof response;
    const SCARD_IO_REQUEST *pci = session->protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
    if (!bench_check("SCardTransmit", SCardTransmit(session->card, pci, command, (DWORD)length, NULL,
                                                    response, &responseLength)))
        return 0;

    const BYTE *expected = echoWholeCommand ? command : command + ECHO_HEADER_LENGTH;
    size_t dataLength = echoWholeCommand ? length : length - ECHO_HEADER_LENGTH;
    if (responseLength != dataLength + 2 || memcmp(response, expected, dataLength) != 0
        || response[dataLength] != 0x90 || response[dataLength + 1] != 0x00) {
        fprintf(stderr, "SCardTransmit: unexpected ECHO response of %lu bytes\n", (unsigned long)responseLength);
        return 0;
    }
    return 1;
}

static int transmit13(Session *session)
{
    return transmitEcho(session, echoCommand13, sizeof echoCommand13);
}

static int transmit255(Session *session)
{
    return transmitEcho(session, echoCommand255, sizeof echoCommand255);
}

static int transaction(Session *session)
{
    return bench_check("SCardBeginTransaction", SCardBeginTransaction(session->card))
        && bench_check("SCardEndTransaction", SCardEndTransaction(session->card, SCARD_LEAVE_CARD));
}

static int contextCycle(Session *session)
{
    (void)session;
    SCARDCONTEXT context;
    return bench_check("SCardEstablishContext", SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context))
        && bench_check("SCardReleaseContext", SCardReleaseContext(context));
}

static int listReaders(Session *session)
{
    char names[4096];
    DWORD length = sizeof names;
    return bench_check("SCardListReaders", SCardListReaders(session->context, NULL, names, &length));
}

static int statusChangeNoWait(Session *session)
{
    SCARD_READERSTATE state = {.szReader = session->reader, .dwCurrentState = session->currentState};
    LONG rv = SCardGetStatusChange(session->context, 0, &state, 1);
    if (rv == SCARD_E_TIMEOUT)
        return 1;
    if (rv == SCARD_S_SUCCESS) {
        fprintf(stderr, "SCardGetStatusChange reported a change from 0x%lX to 0x%lX on an idle reader\n",
                (unsigned long)session->currentState, (unsigned long)state.dwEventState);
        return 0;
    }
    return bench_check("SCardGetStatusChange", rv);
}

static int connectCycle(Session *session)
{
    SCARDHANDLE card;
    DWORD protocol;
    return bench_check("SCardConnect", SCardConnect(session->context, session->reader, SCARD_SHARE_SHARED,
                                                    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol))
        && bench_check("SCardDisconnect", SCardDisconnect(card, SCARD_LEAVE_CARD));
}

/* Establishes a context and finds the first reader; with `connect`, also connects to it. */
static int openSession(Session *session, int connect)
{
    memset(session, 0, sizeof *session);
    if (!bench_check("SCardEstablishContext",
                     SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &session->context)))
        return 0;

    /* The first name of the multi-string is the first reader. */
    DWORD length = sizeof session->reader;
    if (!bench_check("SCardListReaders", SCardListReaders(session->context, NULL, session->reader, &length)))
        return 0;

    SCARD_READERSTATE state = {.szReader = session->reader, .dwCurrentState = SCARD_STATE_UNAWARE};
    if (!bench_check("SCardGetStatusChange", SCardGetStatusChange(session->context, 0, &state, 1)))
        return 0;
    session->currentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;

    if (!connect)
        return 1;
    return bench_check("SCardConnect", SCardConnect(session->context, session->reader, SCARD_SHARE_SHARED,
                                                    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &session->card,
                                                    &session->protocol));
}

static void closeSession(Session *session)
{
    if (session->card != 0)
        SCardDisconnect(session->card, SCARD_LEAVE_CARD);
    SCardReleaseContext(session->context);
}

static int timeOperation(Operation operation, int connect, long iterations)
{
    Session session;
    if (!openSession(&session, connect))
        return 1;

    long warmUp = iterations / 10 > 0 ? iterations / 10 : 1;
    for (long i = 0; i < warmUp; i++)
        if (!operation(&session))
            return 1;

    int64_t start = bench_now_ns();
    for (long i = 0; i < iterations; i++)
        if (!operation(&session))
            return 1;
    int64_t elapsed = bench_now_ns() - start;

    printf("library=%s iterations=%ld ns_per_op=%.1f\n", bench_library_path(), iterations,
           (double)elapsed / (double)iterations);
    closeSession(&session);
    return 0;
}

static int runLoadClient(long iterations)
{
    Session session;
    if (!openSession(&session, 1))
        return 1;
    printf("ready\n");
    fflush(stdout);

    char signal;
    while (read(STDIN_FILENO, &signal, 1) > 0) {
    }

    long errors = 0;
    for (long i = 0; i < iterations; i++)
        if (!transmit13(&session))
            errors++;
    int64_t end = bench_now_ns();

    printf("library=%s transmits=%ld errors=%ld end_ns=%lld\n", bench_library_path(), iterations, errors,
           (long long)end);
    closeSession(&session);
    return errors == 0 ? 0 : 1;
}

static int runSessions(long iterations)
{
    for (long i = 0; i < iterations; i++) {
        Session session;
        if (!openSession(&session, 1) || !transmit13(&session))
            return 1;
        closeSession(&session);
    }
    printf("library=%s sessions=%ld\n", bench_library_path(), iterations);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OPERATION ITERATIONS (see the comment at the top of pcsc-bench.c)\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    long iterations = strtol(argv[2], NULL, 10);
    if (iterations <= 0) {
        fprintf(stderr, "invalid ITERATIONS '%s': expected a positive integer\n", argv[2]);
        return 2;
    }
    const char *echoReply = getenv("BENCH_ECHO_REPLY");
    echoWholeCommand = echoReply != NULL && strcmp(echoReply, "command") == 0;
    buildEcho(echoCommand13, sizeof echoCommand13);
    buildEcho(echoCommand255, sizeof echoCommand255);

    static const struct {
        const char *name;
        Operation operation;
        int connect;
    } operations[] = {
        {"transmit-13", transmit13, 1},       {"transmit-255", transmit255, 1},
        {"transaction", transaction, 1},      {"context", contextCycle, 0},
        {"list-readers", listReaders, 0},     {"status-change-0", statusChangeNoWait, 0},
        {"connect", connectCycle, 0},
    };
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(name, operations[i].name) == 0)
            return timeOperation(operations[i].operation, operations[i].connect, iterations);

    if (strcmp(name, "load") == 0)
        return runLoadClient(iterations);
    if (strcmp(name, "session") == 0)
        return runSessions(iterations);

    fprintf(stderr, "unknown OPERATION '%s' (see the comment at the top of pcsc-bench.c)\n", name);
    return 2;
}
