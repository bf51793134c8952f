#define _GNU_SOURCE
#include "CPosix.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

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
