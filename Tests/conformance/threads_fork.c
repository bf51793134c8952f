/*
 * Thread stress and fork checks of a libpcsclite.so.1 against a pcscd with two readers
 * that hold the virtual card.
 *
 * Usage:
 *   threads_fork stress SECONDS CONTROL_SOCKET
 *       8 threads share one context and loop over Connect, Transmit, Status and
 *       Disconnect on the first reader for SECONDS. Another thread, on its own context,
 *       waits in GetStatusChange on the second reader. Meanwhile the main thread removes
 *       and inserts that reader's card three times (reader 1 of the control socket), and
 *       at the end it cancels the wait. Passes when no call failed, the waiter saw the
 *       last event and its wait returned SCARD_E_CANCELLED.
 *   threads_fork fork CHILD_RESULT [busy]
 *       The child of fork() uses the parent's context and card handle. CHILD_RESULT is
 *       the expected return code of those calls: "invalid-handle" (our library rejects
 *       them) or "success" (pcsc-lite 1.9.9 lets the child share the parent's socket).
 *       With "busy", four parent threads keep transmitting while the parent forks, so a
 *       lock held at fork time must not hang the child. Either way the child's own new
 *       context must work, and the parent must keep working afterwards.
 *
 * The daemon socket comes from PCSCLITE_CSOCK_NAME. Prints one line per result and exits
 * 0 when every check passed, 1 when one failed, 2 when the program could not run; a
 * watchdog ends a run that hangs with status 3.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <winscard.h>

#define WORKER_COUNT 8
#define CARD_EVENTS 6

static const BYTE apdu_get_challenge[] = {0x00, 0x84, 0x00, 0x00, 0x08};

static char reader_names[2][MAX_READERNAME + 1];
static int failed_checks;

static void die(const char *message)
{
    fprintf(stderr, "threads_fork: %s\n", message);
    exit(2);
}

static void watchdog(int signal_number)
{
    (void)signal_number;
    static const char message[] = "threads_fork: timed out: a call hangs\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(3);
}

static void report(bool passed, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void report(bool passed, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fputs(passed ? "ok   " : "FAIL ", stdout);
    vprintf(format, arguments);
    putchar('\n');
    fflush(stdout);
    va_end(arguments);
    if (!passed)
        failed_checks++;
}

static void sleep_ms(int milliseconds)
{
    struct timespec duration = {milliseconds / 1000, (long)(milliseconds % 1000) * 1000000};
    while (nanosleep(&duration, &duration) != 0 && errno == EINTR) {
    }
}

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Reads the first two reader names; returns how many there are. */
static int list_readers(SCARDCONTEXT context)
{
    char buffer[1024];
    DWORD length = sizeof buffer;
    int count = 0;

    if (SCardListReaders(context, NULL, buffer, &length) != SCARD_S_SUCCESS)
        return 0;
    for (const char *name = buffer; *name != '\0' && count < 2; name += strlen(name) + 1) {
        if (strlen(name) > MAX_READERNAME)
            die("reader name too long");
        strcpy(reader_names[count++], name);
    }
    return count;
}

static SCARDCONTEXT establish(void)
{
    SCARDCONTEXT context = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS)
        die("cannot establish a context: is pcscd running on $PCSCLITE_CSOCK_NAME?");
    return context;
}

/* Names the return codes this program expects, and formats others in hex. Unlike
 * pcsc_stringify_error, each call returns its own buffer (four in rotation), so several
 * results can appear in one printf. */
static const char *code_name(LONG rv)
{
    static char buffers[4][24];
    static int next;

    switch (rv) {
    case SCARD_S_SUCCESS: return "SCARD_S_SUCCESS";
    case SCARD_E_CANCELLED: return "SCARD_E_CANCELLED";
    case SCARD_E_INVALID_HANDLE: return "SCARD_E_INVALID_HANDLE";
    default: break;
    }
    char *buffer = buffers[next++ % 4];
    snprintf(buffer, sizeof buffers[0], "0x%08lX", (unsigned long)rv);
    return buffer;
}

static LONG transmit_challenge(SCARDHANDLE card)
{
    BYTE response[32];
    DWORD length = sizeof response;
    LONG rv = SCardTransmit(card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response, &length);
    if (rv == SCARD_S_SUCCESS && length != 10)
        return SCARD_F_UNKNOWN_ERROR;
    return rv;
}

/* ------------------------------------------------------------------------------------ */
/* Stress                                                                               */
/* ------------------------------------------------------------------------------------ */

struct worker {
    pthread_t thread;
    SCARDCONTEXT context;
    double deadline;
    long rounds;
    long errors;
    LONG first_error;
};

static void count_error(struct worker *worker, LONG rv)
{
    if (rv == SCARD_S_SUCCESS)
        return;
    if (worker->errors++ == 0)
        worker->first_error = rv;
}

static void *worker_main(void *argument)
{
    struct worker *worker = argument;

    while (now_seconds() < worker->deadline) {
        SCARDHANDLE card = 0;
        DWORD protocol = 0;
        DWORD state = 0;
        LONG rv = SCardConnect(worker->context, reader_names[0], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card,
                               &protocol);
        count_error(worker, rv);
        if (rv != SCARD_S_SUCCESS)
            continue;
        count_error(worker, transmit_challenge(card));
        count_error(worker, SCardStatus(card, NULL, NULL, &state, &protocol, NULL, NULL));
        count_error(worker, SCardDisconnect(card, SCARD_LEAVE_CARD));
        worker->rounds++;
    }
    return NULL;
}

struct waiter {
    pthread_t thread;
    SCARDCONTEXT context;
    DWORD initial_state;
    DWORD last_state;
    int wakeups;
    LONG final_rv;
    atomic_bool waiting;
};

static void *waiter_main(void *argument)
{
    struct waiter *waiter = argument;
    SCARD_READERSTATE state = {.szReader = reader_names[1], .dwCurrentState = waiter->last_state};

    for (;;) {
        atomic_store(&waiter->waiting, true);
        LONG rv = SCardGetStatusChange(waiter->context, INFINITE, &state, 1);
        atomic_store(&waiter->waiting, false);
        if (rv != SCARD_S_SUCCESS) {
            waiter->final_rv = rv;
            return NULL;
        }
        waiter->wakeups++;
        state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
        waiter->last_state = state.dwCurrentState;
    }
}

/* Sends "REQUEST 1" to the control socket (reader 1 carries the card events). */
static bool control_reader_1(const char *path, const char *request)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    char line[64];
    char reply[64] = {0};

    if (fd < 0 || strlen(path) >= sizeof address.sun_path)
        die("cannot create the control socket");
    strcpy(address.sun_path, path);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0)
        die("cannot connect to the control socket");
    snprintf(line, sizeof line, "%s 1\n", request);
    bool sent = write(fd, line, strlen(line)) == (ssize_t)strlen(line);
    bool replied = read(fd, reply, sizeof reply - 1) > 0;
    close(fd);
    return sent && replied && strncmp(reply, "ok", 2) == 0;
}

static int run_stress(int seconds, const char *control_path)
{
    SCARDCONTEXT shared_context = establish();
    if (list_readers(shared_context) != 2)
        die("the daemon must list two readers");

    struct waiter waiter = {.context = establish()};
    SCARD_READERSTATE initial = {.szReader = reader_names[1], .dwCurrentState = SCARD_STATE_UNAWARE};
    if (SCardGetStatusChange(waiter.context, 0, &initial, 1) != SCARD_S_SUCCESS)
        die("cannot read the state of the second reader");
    waiter.initial_state = initial.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    waiter.last_state = waiter.initial_state;
    pthread_create(&waiter.thread, NULL, waiter_main, &waiter);

    struct worker workers[WORKER_COUNT];
    double deadline = now_seconds() + seconds;
    for (int i = 0; i < WORKER_COUNT; i++) {
        workers[i] = (struct worker){.context = shared_context, .deadline = deadline};
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }

    /* Card events on the second reader, spread over the run. */
    int pause_ms = seconds * 1000 / (CARD_EVENTS + 2);
    bool control_ok = true;
    for (int event = 0; event < CARD_EVENTS; event++) {
        sleep_ms(pause_ms);
        control_ok &= control_reader_1(control_path, event % 2 == 0 ? "remove" : "insert");
    }

    long rounds = 0;
    long errors = 0;
    LONG first_error = SCARD_S_SUCCESS;
    for (int i = 0; i < WORKER_COUNT; i++) {
        pthread_join(workers[i].thread, NULL);
        rounds += workers[i].rounds;
        errors += workers[i].errors;
        if (first_error == SCARD_S_SUCCESS)
            first_error = workers[i].first_error;
    }

    /* Give the waiter time to see the last event and block again, then cancel it. */
    sleep_ms(1000);
    bool was_waiting = atomic_load(&waiter.waiting);
    LONG cancel_rv = SCardCancel(waiter.context);
    pthread_join(waiter.thread, NULL);

    report(control_ok, "control socket accepted %d card events on reader 1", CARD_EVENTS);
    report(rounds > 0 && errors == 0, "%d threads on one context: %ld rounds, %ld failed calls (first: %s)",
           WORKER_COUNT, rounds, errors, errors == 0 ? "none" : code_name(first_error));
    DWORD counter_change = ((waiter.last_state >> 16) - (waiter.initial_state >> 16)) & 0xFFFF;
    report(waiter.wakeups >= 1 && counter_change == CARD_EVENTS,
           "waiter woke %d times and saw the event counter advance by %lu (expected %d)", waiter.wakeups,
           (unsigned long)counter_change, CARD_EVENTS);
    report((waiter.last_state & SCARD_STATE_PRESENT) != 0, "waiter's last state shows the card present (0x%lX)",
           (unsigned long)(waiter.last_state & 0xFFFF));
    report(was_waiting && cancel_rv == SCARD_S_SUCCESS && waiter.final_rv == SCARD_E_CANCELLED,
           "SCardCancel: %s, the wait returned %s", code_name(cancel_rv),
           code_name(waiter.final_rv));

    report(SCardReleaseContext(waiter.context) == SCARD_S_SUCCESS, "waiter context released");
    report(SCardReleaseContext(shared_context) == SCARD_S_SUCCESS, "shared context released");
    return failed_checks == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------------------------ */
/* Fork                                                                                 */
/* ------------------------------------------------------------------------------------ */

struct busy_thread {
    pthread_t thread;
    SCARDHANDLE card;
    atomic_bool *stop;
    long errors;
};

static void *busy_main(void *argument)
{
    struct busy_thread *busy = argument;
    while (!atomic_load(busy->stop)) {
        if (transmit_challenge(busy->card) != SCARD_S_SUCCESS)
            busy->errors++;
    }
    return NULL;
}

/* Return codes of the child's calls, sent to the parent through a pipe. */
struct child_results {
    LONG is_valid;
    LONG list;
    LONG transmit;
    LONG status;
    LONG own_establish;
    LONG own_list;
    LONG own_release;
};

static void run_child(SCARDCONTEXT context, SCARDHANDLE card, int output)
{
    struct child_results results;
    DWORD length = 0;

    alarm(10);
    results.is_valid = SCardIsValidContext(context);
    results.list = SCardListReaders(context, NULL, NULL, &length);
    results.transmit = transmit_challenge(card);
    results.status = SCardStatus(card, NULL, NULL, NULL, NULL, NULL, NULL);

    SCARDCONTEXT own = 0;
    results.own_establish = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &own);
    length = 0;
    results.own_list = SCardListReaders(own, NULL, NULL, &length);
    results.own_release = SCardReleaseContext(own);

    _exit(write(output, &results, sizeof results) == (ssize_t)sizeof results ? 0 : 1);
}

static int run_fork(const char *child_result, bool busy)
{
    LONG expected;
    if (strcmp(child_result, "invalid-handle") == 0)
        expected = SCARD_E_INVALID_HANDLE;
    else if (strcmp(child_result, "success") == 0)
        expected = SCARD_S_SUCCESS;
    else
        die("CHILD_RESULT must be invalid-handle or success");

    SCARDCONTEXT context = establish();
    if (list_readers(context) < 1)
        die("the daemon lists no reader");
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    if (SCardConnect(context, reader_names[0], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol) !=
        SCARD_S_SUCCESS)
        die("cannot connect to the first reader");

    atomic_bool stop = false;
    struct busy_thread threads[4];
    int thread_count = busy ? 4 : 0;
    for (int i = 0; i < thread_count; i++) {
        threads[i] = (struct busy_thread){.card = card, .stop = &stop};
        pthread_create(&threads[i].thread, NULL, busy_main, &threads[i]);
    }
    if (busy)
        sleep_ms(200);

    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        die("pipe failed");
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        die("fork failed");
    if (child == 0) {
        close(pipe_fds[0]);
        run_child(context, card, pipe_fds[1]);
    }
    close(pipe_fds[1]);

    struct child_results results;
    memset(&results, 0xFF, sizeof results);
    ssize_t count = read(pipe_fds[0], &results, sizeof results);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);

    atomic_store(&stop, true);
    long busy_errors = 0;
    for (int i = 0; i < thread_count; i++) {
        pthread_join(threads[i].thread, NULL);
        busy_errors += threads[i].errors;
    }

    const char *mode = busy ? " (parent threads busy at fork)" : "";
    bool child_finished = count == (ssize_t)sizeof results && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    report(child_finished, "child finished without hanging%s", mode);
    report(results.is_valid == expected, "child SCardIsValidContext(parent's context): %s",
           code_name(results.is_valid));
    report(results.list == expected, "child SCardListReaders(parent's context): %s", code_name(results.list));
    report(results.transmit == expected, "child SCardTransmit(parent's card): %s",
           code_name(results.transmit));
    report(results.status == expected, "child SCardStatus(parent's card): %s", code_name(results.status));
    report(results.own_establish == SCARD_S_SUCCESS && results.own_list == SCARD_S_SUCCESS &&
               results.own_release == SCARD_S_SUCCESS,
           "child's own context: establish %s, list %s, release %s", code_name(results.own_establish),
           code_name(results.own_list), code_name(results.own_release));
    report(busy_errors == 0, "parent threads during the fork: %ld failed calls", busy_errors);

    DWORD length = 0;
    report(SCardListReaders(context, NULL, NULL, &length) == SCARD_S_SUCCESS, "parent SCardListReaders afterwards");
    report(transmit_challenge(card) == SCARD_S_SUCCESS, "parent SCardTransmit afterwards");
    report(SCardDisconnect(card, SCARD_LEAVE_CARD) == SCARD_S_SUCCESS, "parent SCardDisconnect afterwards");
    report(SCardReleaseContext(context) == SCARD_S_SUCCESS, "parent SCardReleaseContext afterwards");
    return failed_checks == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, watchdog);

    if (argc == 4 && strcmp(argv[1], "stress") == 0) {
        int seconds = atoi(argv[2]);
        if (seconds < 1 || seconds > 60)
            die("SECONDS must be 1-60");
        alarm((unsigned)seconds + 20);
        return run_stress(seconds, argv[3]);
    }
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "fork") == 0) {
        alarm(30);
        return run_fork(argv[2], argc == 4 && strcmp(argv[3], "busy") == 0);
    }
    die("usage: threads_fork stress SECONDS CONTROL_SOCKET | threads_fork fork invalid-handle|success [busy]");
}
