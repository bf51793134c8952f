#ifndef CPOSIX_H
#define CPOSIX_H

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <signal.h>
#include <malloc.h>

/* Small wrappers for Linux interfaces that Swift's Glibc module does not expose
   because they need _GNU_SOURCE. */

/* Stores the peer process id and user id of a connected UNIX socket.
   Returns 0 on success, -1 with errno set on failure. */
int cposix_peer_credentials(int fd, pid_t *pid, uid_t *uid);

/* Accepts a connection with close-on-exec set; -1 with errno on failure. */
int cposix_accept_cloexec(int listening_fd);

/* Gives the pages of the calling thread's stack below the current frame back to the
   kernel (madvise MADV_DONTNEED). Called by a thread that is about to end, so the C
   library's cache of thread stacks does not keep their pages resident. */
void cposix_release_unused_stack(void);

/* Names the calling thread (at most 15 bytes are kept), for ps and debuggers. */
void cposix_set_thread_name(const char *name);

/* Logs `message` as it is with syslog(3), so a '%' in it is no format directive. */
void cposix_syslog(int priority, const char *message);

#endif
