/*
 * The floor for a PC/SC round trip: two processes on a connected UNIX stream socket
 * (socketpair + fork). The client sends REQUEST bytes and the server replies with REPLY
 * bytes, with one blocking write and one read loop per direction.
 *
 * Usage: socket-floor REQUEST_BYTES REPLY_BYTES ITERATIONS
 * Prints "iterations=N ns_per_op=X" after ITERATIONS / 10 untimed warm-up round trips.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-common.h"

#define MAX_MESSAGE 65536

/* Reads exactly `length` bytes; returns 0 on end of file or error. */
static int readExactly(int fd, unsigned char *buffer, size_t length)
{
    size_t done = 0;
    while (done < length) {
        ssize_t count = read(fd, buffer + done, length - done);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return 0;
        done += (size_t)count;
    }
    return 1;
}

static int writeAll(int fd, const unsigned char *buffer, size_t length)
{
    size_t done = 0;
    while (done < length) {
        ssize_t count = write(fd, buffer + done, length - done);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return 0;
        done += (size_t)count;
    }
    return 1;
}

static void serve(int fd, size_t requestLength, size_t replyLength)
{
    static unsigned char request[MAX_MESSAGE], reply[MAX_MESSAGE];
    memset(reply, 0x90, replyLength);
    while (readExactly(fd, request, requestLength))
        if (!writeAll(fd, reply, replyLength))
            break;
    _exit(0);
}

static int roundTrips(int fd, size_t requestLength, size_t replyLength, long count)
{
    static unsigned char request[MAX_MESSAGE], reply[MAX_MESSAGE];
    memset(request, 0x80, requestLength);
    for (long i = 0; i < count; i++)
        if (!writeAll(fd, request, requestLength) || !readExactly(fd, reply, replyLength)) {
            perror("socket-floor round trip");
            return 0;
        }
    return 1;
}

static long parsePositive(const char *text, long maximum)
{
    long value = strtol(text, NULL, 10);
    return value > 0 && value <= maximum ? value : -1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s REQUEST_BYTES REPLY_BYTES ITERATIONS\n", argv[0]);
        return 2;
    }
    long requestLength = parsePositive(argv[1], MAX_MESSAGE);
    long replyLength = parsePositive(argv[2], MAX_MESSAGE);
    long iterations = parsePositive(argv[3], 1000000000L);
    if (requestLength < 0 || replyLength < 0 || iterations < 0) {
        fprintf(stderr, "invalid arguments: sizes must be 1..%d bytes and ITERATIONS positive\n", MAX_MESSAGE);
        return 2;
    }

    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
        perror("socketpair");
        return 1;
    }
    pid_t server = fork();
    if (server < 0) {
        perror("fork");
        return 1;
    }
    if (server == 0) {
        close(fds[0]);
        serve(fds[1], (size_t)requestLength, (size_t)replyLength);
    }
    close(fds[1]);

    long warmUp = iterations / 10 > 0 ? iterations / 10 : 1;
    int ok = roundTrips(fds[0], (size_t)requestLength, (size_t)replyLength, warmUp);
    int64_t start = bench_now_ns();
    ok = ok && roundTrips(fds[0], (size_t)requestLength, (size_t)replyLength, iterations);
    int64_t elapsed = bench_now_ns() - start;

    close(fds[0]);
    waitpid(server, NULL, 0);
    if (!ok)
        return 1;
    printf("iterations=%ld ns_per_op=%.1f\n", iterations, (double)elapsed / (double)iterations);
    return 0;
}
