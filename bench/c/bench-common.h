/*
 * Helpers shared by the benchmark programs: a monotonic clock in nanoseconds, the path
 * of the libpcsclite.so.1 the dynamic loader picked, and error reporting that names the
 * failed call and the PC/SC error.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <winscard.h>

/* CLOCK_MONOTONIC, the clock Python's time.monotonic_ns() reads on Linux, so the runner
 * can compare timestamps printed by different processes. */
static inline int64_t bench_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* The file that defines SCardEstablishContext in this process, so the runner can check
 * that LD_LIBRARY_PATH selected the intended library. */
static inline const char *bench_library_path(void)
{
    Dl_info info;
    if (dladdr((void *)SCardEstablishContext, &info) == 0 || info.dli_fname == NULL)
        return "unknown";
    return info.dli_fname;
}

/* Prints the failed step with its PC/SC code to stderr and returns 0; returns 1 on success. */
static inline int bench_check(const char *step, LONG rv)
{
    if (rv == SCARD_S_SUCCESS)
        return 1;
    fprintf(stderr, "%s failed: %s (0x%08lX)\n", step, pcsc_stringify_error(rv), (unsigned long)rv);
    return 0;
}

#endif
