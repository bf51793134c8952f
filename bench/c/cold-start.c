/*
 * Measures a daemon's cold start from the client side: run it as the first client of
 * an idle socket-activated socket, so its SCardEstablishContext connect is what makes
 * the activator start the daemon.
 *
 * Usage: cold-start
 * Prints "library=PATH establish_ns=A reader_ns=B": A is the time SCardEstablishContext
 * took, B the time from its start until SCardListReaders first returned a reader (it is
 * retried every millisecond for up to 10 s). Exits 1 when either step fails.
 */
#include <stdio.h>
#include <time.h>

#include "bench-common.h"

#define READER_WAIT_NS 10000000000LL

int main(void)
{
    SCARDCONTEXT context;
    int64_t start = bench_now_ns();
    if (!bench_check("SCardEstablishContext", SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context)))
        return 1;
    int64_t established = bench_now_ns();

    LONG rv;
    do {
        char names[4096];
        DWORD length = sizeof names;
        rv = SCardListReaders(context, NULL, names, &length);
        if (rv != SCARD_E_NO_READERS_AVAILABLE)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    } while (bench_now_ns() - start < READER_WAIT_NS);
    int64_t listed = bench_now_ns();
    if (!bench_check("SCardListReaders", rv))
        return 1;

    printf("library=%s establish_ns=%lld reader_ns=%lld\n", bench_library_path(),
           (long long)(established - start), (long long)(listed - start));
    SCardReleaseContext(context);
    return 0;
}
