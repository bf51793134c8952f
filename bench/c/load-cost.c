/*
 * The smallest client for counting library load cost with callgrind: start the process,
 * let the dynamic loader map libpcsclite.so.1 and run its initialisers, make one call.
 *
 * Usage: load-cost stringify|establish|library
 *   stringify  pcsc_stringify_error(SCARD_E_TIMEOUT): load and initialisation only, no
 *              daemon involved.
 *   establish  SCardEstablishContext + SCardReleaseContext against the daemon that
 *              PCSCLITE_CSOCK_NAME names: what every real client pays before its first
 *              useful call.
 *   library    prints the path of the loaded libpcsclite.so.1, so the runner can check
 *              LD_LIBRARY_PATH before counting (not run under callgrind).
 * Built with -DBENCH_BASELINE it links no PC/SC library and makes no call, so its count
 * is the cost of the C program itself.
 */
#include <stdio.h>
#include <string.h>

#ifndef BENCH_BASELINE
#include "bench-common.h"
#endif

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s stringify|establish|library\n", argv[0]);
        return 2;
    }
#ifdef BENCH_BASELINE
    return strcmp(argv[1], "stringify") == 0 || strcmp(argv[1], "establish") == 0 ? 0 : 2;
#else
    if (strcmp(argv[1], "stringify") == 0)
        return pcsc_stringify_error(SCARD_E_TIMEOUT)[0] == '\0';

    if (strcmp(argv[1], "library") == 0) {
        printf("library=%s\n", bench_library_path());
        return 0;
    }

    if (strcmp(argv[1], "establish") == 0) {
        SCARDCONTEXT context;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
        if (rv != SCARD_S_SUCCESS) {
            fprintf(stderr, "SCardEstablishContext failed: 0x%08lX\n", (unsigned long)rv);
            return 1;
        }
        return SCardReleaseContext(context) == SCARD_S_SUCCESS ? 0 : 1;
    }
    fprintf(stderr, "unknown mode '%s': expected stringify, establish or library\n", argv[1]);
    return 2;
#endif
}
