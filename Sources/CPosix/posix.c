#define _GNU_SOURCE
#include "CPosix.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

int cposix_peer_credentials(int fd, pid_t *pid, uid_t *uid)
{
    struct ucred credentials;
    socklen_t length = sizeof credentials;

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    return 0;
}

void cposix_set_thread_name(const char *name)
{
    char shortened[16];

    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = '\0';
    pthread_setname_np(pthread_self(), shortened);
}

int cposix_accept_cloexec(int listening_fd)
{
    return accept4(listening_fd, NULL, NULL, SOCK_CLOEXEC);
}

void cposix_release_unused_stack(void)
{
    pthread_attr_t attributes;
    void *stack;
    size_t size;
    char marker;

    if (pthread_getattr_np(pthread_self(), &attributes) != 0)
        return;
    if (pthread_attr_getstack(&attributes, &stack, &size) == 0) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t low = ((uintptr_t)stack + page - 1) & ~(page - 1);
        /* Keep a margin below this frame for the calls that end the thread. */
        uintptr_t high = ((uintptr_t)&marker - 16 * page) & ~(page - 1);
        if (high > low)
            madvise((void *)low, high - low, MADV_DONTNEED);
    }
    pthread_attr_destroy(&attributes);
}

void cposix_syslog(int priority, const char *message)
{
    syslog(priority, "%s", message);
}
