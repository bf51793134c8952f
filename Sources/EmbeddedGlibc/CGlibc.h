/*
 * The C library interfaces that the client library and the daemon use. Their Embedded
 * Swift builds import them through this header instead of Swift's Glibc module.
 */
#ifndef CGLIBC_H
#define CGLIBC_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* fcntl is variadic, which Swift cannot call: fixed-argument forms. */
static inline int cglibc_fcntl(int fd, int command)
{
    return fcntl(fd, command);
}

static inline int cglibc_fcntl_int(int fd, int command, int value)
{
    return fcntl(fd, command, value);
}

/* open is variadic too, so it gets a fixed-argument form. */
static inline int cglibc_open(const char *path, int flags, mode_t mode)
{
    return open(path, flags, mode);
}

#endif /* CGLIBC_H */
