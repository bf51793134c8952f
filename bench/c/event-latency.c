/*
 * Measures card event latency: the time from sending "remove 0" or "insert 0" on a
 * virtual reader's control socket to the return of an SCardGetStatusChange that was
 * already waiting for that change.
 *
 * Usage: event-latency CONTROL_SOCKET ROUNDS SEED
 * Each round removes the card and inserts it again. Before each request the program
 * sleeps a pseudo-random 50-549 ms (from SEED), so the request lands at a random
 * phase of any polling loop in the daemon. Prints one line per round,
 * "remove_ns=A insert_ns=B", and exits 1 on the first failure. The card must be
 * present at the start and is present again at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

#define WAIT_TIMEOUT_MS 10000

typedef struct {
    SCARDCONTEXT context;
    const char *reader;
    DWORD currentState;
    DWORD expectedFlag;
    LONG result;
    int64_t returnedAt;
} Waiter;

/* Calls SCardGetStatusChange until the reader state has `expectedFlag`, so an
 * intermediate change (a power-up after insertion, say) does not end the wait. */
static void *waitForFlag(void *argument)
{
    Waiter *waiter = argument;
    for (;;) {
        SCARD_READERSTATE state = {.szReader = waiter->reader, .dwCurrentState = waiter->currentState};
        waiter->result = SCardGetStatusChange(waiter->context, WAIT_TIMEOUT_MS, &state, 1);
        waiter->returnedAt = bench_now_ns();
        if (waiter->result != SCARD_S_SUCCESS)
            return NULL;
        waiter->currentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
        if (state.dwEventState & waiter->expectedFlag)
            return NULL;
    }
}

static int connectControl(const char *path)
{
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "control socket path too long: %s\n", path);
        return -1;
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror(path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Sends `request` on the already connected `fd` and checks that the reply starts with "ok". */
static int finishControl(int fd, const char *request)
{
    char reply[256];
    ssize_t length = 0;
    if (write(fd, request, strlen(request)) == (ssize_t)strlen(request))
        length = read(fd, reply, sizeof reply - 1);
    close(fd);
    if (length <= 0 || strncmp(reply, "ok", 2) != 0) {
        reply[length > 0 ? length : 0] = '\0';
        fprintf(stderr, "control request '%.*s' failed: '%s'\n", (int)strcspn(request, "\n"), request, reply);
        return 0;
    }
    return 1;
}

static void sleepRandom(unsigned int *seed)
{
    long milliseconds = 50 + rand_r(seed) % 500;
    struct timespec delay = {.tv_sec = milliseconds / 1000, .tv_nsec = (milliseconds % 1000) * 1000000};
    nanosleep(&delay, NULL);
}

/* Starts a waiter for `expectedFlag`, sends `request` after a random delay and returns
 * the latency in nanoseconds, or -1 on failure. Updates `*currentState`. */
static int64_t measureEvent(SCARDCONTEXT context, const char *reader, DWORD *currentState, DWORD expectedFlag,
                            const char *controlPath, const char *request, unsigned int *seed)
{
    Waiter waiter = {.context = context, .reader = reader, .currentState = *currentState,
                     .expectedFlag = expectedFlag};
    pthread_t thread;
    if (pthread_create(&thread, NULL, waitForFlag, &waiter) != 0) {
        perror("pthread_create");
        return -1;
    }
    sleepRandom(seed);

    int control = connectControl(controlPath);
    int64_t sentAt = bench_now_ns();
    int sent = control >= 0 && finishControl(control, request);
    pthread_join(thread, NULL);
    if (!sent || !bench_check("SCardGetStatusChange", waiter.result))
        return -1;

    *currentState = waiter.currentState;
    return waiter.returnedAt - sentAt;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONTROL_SOCKET ROUNDS SEED\n", argv[0]);
        return 2;
    }
    const char *controlPath = argv[1];
    long rounds = strtol(argv[2], NULL, 10);
    unsigned int seed = (unsigned int)strtoul(argv[3], NULL, 10);
    if (rounds <= 0) {
        fprintf(stderr, "invalid ROUNDS '%s': expected a positive integer\n", argv[2]);
        return 2;
    }

    SCARDCONTEXT context;
    if (!bench_check("SCardEstablishContext", SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context)))
        return 1;
    char reader[4096];
    DWORD length = sizeof reader;
    if (!bench_check("SCardListReaders", SCardListReaders(context, NULL, reader, &length)))
        return 1;

    SCARD_READERSTATE state = {.szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE};
    if (!bench_check("SCardGetStatusChange", SCardGetStatusChange(context, 0, &state, 1)))
        return 1;
    if (!(state.dwEventState & SCARD_STATE_PRESENT)) {
        fprintf(stderr, "no card in %s at the start (state 0x%lX)\n", reader, (unsigned long)state.dwEventState);
        return 1;
    }
    DWORD currentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;

    for (long i = 0; i < rounds; i++) {
        int64_t removal = measureEvent(context, reader, &currentState, SCARD_STATE_EMPTY, controlPath,
                                       "remove 0\n", &seed);
        if (removal < 0)
            return 1;
        int64_t insertion = measureEvent(context, reader, &currentState, SCARD_STATE_PRESENT, controlPath,
                                         "insert 0\n", &seed);
        if (insertion < 0)
            return 1;
        printf("library=%s remove_ns=%lld insert_ns=%lld\n", bench_library_path(), (long long)removal,
               (long long)insertion);
        fflush(stdout);
    }
    SCardReleaseContext(context);
    return 0;
}
