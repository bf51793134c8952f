/*
 * Library behaviours that only a whole C program can check.
 *
 * Usage: library-edge-cases CASE LIBRARY
 *   dlclose-thread  loads LIBRARY with dlopen, calls pcsc_stringify_error on a second
 *                   thread, unloads the library, then lets that thread exit. Thread-exit
 *                   work left behind by the library would run at an unmapped address.
 *   reload          loads and unloads LIBRARY 1100 times with one pcsc_stringify_error
 *                   call each, then creates a pthread key: nothing may leak per load.
 *   no-free-key     uses up every pthread key, then calls pcsc_stringify_error.
 *   signals         waits in SCardGetStatusChange with a 2000 ms timeout on the first
 *                   reader of the daemon that PCSCLITE_CSOCK_NAME names, while SIGALRM
 *                   arrives every millisecond (no SA_RESTART). The wait must end after
 *                   about 2 s instead of starting again at every signal.
 * Prints one line per check and exits 1 when a check failed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

typedef const char *(*stringify_function)(LONG);

static void *library;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t condition = PTHREAD_COND_INITIALIZER;
static int unloaded;

static int check(int condition_holds, const char *message)
{
    printf("%s %s\n", condition_holds ? "ok  " : "FAIL", message);
    return condition_holds ? 0 : 1;
}

static stringify_function load_stringify(const char *path, void **handle)
{
    *handle = dlopen(path, RTLD_NOW);
    if (*handle == NULL) {
        printf("FAIL dlopen %s: %s\n", path, dlerror());
        return NULL;
    }
    stringify_function stringify = (stringify_function)dlsym(*handle, "pcsc_stringify_error");
    Dl_info info;
    char expected[4096], found[4096];

    /* The program is linked against a libpcsclite.so.1 too: make sure the call goes to the
       library that dlopen loaded from PATH. */
    if (stringify == NULL || dladdr((void *)stringify, &info) == 0 || realpath(path, expected) == NULL
        || realpath(info.dli_fname, found) == NULL || strcmp(expected, found) != 0) {
        printf("FAIL pcsc_stringify_error does not come from %s\n", path);
        return NULL;
    }
    return stringify;
}

static void *stringify_then_wait(void *argument)
{
    stringify_function stringify = (stringify_function)argument;

    printf("thread: %s\n", stringify(SCARD_E_INVALID_HANDLE));
    pthread_mutex_lock(&mutex);
    while (!unloaded)
        pthread_cond_wait(&condition, &mutex);
    pthread_mutex_unlock(&mutex);
    return NULL;
}

static int dlclose_thread(const char *path)
{
    stringify_function stringify = load_stringify(path, &library);
    pthread_t thread;

    if (stringify == NULL)
        return 1;
    pthread_create(&thread, NULL, stringify_then_wait, (void *)stringify);
    usleep(100000);
    dlclose(library);
    pthread_mutex_lock(&mutex);
    unloaded = 1;
    pthread_cond_signal(&condition);
    pthread_mutex_unlock(&mutex);
    pthread_join(thread, NULL);
    return check(1, "a thread that used the library exited after dlclose");
}

static int reload(const char *path)
{
    int failures = 0;
    pthread_key_t key;

    for (int round = 0; round < 1100; round++) {
        void *handle;
        stringify_function stringify = load_stringify(path, &handle);

        if (stringify == NULL)
            return 1;
        if (strcmp(stringify(SCARD_S_SUCCESS), "Command successful.") != 0)
            failures++;
        dlclose(handle);
    }
    failures += check(failures == 0, "1100 loads: pcsc_stringify_error returned the text each time");
    failures += check(pthread_key_create(&key, NULL) == 0, "a pthread key is still free after 1100 loads");
    return failures != 0;
}

static int no_free_key(void)
{
    pthread_key_t key;
    int keys = 0;

    while (pthread_key_create(&key, NULL) == 0)
        keys++;
    printf("created %d keys; none is left\n", keys);
    return check(strcmp(pcsc_stringify_error(SCARD_E_NO_SERVICE), "Service not available.") == 0,
                 "pcsc_stringify_error works with no pthread key left");
}

static void on_alarm(int signal_number)
{
    (void)signal_number;
}

static double seconds_now(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static int signals(void)
{
    SCARDCONTEXT context;
    char readers[1024];
    DWORD length = sizeof readers;
    SCARD_READERSTATE state;
    struct sigaction action;
    struct itimerval timer = {{0, 1000}, {0, 1000}};
    struct itimerval stop = {{0, 0}, {0, 0}};
    LONG rv;
    double start, elapsed;
    char message[128];
    int failures = 0;

    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS
        || SCardListReaders(context, NULL, readers, &length) != SCARD_S_SUCCESS)
        return check(0, "establish a context and list the readers");
    memset(&state, 0, sizeof state);
    state.szReader = readers;
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    SCardGetStatusChange(context, 0, &state, 1);
    state.dwCurrentState = state.dwEventState;

    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    sigaction(SIGALRM, &action, NULL);
    setitimer(ITIMER_REAL, &timer, NULL);
    start = seconds_now();
    rv = SCardGetStatusChange(context, 2000, &state, 1);
    elapsed = seconds_now() - start;
    setitimer(ITIMER_REAL, &stop, NULL);

    snprintf(message, sizeof message, "the wait returns SCARD_E_TIMEOUT (got 0x%08lX)", (unsigned long)rv);
    failures += check(rv == SCARD_E_TIMEOUT, message);
    snprintf(message, sizeof message, "the wait took 2 s despite the signals (took %.2f s)", elapsed);
    failures += check(elapsed >= 1.9 && elapsed < 3.0, message);
    SCardReleaseContext(context);
    return failures != 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 3 && strcmp(argv[1], "dlclose-thread") == 0)
        return dlclose_thread(argv[2]);
    if (argc == 3 && strcmp(argv[1], "reload") == 0)
        return reload(argv[2]);
    if (argc == 2 && strcmp(argv[1], "no-free-key") == 0)
        return no_free_key();
    if (argc == 2 && strcmp(argv[1], "signals") == 0)
        return signals();
    fprintf(stderr, "usage: %s dlclose-thread|reload LIBRARY, or %s no-free-key|signals\n", argv[0], argv[0]);
    return 2;
}
