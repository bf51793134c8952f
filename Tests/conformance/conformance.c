/*
 * Conformance checks of the PC/SC API (winscard.h) against a running pcscd that serves
 * one reader with the project's virtual card.
 *
 * Every check prints exactly one line "NNN name: value". The value is the observable
 * result in a normalised form: return code names, lengths, flags in hex, booleans. It
 * never contains handle values, pointers, timestamps or reader names, so the outputs of
 * two runs (for example Debian's libpcsclite against Debian's pcscd, and our library
 * against our daemon) can be compared with diff. A check whose preconditions failed still
 * prints its line, so the numbering stays the same across runs.
 *
 * Usage: conformance [--control SOCKET] [--reader N]
 *   --control  control socket of the virtual reader (default: $CONFORMANCE_CONTROL)
 *   --reader   reader number in the control protocol (default: $CONFORMANCE_READER, or 0)
 * The daemon socket comes from PCSCLITE_CSOCK_NAME as for any PC/SC program. The
 * daemon must list exactly one reader, with a card inserted and no fault armed.
 *
 * Exit status: 0 when the program ran to the end (differences are found by comparing
 * outputs), 2 when it could not run (no daemon, no reader, control socket unusable).
 *
 * Helper modes, started by the program itself through fork and exec:
 *   conformance --helper hold-card READER          connect, print "ready CONTEXT CARD", wait
 *   conformance --helper hold-transaction READER   as hold-card, inside a transaction
 *   conformance --helper establish                 print the return code name of Establish
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <reader.h>
#include <winscard.h>

/* ------------------------------------------------------------------------------------ */
/* Constants of the virtual card                                                       */
/* ------------------------------------------------------------------------------------ */

/* ATR of the virtual card (T=0 default, T=1 offered, negotiable mode). */
static const BYTE card_atr[] = {
    0x3B, 0x9C, 0x96, 0x80, 0x31, 0x80, 0x45, 0x80, 0x5A, 0x73,
    0x77, 0x69, 0x66, 0x74, 0x2D, 0x70, 0x63, 0x73, 0x63, 0xF5,
};

/* SELECT by DF name of the card's application, with Le = 00. */
static const BYTE apdu_select_aid[] = {
    0x00, 0xA4, 0x04, 0x00, 0x0A, 0xF0, 0x73, 0x77, 0x69, 0x66, 0x74, 0x70, 0x63, 0x73, 0x63, 0x00,
};
static const BYTE apdu_get_challenge[] = {0x00, 0x84, 0x00, 0x00, 0x08};
static const BYTE apdu_get_response_fci[] = {0x00, 0xC0, 0x00, 0x00, 0x15};
static const BYTE apdu_unknown_instruction[] = {0x00, 0x01, 0x00, 0x00};
/* GENERATE with Le = 00: 256 bytes + SW, the longest short response (258 bytes). */
static const BYTE apdu_generate_short[] = {0x80, 0x12, 0x00, 0x00, 0x00};
/* GENERATE with extended Le = 0000: 65536 bytes + SW (65538 bytes). */
static const BYTE apdu_generate_extended[] = {0x80, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00};

#define PNP_READER "\\\\?PnP?\\Notification"
#define PNP_READER_LOWER_CASE "\\\\?pnp?\\notification"
#define STATE_FLAGS(state) ((state) & 0xFFFFul)
#define STATE_COUNTER(state) (((state) >> 16) & 0xFFFFul)
#define IO_BUFFER_SIZE (MAX_BUFFER_SIZE_EXTENDED + 16)
#define EVENT_WAIT_MS 4000

/* ------------------------------------------------------------------------------------ */
/* Configuration and output                                                            */
/* ------------------------------------------------------------------------------------ */

static const char *control_path;
static int control_reader;
static char reader_name[MAX_READERNAME + 1];
static char program_path[4096];
static int check_number;
/* Context used only for waiting on card events, so the checked contexts stay untouched. */
static SCARDCONTEXT monitor_context;

static void die(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fputs("conformance: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    exit(2);
}

static void warn(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fputs("conformance: warning: ", stderr);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
}

/* Prints one check line. */
static void check(const char *name, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    printf("%03d %s: ", ++check_number, name);
    vprintf(format, arguments);
    putchar('\n');
    fflush(stdout);
    va_end(arguments);
}

static const char *rv_name(LONG rv)
{
    static const struct {
        LONG code;
        const char *name;
    } names[] = {
        {SCARD_S_SUCCESS, "SCARD_S_SUCCESS"},
        {SCARD_F_INTERNAL_ERROR, "SCARD_F_INTERNAL_ERROR"},
        {SCARD_E_CANCELLED, "SCARD_E_CANCELLED"},
        {SCARD_E_INVALID_HANDLE, "SCARD_E_INVALID_HANDLE"},
        {SCARD_E_INVALID_PARAMETER, "SCARD_E_INVALID_PARAMETER"},
        {SCARD_E_INVALID_TARGET, "SCARD_E_INVALID_TARGET"},
        {SCARD_E_NO_MEMORY, "SCARD_E_NO_MEMORY"},
        {SCARD_F_WAITED_TOO_LONG, "SCARD_F_WAITED_TOO_LONG"},
        {SCARD_E_INSUFFICIENT_BUFFER, "SCARD_E_INSUFFICIENT_BUFFER"},
        {SCARD_E_UNKNOWN_READER, "SCARD_E_UNKNOWN_READER"},
        {SCARD_E_TIMEOUT, "SCARD_E_TIMEOUT"},
        {SCARD_E_SHARING_VIOLATION, "SCARD_E_SHARING_VIOLATION"},
        {SCARD_E_NO_SMARTCARD, "SCARD_E_NO_SMARTCARD"},
        {SCARD_E_UNKNOWN_CARD, "SCARD_E_UNKNOWN_CARD"},
        {SCARD_E_CANT_DISPOSE, "SCARD_E_CANT_DISPOSE"},
        {SCARD_E_PROTO_MISMATCH, "SCARD_E_PROTO_MISMATCH"},
        {SCARD_E_NOT_READY, "SCARD_E_NOT_READY"},
        {SCARD_E_INVALID_VALUE, "SCARD_E_INVALID_VALUE"},
        {SCARD_E_SYSTEM_CANCELLED, "SCARD_E_SYSTEM_CANCELLED"},
        {SCARD_F_COMM_ERROR, "SCARD_F_COMM_ERROR"},
        {SCARD_F_UNKNOWN_ERROR, "SCARD_F_UNKNOWN_ERROR"},
        {SCARD_E_INVALID_ATR, "SCARD_E_INVALID_ATR"},
        {SCARD_E_NOT_TRANSACTED, "SCARD_E_NOT_TRANSACTED"},
        {SCARD_E_READER_UNAVAILABLE, "SCARD_E_READER_UNAVAILABLE"},
        {SCARD_P_SHUTDOWN, "SCARD_P_SHUTDOWN"},
        {SCARD_E_PCI_TOO_SMALL, "SCARD_E_PCI_TOO_SMALL"},
        {SCARD_E_READER_UNSUPPORTED, "SCARD_E_READER_UNSUPPORTED"},
        {SCARD_E_DUPLICATE_READER, "SCARD_E_DUPLICATE_READER"},
        {SCARD_E_CARD_UNSUPPORTED, "SCARD_E_CARD_UNSUPPORTED"},
        {SCARD_E_NO_SERVICE, "SCARD_E_NO_SERVICE"},
        {SCARD_E_SERVICE_STOPPED, "SCARD_E_SERVICE_STOPPED"},
        /* SCARD_E_UNEXPECTED has the same value. */
        {SCARD_E_UNSUPPORTED_FEATURE, "SCARD_E_UNSUPPORTED_FEATURE"},
        {SCARD_E_NO_READERS_AVAILABLE, "SCARD_E_NO_READERS_AVAILABLE"},
        {SCARD_W_UNSUPPORTED_CARD, "SCARD_W_UNSUPPORTED_CARD"},
        {SCARD_W_UNRESPONSIVE_CARD, "SCARD_W_UNRESPONSIVE_CARD"},
        {SCARD_W_UNPOWERED_CARD, "SCARD_W_UNPOWERED_CARD"},
        {SCARD_W_RESET_CARD, "SCARD_W_RESET_CARD"},
        {SCARD_W_REMOVED_CARD, "SCARD_W_REMOVED_CARD"},
        {SCARD_W_SECURITY_VIOLATION, "SCARD_W_SECURITY_VIOLATION"},
    };
    static _Thread_local char unknown[32];

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].code == rv)
            return names[i].name;
    }
    snprintf(unknown, sizeof unknown, "0x%08lX", (unsigned long)rv);
    return unknown;
}

static const char *yes_no(bool value)
{
    return value ? "yes" : "no";
}

static const char *protocol_name(DWORD protocol)
{
    static _Thread_local char other[32];

    switch (protocol) {
    case SCARD_PROTOCOL_UNDEFINED: return "none";
    case SCARD_PROTOCOL_T0: return "T0";
    case SCARD_PROTOCOL_T1: return "T1";
    case SCARD_PROTOCOL_RAW: return "RAW";
    default:
        snprintf(other, sizeof other, "0x%lX", (unsigned long)protocol);
        return other;
    }
}

/* Formats `length` bytes as lower-case hex into a static buffer (cut after 64 bytes). */
static const char *hex(const BYTE *bytes, size_t length)
{
    static _Thread_local char text[2 * 64 + 8];
    size_t shown = length > 64 ? 64 : length;

    for (size_t i = 0; i < shown; i++)
        snprintf(text + 2 * i, 3, "%02x", bytes[i]);
    text[2 * shown] = '\0';
    if (shown < length)
        strcat(text, "...");
    if (length == 0)
        strcpy(text, "-");
    return text;
}

/* Formats the status word of a response (its last two bytes). */
static const char *status_word(const BYTE *response, DWORD length)
{
    return length >= 2 ? hex(response + length - 2, 2) : "none";
}

static long long now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(int milliseconds)
{
    struct timespec duration = {milliseconds / 1000, (long)(milliseconds % 1000) * 1000000};
    while (nanosleep(&duration, &duration) != 0 && errno == EINTR) {
    }
}

/* Length of the multi-string with one reader: name, NUL, and the final NUL. */
static DWORD reader_list_length(void)
{
    return (DWORD)strlen(reader_name) + 2;
}

/* ------------------------------------------------------------------------------------ */
/* Control socket of the virtual reader                                                */
/* ------------------------------------------------------------------------------------ */

/* Sends "REQUEST READER[ ARGUMENT]" and returns true when the reply starts with "ok". */
static bool control_request(const char *request, const char *argument)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    char line[256];
    char reply[256];
    size_t received = 0;

    if (fd < 0)
        die("socket() failed: %s", strerror(errno));
    if (strlen(control_path) >= sizeof address.sun_path)
        die("control socket path too long: %s", control_path);
    strcpy(address.sun_path, control_path);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0)
        die("cannot connect to the control socket %s: %s", control_path, strerror(errno));

    snprintf(line, sizeof line, "%s %d%s%s\n", request, control_reader, argument ? " " : "", argument ? argument : "");
    if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
        die("cannot send '%s' to the control socket: %s", request, strerror(errno));

    while (received < sizeof reply - 1) {
        ssize_t count = read(fd, reply + received, sizeof reply - 1 - received);
        if (count <= 0)
            break;
        received += (size_t)count;
        if (memchr(reply, '\n', received))
            break;
    }
    close(fd);
    reply[received] = '\0';

    if (strncmp(reply, "ok", 2) != 0) {
        warn("control request '%s %d%s%s' got '%s'", request, control_reader, argument ? " " : "",
             argument ? argument : "", reply);
        return false;
    }
    return true;
}

/*
 * Waits on the monitor context until the reader's event state has every bit of `want`
 * and none of `unwanted`, and returns that event state (CHANGED cleared). Returns the
 * last state seen after EVENT_WAIT_MS when the state never matched.
 */
static DWORD wait_for_reader_state(DWORD want, DWORD unwanted)
{
    SCARD_READERSTATE state = {.szReader = reader_name, .dwCurrentState = SCARD_STATE_UNAWARE};
    long long deadline = now_ms() + EVENT_WAIT_MS;

    for (;;) {
        long long remaining = deadline - now_ms();
        LONG rv = SCardGetStatusChange(monitor_context, remaining > 0 ? (DWORD)remaining : 0, &state, 1);

        if (rv == SCARD_S_SUCCESS) {
            state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
            if ((state.dwCurrentState & want) == want && (state.dwCurrentState & unwanted) == 0)
                return state.dwCurrentState;
        } else if (rv != SCARD_E_TIMEOUT) {
            warn("GetStatusChange on the monitor context failed: %s", rv_name(rv));
            return state.dwCurrentState;
        }
        if (now_ms() >= deadline) {
            warn("reader state 0x%lX never got 0x%lX without 0x%lX", (unsigned long)state.dwCurrentState,
                 (unsigned long)want, (unsigned long)unwanted);
            return state.dwCurrentState;
        }
    }
}

static DWORD current_reader_state(void)
{
    SCARD_READERSTATE state = {.szReader = reader_name, .dwCurrentState = SCARD_STATE_UNAWARE};
    SCardGetStatusChange(monitor_context, 0, &state, 1);
    return state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
}

/* Removes the card and waits until the daemon reports the reader empty. */
static DWORD remove_card(void)
{
    control_request("remove", NULL);
    return wait_for_reader_state(SCARD_STATE_EMPTY, SCARD_STATE_PRESENT);
}

/* Inserts a card and waits until the daemon reports it present (and not mute). */
static DWORD insert_card(void)
{
    control_request("insert", NULL);
    return wait_for_reader_state(SCARD_STATE_PRESENT, SCARD_STATE_EMPTY | SCARD_STATE_MUTE);
}

/* ------------------------------------------------------------------------------------ */
/* Small wrappers                                                                      */
/* ------------------------------------------------------------------------------------ */

static SCARDCONTEXT establish(void)
{
    SCARDCONTEXT context = 0;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
    if (rv != SCARD_S_SUCCESS)
        warn("SCardEstablishContext failed: %s", rv_name(rv));
    return context;
}

static SCARDHANDLE connect_card(SCARDCONTEXT context, DWORD share, DWORD protocols, LONG *rv_out,
                                DWORD *protocol_out)
{
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    LONG rv = SCardConnect(context, reader_name, share, protocols, &card, &protocol);

    if (rv_out)
        *rv_out = rv;
    if (protocol_out)
        *protocol_out = protocol;
    return rv == SCARD_S_SUCCESS ? card : 0;
}

static SCARDHANDLE connect_shared(SCARDCONTEXT context)
{
    return connect_card(context, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, NULL, NULL);
}

static void disconnect(SCARDHANDLE card)
{
    if (card != 0)
        SCardDisconnect(card, SCARD_LEAVE_CARD);
}

static void release(SCARDCONTEXT context)
{
    if (context != 0)
        SCardReleaseContext(context);
}

static const SCARD_IO_REQUEST *pci_for(DWORD protocol)
{
    if (protocol == SCARD_PROTOCOL_T0)
        return SCARD_PCI_T0;
    if (protocol == SCARD_PROTOCOL_RAW)
        return SCARD_PCI_RAW;
    return SCARD_PCI_T1;
}

/* Transmits with the PCI of `protocol` into `response` of `capacity` bytes. */
static LONG transmit(SCARDHANDLE card, DWORD protocol, const BYTE *apdu, size_t apdu_length, BYTE *response,
                     DWORD *length, DWORD capacity)
{
    *length = capacity;
    return SCardTransmit(card, pci_for(protocol), apdu, (DWORD)apdu_length, NULL, response, length);
}

/* ------------------------------------------------------------------------------------ */
/* Calls run on a background thread, to see whether they block                         */
/* ------------------------------------------------------------------------------------ */

struct background_call {
    pthread_t thread;
    LONG (*function)(struct background_call *);
    SCARDCONTEXT context;
    SCARDHANDLE card;
    SCARD_READERSTATE states[2];
    DWORD state_count;
    DWORD timeout;
    LONG rv;
    long long elapsed_ms;
    atomic_bool finished;
};

static void *background_main(void *argument)
{
    struct background_call *call = argument;
    long long start = now_ms();

    call->rv = call->function(call);
    call->elapsed_ms = now_ms() - start;
    atomic_store(&call->finished, true);
    return NULL;
}

static void background_start(struct background_call *call, LONG (*function)(struct background_call *))
{
    call->function = function;
    atomic_store(&call->finished, false);
    if (pthread_create(&call->thread, NULL, background_main, call) != 0)
        die("pthread_create failed");
}

static LONG background_join(struct background_call *call)
{
    pthread_join(call->thread, NULL);
    return call->rv;
}

static bool background_finished(struct background_call *call)
{
    return atomic_load(&call->finished);
}

static LONG call_begin_transaction(struct background_call *call)
{
    return SCardBeginTransaction(call->card);
}

static LONG call_transmit_challenge(struct background_call *call)
{
    BYTE response[64];
    DWORD length = sizeof response;
    return SCardTransmit(call->card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response,
                         &length);
}

static LONG call_connect_shared(struct background_call *call)
{
    DWORD protocol;
    return SCardConnect(call->context, reader_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                        &call->card, &protocol);
}

static LONG call_get_status_change(struct background_call *call)
{
    return SCardGetStatusChange(call->context, call->timeout, call->states, call->state_count);
}

/* Starts a GetStatusChange on `context` for the reader with `current_state`. */
static void background_wait_reader(struct background_call *call, SCARDCONTEXT context, DWORD current_state,
                                   DWORD timeout)
{
    memset(call->states, 0, sizeof call->states);
    call->context = context;
    call->states[0].szReader = reader_name;
    call->states[0].dwCurrentState = current_state;
    call->state_count = 1;
    call->timeout = timeout;
    background_start(call, call_get_status_change);
}

/* ------------------------------------------------------------------------------------ */
/* Helper processes                                                                     */
/* ------------------------------------------------------------------------------------ */

struct helper {
    pid_t pid;
    FILE *output;
    SCARDCONTEXT context;
    SCARDHANDLE card;
    char line[128];
};

/* Starts this program in helper mode `mode` and reads its first output line. */
static bool helper_start(struct helper *helper, const char *mode, char *const environment_override)
{
    int pipe_fds[2];

    memset(helper, 0, sizeof *helper);
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        die("pipe2 failed: %s", strerror(errno));

    fflush(stdout);
    helper->pid = fork();
    if (helper->pid < 0)
        die("fork failed: %s", strerror(errno));
    if (helper->pid == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        if (environment_override)
            putenv(environment_override);
        execl(program_path, program_path, "--helper", mode, reader_name, (char *)NULL);
        _exit(127);
    }

    close(pipe_fds[1]);
    helper->output = fdopen(pipe_fds[0], "r");
    if (!fgets(helper->line, sizeof helper->line, helper->output)) {
        warn("helper '%s' printed nothing", mode);
        return false;
    }
    helper->line[strcspn(helper->line, "\n")] = '\0';

    unsigned long context = 0;
    unsigned long card = 0;
    if (sscanf(helper->line, "ready %lu %lu", &context, &card) == 2) {
        helper->context = (SCARDCONTEXT)context;
        helper->card = (SCARDHANDLE)card;
    }
    return true;
}

/* Kills the helper (it waits in pause()) and collects it. */
static void helper_kill(struct helper *helper)
{
    if (helper->pid > 0) {
        kill(helper->pid, SIGKILL);
        waitpid(helper->pid, NULL, 0);
        helper->pid = 0;
    }
    if (helper->output) {
        fclose(helper->output);
        helper->output = NULL;
    }
}

static int run_helper(const char *mode, const char *reader)
{
    SCARDCONTEXT context = 0;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);

    if (strcmp(mode, "establish") == 0) {
        printf("%s\n", rv_name(rv));
        return 0;
    }
    if (rv != SCARD_S_SUCCESS) {
        printf("failed establish %s\n", rv_name(rv));
        return 1;
    }

    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    rv = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
    if (rv != SCARD_S_SUCCESS) {
        printf("failed connect %s\n", rv_name(rv));
        return 1;
    }
    if (strcmp(mode, "hold-transaction") == 0) {
        rv = SCardBeginTransaction(card);
        if (rv != SCARD_S_SUCCESS) {
            printf("failed begin %s\n", rv_name(rv));
            return 1;
        }
    } else if (strcmp(mode, "hold-card") != 0) {
        printf("failed unknown helper mode %s\n", mode);
        return 1;
    }

    printf("ready %lu %lu\n", (unsigned long)context, (unsigned long)card);
    fflush(stdout);
    for (;;)
        pause();
}

/* ------------------------------------------------------------------------------------ */
/* Contexts                                                                             */
/* ------------------------------------------------------------------------------------ */

static void check_contexts(void)
{
    static const struct {
        const char *name;
        DWORD scope;
    } scopes[] = {
        {"context.establish_scope_user", SCARD_SCOPE_USER},
        {"context.establish_scope_terminal", SCARD_SCOPE_TERMINAL},
        {"context.establish_scope_system", SCARD_SCOPE_SYSTEM},
        {"context.establish_scope_global", SCARD_SCOPE_GLOBAL},
    };

    for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++) {
        SCARDCONTEXT context = 0;
        LONG rv = SCardEstablishContext(scopes[i].scope, NULL, NULL, &context);
        check(scopes[i].name, "%s nonzero=%s", rv_name(rv), yes_no(context != 0));
        release(context);
    }

    SCARDCONTEXT context = 99;
    LONG rv = SCardEstablishContext(99, NULL, NULL, &context);
    check("context.establish_scope_99", "%s", rv_name(rv));
    if (rv == SCARD_S_SUCCESS)
        release(context);

    rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, NULL);
    check("context.establish_null_output", "%s", rv_name(rv));

    SCARDCONTEXT first = establish();
    SCARDCONTEXT second = establish();
    check("context.two_contexts_distinct", "%s", yes_no(first != 0 && second != 0 && first != second));
    check("context.is_valid", "%s", rv_name(SCardIsValidContext(first)));
    check("context.is_valid_zero", "%s", rv_name(SCardIsValidContext(0)));
    check("context.is_valid_made_up", "%s", rv_name(SCardIsValidContext(first ^ 0x5A5A5A5)));
    check("context.release", "%s", rv_name(SCardReleaseContext(first)));
    check("context.is_valid_after_release", "%s", rv_name(SCardIsValidContext(first)));
    check("context.release_twice", "%s", rv_name(SCardReleaseContext(first)));
    check("context.release_zero", "%s", rv_name(SCardReleaseContext(0)));
    check("context.other_still_valid", "%s", rv_name(SCardIsValidContext(second)));
    release(second);

    struct helper helper;
    char environment[] = "PCSCLITE_CSOCK_NAME=/nonexistent/pcscd.comm";
    if (helper_start(&helper, "establish", environment))
        check("context.establish_without_daemon", "%s", helper.line);
    else
        check("context.establish_without_daemon", "helper failed");
    helper_kill(&helper);
}

/* ------------------------------------------------------------------------------------ */
/* Reader list and reader groups                                                        */
/* ------------------------------------------------------------------------------------ */

static void check_reader_list(void)
{
    SCARDCONTEXT context = establish();
    char buffer[1024];
    DWORD length = 0;

    LONG rv = SCardListReaders(context, NULL, NULL, &length);
    check("readers.size_query", "%s length_ok=%s", rv_name(rv), yes_no(length == reader_list_length()));

    length = sizeof buffer;
    memset(buffer, 'x', sizeof buffer);
    rv = SCardListReaders(context, NULL, buffer, &length);
    bool same = length == reader_list_length() && strcmp(buffer, reader_name) == 0 && buffer[length - 1] == '\0';
    check("readers.list", "%s length_ok=%s content_ok=%s", rv_name(rv), yes_no(length == reader_list_length()),
          yes_no(same));

    length = reader_list_length();
    rv = SCardListReaders(context, NULL, buffer, &length);
    check("readers.exact_buffer", "%s length_ok=%s", rv_name(rv), yes_no(length == reader_list_length()));

    length = 5;
    rv = SCardListReaders(context, NULL, buffer, &length);
    check("readers.small_buffer", "%s needed_length_ok=%s", rv_name(rv), yes_no(length == reader_list_length()));

    rv = SCardListReaders(context, NULL, buffer, NULL);
    check("readers.null_length", "%s", rv_name(rv));

    char *allocated = NULL;
    length = SCARD_AUTOALLOCATE;
    rv = SCardListReaders(context, NULL, (LPSTR)&allocated, &length);
    same = allocated != NULL && length == reader_list_length() && strcmp(allocated, reader_name) == 0;
    check("readers.autoallocate", "%s content_ok=%s", rv_name(rv), yes_no(same));
    check("readers.free_memory_bad_context", "%s", rv_name(SCardFreeMemory(context ^ 0x5A5A5A5, allocated)));
    check("readers.free_memory", "%s", rv_name(SCardFreeMemory(context, allocated)));
    check("readers.free_memory_null", "%s", rv_name(SCardFreeMemory(context, NULL)));

    length = SCARD_AUTOALLOCATE;
    rv = SCardListReaders(context, NULL, NULL, &length);
    check("readers.autoallocate_null_buffer", "%s", rv_name(rv));

    const char groups[] = "SCard$DefaultReaders\0";
    length = sizeof buffer;
    rv = SCardListReaders(context, groups, buffer, &length);
    check("readers.with_default_group", "%s length_ok=%s", rv_name(rv), yes_no(length == reader_list_length()));

    length = sizeof buffer;
    rv = SCardListReaders(context ^ 0x5A5A5A5, NULL, buffer, &length);
    check("readers.bad_context", "%s", rv_name(rv));

    release(context);
    length = sizeof buffer;
    rv = SCardListReaders(context, NULL, buffer, &length);
    check("readers.released_context", "%s", rv_name(rv));
}

static void check_reader_groups(void)
{
    SCARDCONTEXT context = establish();
    static const char expected[] = "SCard$DefaultReaders\0";
    char buffer[256];
    DWORD length = 0;

    LONG rv = SCardListReaderGroups(context, NULL, &length);
    check("groups.size_query", "%s length=%lu", rv_name(rv), (unsigned long)length);

    length = sizeof buffer;
    rv = SCardListReaderGroups(context, buffer, &length);
    bool same = length == sizeof expected && memcmp(buffer, expected, sizeof expected) == 0;
    check("groups.list", "%s length=%lu content_ok=%s", rv_name(rv), (unsigned long)length, yes_no(same));

    length = 4;
    rv = SCardListReaderGroups(context, buffer, &length);
    check("groups.small_buffer", "%s length=%lu", rv_name(rv), (unsigned long)length);

    char *allocated = NULL;
    length = SCARD_AUTOALLOCATE;
    rv = SCardListReaderGroups(context, (LPSTR)&allocated, &length);
    same = allocated != NULL && length == sizeof expected && memcmp(allocated, expected, sizeof expected) == 0;
    check("groups.autoallocate", "%s content_ok=%s", rv_name(rv), yes_no(same));
    SCardFreeMemory(context, allocated);

    length = sizeof buffer;
    rv = SCardListReaderGroups(context ^ 0x5A5A5A5, buffer, &length);
    check("groups.bad_context", "%s", rv_name(rv));
    release(context);
}

/* ------------------------------------------------------------------------------------ */
/* Connect, Reconnect, Disconnect                                                       */
/* ------------------------------------------------------------------------------------ */

static void check_connect(void)
{
    SCARDCONTEXT context = establish();
    SCARDCONTEXT other = establish();
    LONG rv;
    DWORD protocol;

    SCARDHANDLE first = connect_card(context, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &rv, &protocol);
    check("connect.shared_t0_or_t1", "%s protocol=%s", rv_name(rv), protocol_name(protocol));

    SCARDHANDLE second = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &rv, &protocol);
    check("connect.second_shared_t1", "%s protocol=%s distinct=%s", rv_name(rv), protocol_name(protocol),
          yes_no(second != 0 && second != first));

    SCARDHANDLE card = 0x5A5A;
    protocol = 0x5A5A;
    rv = SCardConnect(other, reader_name, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T1, &card, &protocol);
    check("connect.exclusive_while_shared", "%s handle_zero=%s", rv_name(rv), yes_no(card == 0));
    if (rv == SCARD_S_SUCCESS)
        disconnect(card);

    card = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, &rv, &protocol);
    check("connect.t0_only_while_t1_active", "%s", rv_name(rv));
    disconnect(card);

    card = connect_card(other, SCARD_SHARE_DIRECT, 0, &rv, &protocol);
    check("connect.direct_while_shared", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    disconnect(card);

    card = connect_card(other, SCARD_SHARE_SHARED, 0, &rv, &protocol);
    check("connect.shared_without_protocol", "%s", rv_name(rv));
    disconnect(card);

    card = connect_card(other, 7, SCARD_PROTOCOL_T1, &rv, &protocol);
    check("connect.bad_share_mode", "%s", rv_name(rv));
    disconnect(card);

    card = 0x5A5A;
    rv = SCardConnect(other, "No Such Reader 00 00", SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol);
    check("connect.unknown_reader", "%s handle_zero=%s", rv_name(rv), yes_no(card == 0));

    rv = SCardConnect(other, NULL, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol);
    check("connect.null_reader", "%s", rv_name(rv));

    char long_name[201];
    memset(long_name, 'R', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    rv = SCardConnect(other, long_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol);
    check("connect.name_longer_than_128", "%s", rv_name(rv));

    rv = SCardConnect(other, reader_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, NULL, &protocol);
    check("connect.null_handle_output", "%s", rv_name(rv));

    rv = SCardConnect(other, reader_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, NULL);
    check("connect.null_protocol_output", "%s", rv_name(rv));

    rv = SCardConnect(other ^ 0x5A5A5A5, reader_name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &protocol);
    check("connect.bad_context", "%s", rv_name(rv));

    disconnect(first);
    disconnect(second);

    card = connect_card(context, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &rv, &protocol);
    check("connect.exclusive_alone", "%s protocol=%s", rv_name(rv), protocol_name(protocol));

    SCARDHANDLE blocked = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &rv, &protocol);
    check("connect.shared_while_exclusive", "%s", rv_name(rv));
    disconnect(blocked);

    blocked = connect_card(other, SCARD_SHARE_DIRECT, 0, &rv, &protocol);
    check("connect.direct_while_exclusive", "%s", rv_name(rv));
    disconnect(blocked);
    disconnect(card);

    release(context);
    release(other);
}

static void check_reconnect(void)
{
    SCARDCONTEXT context = establish();
    SCARDCONTEXT other = establish();
    SCARDHANDLE card = connect_shared(context);
    SCARDHANDLE watcher = connect_shared(other);
    BYTE response[64];
    DWORD length;
    DWORD protocol = 0;

    LONG rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.leave", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    rv = transmit(watcher, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("reconnect.leave_other_handle_transmit", "%s", rv_name(rv));

    protocol = 0;
    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &protocol);
    check("reconnect.reset", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("reconnect.reset_own_handle_transmit", "%s", rv_name(rv));
    rv = transmit(watcher, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("reconnect.reset_other_handle_transmit", "%s", rv_name(rv));
    rv = transmit(watcher, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("reconnect.reset_other_handle_sticky", "%s", rv_name(rv));
    rv = SCardReconnect(watcher, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.other_handle_clears_flag", "%s", rv_name(rv));
    rv = transmit(watcher, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("reconnect.other_handle_transmit_after_clear", "%s", rv_name(rv));

    protocol = 0;
    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_UNPOWER_CARD, &protocol);
    check("reconnect.unpower", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    SCardReconnect(watcher, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);

    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_EJECT_CARD, &protocol);
    check("reconnect.eject", "%s", rv_name(rv));

    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, NULL);
    check("reconnect.null_protocol_output", "%s", rv_name(rv));

    rv = SCardReconnect(card, 7, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.bad_share_mode", "%s", rv_name(rv));

    rv = SCardReconnect(card ^ 0x5A5A5A5, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.bad_handle", "%s", rv_name(rv));

    protocol = 0;
    rv = SCardReconnect(card, SCARD_SHARE_DIRECT, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.to_direct", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.back_to_shared", "%s protocol=%s", rv_name(rv), protocol_name(protocol));

    disconnect(watcher);
    protocol = 0;
    rv = SCardReconnect(card, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.exclusive_alone", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    SCARDHANDLE blocked = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &rv, NULL);
    check("reconnect.exclusive_blocks_connect", "%s", rv_name(rv));
    disconnect(blocked);
    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("reconnect.exclusive_to_shared", "%s", rv_name(rv));

    /* pcscd 1.9.9 keeps the exclusive lock after this Reconnect, until that handle disconnects. */
    struct background_call call = {.context = other};
    background_start(&call, call_connect_shared);
    sleep_ms(500);
    bool waited = !background_finished(&call);
    disconnect(card);
    rv = background_join(&call);
    check("reconnect.connect_after_exclusive_to_shared", "%s waited=%s", rv_name(rv), yes_no(waited));
    disconnect(call.card);

    release(context);
    release(other);
}

static void check_disconnect(void)
{
    SCARDCONTEXT context = establish();
    SCARDHANDLE card = connect_shared(context);
    SCARDHANDLE watcher = connect_shared(context);
    BYTE response[64];
    DWORD length;
    DWORD state = 0;

    LONG rv = SCardDisconnect(card, 9);
    check("disconnect.bad_disposition", "%s", rv_name(rv));
    rv = SCardStatus(card, NULL, NULL, &state, NULL, NULL, NULL);
    check("disconnect.handle_kept_after_bad_disposition", "%s", rv_name(rv));

    check("disconnect.leave", "%s", rv_name(SCardDisconnect(card, SCARD_LEAVE_CARD)));
    check("disconnect.twice", "%s", rv_name(SCardDisconnect(card, SCARD_LEAVE_CARD)));
    check("disconnect.zero", "%s", rv_name(SCardDisconnect(0, SCARD_LEAVE_CARD)));

    card = connect_shared(context);
    check("disconnect.reset", "%s", rv_name(SCardDisconnect(card, SCARD_RESET_CARD)));
    rv = transmit(watcher, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("disconnect.reset_other_handle_transmit", "%s", rv_name(rv));
    SCardReconnect(watcher, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &state);

    card = connect_shared(context);
    check("disconnect.unpower", "%s", rv_name(SCardDisconnect(card, SCARD_UNPOWER_CARD)));
    rv = transmit(watcher, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("disconnect.unpower_other_handle_transmit", "%s", rv_name(rv));
    SCardReconnect(watcher, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &state);

    card = connect_shared(context);
    check("disconnect.eject", "%s", rv_name(SCardDisconnect(card, SCARD_EJECT_CARD)));

    check("disconnect.last_handle", "%s", rv_name(SCardDisconnect(watcher, SCARD_LEAVE_CARD)));
    release(context);
}

/* ------------------------------------------------------------------------------------ */
/* Transactions                                                                         */
/* ------------------------------------------------------------------------------------ */

/* Runs `function` on `card` in the background, sleeps, runs `unblock` and reports. */
static void check_blocked_call(const char *name, LONG (*function)(struct background_call *), SCARDHANDLE card,
                               void (*unblock)(void *), void *unblock_argument)
{
    struct background_call call = {.card = card};

    background_start(&call, function);
    sleep_ms(500);
    bool blocked = !background_finished(&call);
    unblock(unblock_argument);
    LONG rv = background_join(&call);
    check(name, "%s blocked=%s", rv_name(rv), yes_no(blocked));
}

static void end_transaction_leave(void *argument)
{
    SCardEndTransaction(*(SCARDHANDLE *)argument, SCARD_LEAVE_CARD);
}

static void disconnect_leave(void *argument)
{
    SCardDisconnect(*(SCARDHANDLE *)argument, SCARD_LEAVE_CARD);
}

static void kill_helper(void *argument)
{
    helper_kill(argument);
}

static void check_transactions(void)
{
    SCARDCONTEXT context = establish();
    SCARDCONTEXT other = establish();
    SCARDHANDLE card = connect_shared(context);
    SCARDHANDLE blocked = connect_shared(other);
    BYTE response[300];
    DWORD length;

    check("transaction.begin", "%s", rv_name(SCardBeginTransaction(card)));
    check("transaction.begin_nested", "%s", rv_name(SCardBeginTransaction(card)));
    check("transaction.end_bad_disposition", "%s", rv_name(SCardEndTransaction(card, 9)));
    check("transaction.end_nested", "%s", rv_name(SCardEndTransaction(card, SCARD_LEAVE_CARD)));
    check("transaction.end", "%s", rv_name(SCardEndTransaction(card, SCARD_LEAVE_CARD)));
    check("transaction.end_extra", "%s", rv_name(SCardEndTransaction(card, SCARD_LEAVE_CARD)));
    check("transaction.begin_bad_handle", "%s", rv_name(SCardBeginTransaction(card ^ 0x5A5A5A5)));
    check("transaction.end_bad_handle", "%s", rv_name(SCardEndTransaction(card ^ 0x5A5A5A5, SCARD_LEAVE_CARD)));

    SCardBeginTransaction(card);
    check_blocked_call("transaction.other_context_begin_waits", call_begin_transaction, blocked, end_transaction_leave,
                       &card);
    SCardEndTransaction(blocked, SCARD_LEAVE_CARD);

    SCardBeginTransaction(card);
    check_blocked_call("transaction.other_context_transmit_waits", call_transmit_challenge, blocked,
                       end_transaction_leave, &card);

    SCardBeginTransaction(card);
    length = MAX_BUFFER_SIZE;
    LONG rv = SCardGetAttrib(blocked, SCARD_ATTR_ATR_STRING, response, &length);
    check("transaction.other_context_get_attrib", "%s", rv_name(rv));
    rv = SCardEndTransaction(blocked, SCARD_UNPOWER_CARD);
    check("transaction.other_end_unpower_while_held", "%s", rv_name(rv));
    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("transaction.holder_not_reset", "%s", rv_name(rv));
    check("transaction.end_reset", "%s", rv_name(SCardEndTransaction(card, SCARD_RESET_CARD)));
    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("transaction.end_reset_own_handle", "%s", rv_name(rv));
    rv = transmit(blocked, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("transaction.end_reset_other_handle", "%s", rv_name(rv));
    DWORD protocol;
    SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    SCardReconnect(blocked, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);

    /* The holder disconnects: the waiting Begin gets the lock. */
    SCardBeginTransaction(card);
    check_blocked_call("transaction.released_by_disconnect", call_begin_transaction, blocked, disconnect_leave, &card);
    SCardEndTransaction(blocked, SCARD_LEAVE_CARD);

    /* The holder is another process that dies inside its transaction. */
    struct helper helper;
    bool started = helper_start(&helper, "hold-transaction", NULL);
    check("transaction.helper_holds_lock", "%s", yes_no(started && helper.card != 0));
    check_blocked_call("transaction.released_by_process_death", call_begin_transaction, blocked, kill_helper, &helper);
    rv = transmit(blocked, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    check("transaction.after_process_death_transmit", "%s", rv_name(rv));
    rv = SCardEndTransaction(blocked, SCARD_LEAVE_CARD);
    check("transaction.after_process_death_end", "%s", rv_name(rv));

    disconnect(blocked);
    release(context);
    release(other);
}

/* ------------------------------------------------------------------------------------ */
/* Status                                                                               */
/* ------------------------------------------------------------------------------------ */

static void check_status(void)
{
    SCARDCONTEXT context = establish();
    SCARDHANDLE card = connect_shared(context);
    char name[MAX_READERNAME + 8];
    BYTE atr[MAX_ATR_SIZE + 8];
    DWORD name_length = sizeof name;
    DWORD atr_length = sizeof atr;
    DWORD state = 0;
    DWORD protocol = 0;

    LONG rv = SCardStatus(card, name, &name_length, &state, &protocol, atr, &atr_length);
    check("status.success", "%s", rv_name(rv));
    check("status.state", "flags=0x%lX", STATE_FLAGS(state));
    check("status.event_counter", "%lu", STATE_COUNTER(state));
    check("status.protocol", "%s", protocol_name(protocol));
    check("status.atr", "length=%lu value=%s", (unsigned long)atr_length, hex(atr, atr_length));
    check("status.reader_name", "matches=%s length_ok=%s", yes_no(strcmp(name, reader_name) == 0),
          yes_no(name_length == strlen(reader_name) + 1));
    DWORD initial_counter = STATE_COUNTER(state);

    name_length = 0;
    atr_length = 0;
    rv = SCardStatus(card, NULL, &name_length, &state, &protocol, NULL, &atr_length);
    check("status.null_buffers", "%s name_length_ok=%s atr_length=%lu", rv_name(rv),
          yes_no(name_length == strlen(reader_name) + 1), (unsigned long)atr_length);

    rv = SCardStatus(card, NULL, NULL, NULL, NULL, NULL, NULL);
    check("status.all_null", "%s", rv_name(rv));

    name_length = 5;
    atr_length = sizeof atr;
    rv = SCardStatus(card, name, &name_length, &state, &protocol, atr, &atr_length);
    check("status.small_name_buffer", "%s name_length_ok=%s", rv_name(rv),
          yes_no(name_length == strlen(reader_name) + 1));

    name_length = sizeof name;
    atr_length = 4;
    rv = SCardStatus(card, name, &name_length, &state, &protocol, atr, &atr_length);
    check("status.small_atr_buffer", "%s atr_length=%lu", rv_name(rv), (unsigned long)atr_length);

    char *allocated_name = NULL;
    name_length = SCARD_AUTOALLOCATE;
    atr_length = sizeof atr;
    rv = SCardStatus(card, (LPSTR)&allocated_name, &name_length, &state, &protocol, atr, &atr_length);
    check("status.autoallocate_name", "%s matches=%s", rv_name(rv),
          yes_no(allocated_name != NULL && strcmp(allocated_name, reader_name) == 0));
    SCardFreeMemory(context, allocated_name);

    BYTE *allocated_atr = NULL;
    atr_length = SCARD_AUTOALLOCATE;
    rv = SCardStatus(card, NULL, NULL, &state, &protocol, (LPBYTE)&allocated_atr, &atr_length);
    check("status.autoallocate_atr", "%s matches=%s", rv_name(rv),
          yes_no(allocated_atr != NULL && atr_length == sizeof card_atr &&
                 memcmp(allocated_atr, card_atr, sizeof card_atr) == 0));
    SCardFreeMemory(context, allocated_atr);

    rv = SCardStatus(card ^ 0x5A5A5A5, NULL, NULL, &state, NULL, NULL, NULL);
    check("status.bad_handle", "%s", rv_name(rv));

    /* A reset done through another handle is reported on every call until this handle's Reconnect. */
    SCARDHANDLE other = connect_shared(context);
    SCardReconnect(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &protocol);
    name_length = sizeof name;
    atr_length = sizeof atr;
    state = 0x5A5A;
    protocol = 0x5A5A;
    rv = SCardStatus(card, name, &name_length, &state, &protocol, atr, &atr_length);
    check("status.reset_pending", "%s outputs_zero=%s", rv_name(rv),
          yes_no(state == 0 && protocol == 0 && name_length == 0 && atr_length == 0));
    rv = SCardStatus(card, NULL, NULL, &state, NULL, NULL, NULL);
    check("status.reset_pending_sticky", "%s", rv_name(rv));
    SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    rv = SCardStatus(card, NULL, NULL, &state, NULL, NULL, NULL);
    check("status.after_reconnect", "%s", rv_name(rv));
    disconnect(other);

    /* Removal: W_REMOVED_CARD until Reconnect, even after a new card is inserted. */
    remove_card();
    name_length = sizeof name;
    atr_length = sizeof atr;
    state = 0x5A5A;
    protocol = 0x5A5A;
    rv = SCardStatus(card, name, &name_length, &state, &protocol, atr, &atr_length);
    check("status.removed", "%s outputs_zero=%s", rv_name(rv),
          yes_no(state == 0 && protocol == 0 && name_length == 0 && atr_length == 0));
    insert_card();
    rv = SCardStatus(card, NULL, NULL, &state, NULL, NULL, NULL);
    check("status.removed_after_new_card", "%s", rv_name(rv));
    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &protocol);
    check("status.reconnect_after_removal", "%s", rv_name(rv));
    rv = SCardStatus(card, NULL, NULL, &state, &protocol, NULL, NULL);
    check("status.after_new_card", "%s flags=0x%lX counter_delta=%lu protocol=%s", rv_name(rv), STATE_FLAGS(state),
          STATE_COUNTER(state) - initial_counter, protocol_name(protocol));

    disconnect(card);
    release(context);
}

/* ------------------------------------------------------------------------------------ */
/* GetStatusChange                                                                      */
/* ------------------------------------------------------------------------------------ */

static LONG status_change(SCARDCONTEXT context, const char *name, DWORD current, DWORD timeout,
                          SCARD_READERSTATE *result)
{
    memset(result, 0, sizeof *result);
    result->szReader = name;
    result->dwCurrentState = current;
    return SCardGetStatusChange(context, timeout, result, 1);
}

static void check_status_change_arguments(SCARDCONTEXT context)
{
    SCARD_READERSTATE states[PCSCLITE_MAX_READERS_CONTEXTS + 1];
    LONG rv;

    rv = SCardGetStatusChange(context, 0, NULL, 0);
    check("gsc.zero_readers", "%s", rv_name(rv));
    rv = SCardGetStatusChange(context, 0, NULL, 1);
    check("gsc.null_states", "%s", rv_name(rv));

    memset(states, 0, sizeof states);
    rv = SCardGetStatusChange(context, 0, states, 1);
    check("gsc.null_reader_name", "%s", rv_name(rv));

    states[0].szReader = reader_name;
    states[0].dwCurrentState = SCARD_STATE_IGNORE;
    rv = SCardGetStatusChange(context, 0, states, 1);
    check("gsc.all_ignored", "%s", rv_name(rv));

    rv = status_change(context ^ 0x5A5A5A5, reader_name, SCARD_STATE_UNAWARE, 0, &states[0]);
    check("gsc.bad_context", "%s", rv_name(rv));

    rv = status_change(context, "No Such Reader 00 00", SCARD_STATE_UNAWARE, 0, &states[0]);
    check("gsc.unknown_reader", "%s", rv_name(rv));

    memset(states, 0, sizeof states);
    states[0].szReader = reader_name;
    states[1].szReader = "No Such Reader 00 00";
    rv = SCardGetStatusChange(context, 0, states, 2);
    check("gsc.known_and_unknown_reader", "%s", rv_name(rv));

    memset(states, 0, sizeof states);
    for (size_t i = 0; i < PCSCLITE_MAX_READERS_CONTEXTS + 1; i++)
        states[i].szReader = reader_name;
    rv = SCardGetStatusChange(context, 0, states, PCSCLITE_MAX_READERS_CONTEXTS + 1);
    check("gsc.seventeen_entries", "%s", rv_name(rv));
}

static void check_status_change_states(SCARDCONTEXT context)
{
    SCARD_READERSTATE state;
    LONG rv;

    rv = status_change(context, reader_name, SCARD_STATE_UNAWARE, 0, &state);
    check("gsc.unaware", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));
    check("gsc.unaware_atr", "length=%lu matches=%s", (unsigned long)state.cbAtr,
          yes_no(state.cbAtr == sizeof card_atr && memcmp(state.rgbAtr, card_atr, sizeof card_atr) == 0));
    DWORD known = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    check("gsc.event_counter", "%lu", STATE_COUNTER(known));

    long long start = now_ms();
    rv = status_change(context, reader_name, known, 0, &state);
    check("gsc.timeout_zero", "%s flags=0x%lX prompt=%s", rv_name(rv), STATE_FLAGS(state.dwEventState),
          yes_no(now_ms() - start < 300));

    start = now_ms();
    rv = status_change(context, reader_name, known, 400, &state);
    long long elapsed = now_ms() - start;
    check("gsc.timeout_400ms", "%s waited=%s", rv_name(rv), yes_no(elapsed >= 350 && elapsed < 2000));

    rv = status_change(context, reader_name, known & 0xFFFF, 0, &state);
    check("gsc.current_without_counter", "%s", rv_name(rv));

    rv = status_change(context, reader_name, known + 0x10000, 0, &state);
    check("gsc.current_with_other_counter", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    rv = status_change(context, reader_name, SCARD_STATE_EMPTY, 0, &state);
    check("gsc.current_empty_card_present", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    rv = status_change(context, reader_name, SCARD_STATE_UNKNOWN, 0, &state);
    check("gsc.current_unknown", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    rv = status_change(context, reader_name, SCARD_STATE_UNAVAILABLE | SCARD_STATE_PRESENT, 0, &state);
    check("gsc.current_unavailable", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    rv = status_change(context, reader_name, SCARD_STATE_PRESENT | SCARD_STATE_MUTE, 0, &state);
    check("gsc.current_mute", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    rv = status_change(context, reader_name, SCARD_STATE_PRESENT | SCARD_STATE_INUSE, 0, &state);
    check("gsc.current_inuse_while_idle", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));
}

static void check_status_change_sharing(SCARDCONTEXT context)
{
    SCARDCONTEXT other = establish();
    SCARD_READERSTATE state;
    DWORD idle = current_reader_state();

    SCARDHANDLE card = connect_shared(other);
    DWORD seen = wait_for_reader_state(SCARD_STATE_INUSE, 0);
    LONG rv = status_change(context, reader_name, idle, 0, &state);
    check("gsc.shared_connection", "%s flags=0x%lX monitor=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState),
          STATE_FLAGS(seen));
    disconnect(card);
    seen = wait_for_reader_state(0, SCARD_STATE_INUSE);
    rv = status_change(context, reader_name, idle | SCARD_STATE_INUSE, 0, &state);
    check("gsc.shared_connection_closed", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    card = connect_card(other, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T1, NULL, NULL);
    seen = wait_for_reader_state(SCARD_STATE_EXCLUSIVE, 0);
    rv = status_change(context, reader_name, idle, 0, &state);
    check("gsc.exclusive_connection", "%s flags=0x%lX monitor=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState),
          STATE_FLAGS(seen));
    rv = status_change(context, reader_name, idle | SCARD_STATE_INUSE, 0, &state);
    check("gsc.exclusive_after_inuse", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));
    disconnect(card);
    wait_for_reader_state(0, SCARD_STATE_EXCLUSIVE);

    card = connect_card(other, SCARD_SHARE_DIRECT, 0, NULL, NULL);
    seen = wait_for_reader_state(SCARD_STATE_INUSE, 0);
    check("gsc.direct_connection", "flags=0x%lX", STATE_FLAGS(seen));
    disconnect(card);
    wait_for_reader_state(0, SCARD_STATE_INUSE);
    release(other);
}

/* Removal, insertion and the mute card, each seen by a waiting GetStatusChange. */
static void check_status_change_events(SCARDCONTEXT context)
{
    struct background_call call;
    DWORD before = current_reader_state();

    background_wait_reader(&call, context, before, INFINITE);
    sleep_ms(200);
    control_request("remove", NULL);
    LONG rv = background_join(&call);
    DWORD event = call.states[0].dwEventState;
    check("gsc.infinite_removal", "%s flags=0x%lX counter_delta=%lu atr_length=%lu", rv_name(rv), STATE_FLAGS(event),
          STATE_COUNTER(event) - STATE_COUNTER(before), (unsigned long)call.states[0].cbAtr);
    wait_for_reader_state(SCARD_STATE_EMPTY, SCARD_STATE_PRESENT);

    SCARD_READERSTATE state;
    DWORD empty = current_reader_state();
    rv = status_change(context, reader_name, empty, 0, &state);
    check("gsc.empty_no_change", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));

    SCARDCONTEXT other = establish();
    SCARDHANDLE card = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &rv, NULL);
    check("gsc.connect_without_card", "%s", rv_name(rv));
    disconnect(card);
    DWORD protocol = 0x5A5A;
    card = connect_card(other, SCARD_SHARE_DIRECT, 0, &rv, &protocol);
    check("gsc.direct_without_card", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    disconnect(card);

    background_wait_reader(&call, context, empty, 5000);
    sleep_ms(200);
    control_request("insert", NULL);
    rv = background_join(&call);
    event = call.states[0].dwEventState;
    check("gsc.timed_insertion", "%s flags=0x%lX counter_delta=%lu atr_matches=%s", rv_name(rv), STATE_FLAGS(event),
          STATE_COUNTER(event) - STATE_COUNTER(empty),
          yes_no(call.states[0].cbAtr == sizeof card_atr &&
                 memcmp(call.states[0].rgbAtr, card_atr, sizeof card_atr) == 0));
    DWORD present = wait_for_reader_state(SCARD_STATE_PRESENT, SCARD_STATE_EMPTY);

    /* A card that does not respond to the power-up is reported MUTE. */
    control_request("fault", "mute");
    remove_card();
    control_request("insert", NULL);
    DWORD mute = wait_for_reader_state(SCARD_STATE_PRESENT | SCARD_STATE_MUTE, SCARD_STATE_EMPTY);
    rv = status_change(context, reader_name, present, 0, &state);
    check("gsc.mute_card", "%s flags=0x%lX counter_delta=%lu atr_length=%lu", rv_name(rv),
          STATE_FLAGS(state.dwEventState), STATE_COUNTER(state.dwEventState) - STATE_COUNTER(present),
          (unsigned long)state.cbAtr);
    check("gsc.mute_card_monitor", "flags=0x%lX", STATE_FLAGS(mute));
    card = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &rv, NULL);
    check("gsc.connect_mute_card", "%s", rv_name(rv));
    disconnect(card);
    card = connect_card(other, SCARD_SHARE_DIRECT, 0, &rv, NULL);
    check("gsc.direct_mute_card", "%s", rv_name(rv));
    disconnect(card);

    control_request("fault", "clear");
    remove_card();
    DWORD restored = insert_card();
    rv = status_change(context, reader_name, mute, 0, &state);
    check("gsc.card_answers_again", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));
    check("gsc.card_answers_again_monitor", "flags=0x%lX", STATE_FLAGS(restored));
    release(other);
}

static void check_status_change_pnp(SCARDCONTEXT context)
{
    SCARD_READERSTATE states[2];
    LONG rv;

    long long start = now_ms();
    rv = status_change(context, PNP_READER, SCARD_STATE_UNAWARE, 0, &states[0]);
    check("gsc.pnp_unaware_timeout_zero", "%s flags=0x%lX prompt=%s", rv_name(rv), STATE_FLAGS(states[0].dwEventState),
          yes_no(now_ms() - start < 300));

    rv = status_change(context, PNP_READER_LOWER_CASE, SCARD_STATE_UNAWARE, 0, &states[0]);
    check("gsc.pnp_lower_case", "%s", rv_name(rv));

    start = now_ms();
    rv = status_change(context, PNP_READER, SCARD_STATE_UNAWARE, 300, &states[0]);
    long long elapsed = now_ms() - start;
    check("gsc.pnp_timeout_300ms", "%s waited=%s", rv_name(rv), yes_no(elapsed >= 250 && elapsed < 2000));

    memset(states, 0, sizeof states);
    states[0].szReader = reader_name;
    states[0].dwCurrentState = SCARD_STATE_UNAWARE;
    states[1].szReader = PNP_READER;
    states[1].dwCurrentState = SCARD_STATE_UNAWARE;
    rv = SCardGetStatusChange(context, 0, states, 2);
    check("gsc.reader_and_pnp", "%s reader_flags=0x%lX pnp_flags=0x%lX", rv_name(rv),
          STATE_FLAGS(states[0].dwEventState), STATE_FLAGS(states[1].dwEventState));
}

/* Card events while another thread of the same or of another context is busy. */
static void check_status_change_concurrency(SCARDCONTEXT context)
{
    SCARDCONTEXT other = establish();
    SCARDHANDLE card = connect_shared(context);
    struct background_call call;
    DWORD known = current_reader_state();
    BYTE response[64];
    DWORD length;

    background_wait_reader(&call, context, known | SCARD_STATE_INUSE, 800);
    sleep_ms(100);
    long long start = now_ms();
    length = sizeof response;
    LONG rv = SCardListReaders(other, NULL, NULL, &length);
    bool prompt = now_ms() - start < 300;
    background_join(&call);
    check("gsc.other_context_not_blocked", "%s prompt=%s", rv_name(rv), yes_no(prompt));

    background_wait_reader(&call, context, known | SCARD_STATE_INUSE, 800);
    sleep_ms(100);
    start = now_ms();
    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                  sizeof response);
    bool waited = now_ms() - start >= 400;
    LONG wait_rv = background_join(&call);
    check("gsc.same_context_transmit_waits", "%s waited=%s wait=%s", rv_name(rv), yes_no(waited), rv_name(wait_rv));

    disconnect(card);
    wait_for_reader_state(0, SCARD_STATE_INUSE);
    release(other);
}

static void check_status_change(void)
{
    SCARDCONTEXT context = establish();

    check_status_change_arguments(context);
    check_status_change_states(context);
    check_status_change_sharing(context);
    check_status_change_events(context);
    check_status_change_pnp(context);
    check_status_change_concurrency(context);
    release(context);
}

/* ------------------------------------------------------------------------------------ */
/* Cancel                                                                               */
/* ------------------------------------------------------------------------------------ */

static void check_cancel(void)
{
    SCARDCONTEXT context = establish();
    SCARDCONTEXT other = establish();
    struct background_call call;
    DWORD known = current_reader_state();

    check("cancel.nothing_waiting", "%s", rv_name(SCardCancel(context)));
    check("cancel.bad_context", "%s", rv_name(SCardCancel(context ^ 0x5A5A5A5)));

    background_wait_reader(&call, context, known, INFINITE);
    sleep_ms(300);
    long long start = now_ms();
    LONG rv = SCardCancel(context);
    LONG wait_rv = background_join(&call);
    check("cancel.reader_wait", "cancel=%s wait=%s prompt=%s", rv_name(rv), rv_name(wait_rv),
          yes_no(now_ms() - start < 1000));

    memset(call.states, 0, sizeof call.states);
    call.context = context;
    call.states[0].szReader = PNP_READER;
    call.state_count = 1;
    call.timeout = INFINITE;
    background_start(&call, call_get_status_change);
    sleep_ms(300);
    rv = SCardCancel(context);
    wait_rv = background_join(&call);
    check("cancel.pnp_wait", "cancel=%s wait=%s", rv_name(rv), rv_name(wait_rv));

    SCARD_READERSTATE state;
    rv = status_change(context, reader_name, known, 0, &state);
    check("cancel.next_call_works", "%s", rv_name(rv));
    check("cancel.after_wait_ended", "%s", rv_name(SCardCancel(context)));

    background_wait_reader(&call, context, known, 800);
    sleep_ms(200);
    rv = SCardCancel(other);
    wait_rv = background_join(&call);
    check("cancel.other_context_only", "cancel=%s wait=%s", rv_name(rv), rv_name(wait_rv));

    /* A card event after the cancel must not leak into the next calls on the context. */
    SCARDHANDLE card = connect_shared(context);
    known = current_reader_state();
    background_wait_reader(&call, context, known, INFINITE);
    sleep_ms(300);
    rv = SCardCancel(context);
    wait_rv = background_join(&call);
    check("cancel.before_late_event", "cancel=%s wait=%s", rv_name(rv), rv_name(wait_rv));
    remove_card();
    rv = SCardStatus(card, NULL, NULL, NULL, NULL, NULL, NULL);
    check("cancel.late_event_status", "%s", rv_name(rv));
    DWORD length = 0;
    rv = SCardListReaders(context, NULL, NULL, &length);
    check("cancel.late_event_list", "%s length_ok=%s", rv_name(rv), yes_no(length == reader_list_length()));
    rv = status_change(context, reader_name, known, 0, &state);
    check("cancel.late_event_status_change", "%s flags=0x%lX", rv_name(rv), STATE_FLAGS(state.dwEventState));
    insert_card();
    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD, &length);
    check("cancel.late_event_reconnect", "%s", rv_name(rv));

    disconnect(card);
    release(context);
    release(other);
}

/* ------------------------------------------------------------------------------------ */
/* Transmit                                                                             */
/* ------------------------------------------------------------------------------------ */

static bool generated_bytes_ok(const BYTE *response, DWORD length, DWORD expected_data)
{
    if (length != expected_data + 2)
        return false;
    for (DWORD i = 0; i < expected_data; i++) {
        if (response[i] != (BYTE)i)
            return false;
    }
    return response[length - 2] == 0x90 && response[length - 1] == 0x00;
}

static void check_transmit_t1(SCARDCONTEXT context, BYTE *response)
{
    LONG rv;
    DWORD length;
    DWORD protocol = 0;
    SCARDHANDLE card = connect_shared(context);

    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &protocol);
    check("transmit.reset_for_t1", "%s protocol=%s", rv_name(rv), protocol_name(protocol));

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length, 300);
    check("transmit.t1_get_challenge", "%s length=%lu data=%s", rv_name(rv), (unsigned long)length,
          hex(response, length));

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_select_aid, sizeof apdu_select_aid, response, &length, 300);
    check("transmit.t1_select", "%s length=%lu sw=%s", rv_name(rv), (unsigned long)length,
          status_word(response, length));

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_unknown_instruction, sizeof apdu_unknown_instruction, response,
                  &length, 300);
    check("transmit.t1_unknown_instruction", "%s sw=%s", rv_name(rv), status_word(response, length));

    SCARD_IO_REQUEST receive_pci = {SCARD_PROTOCOL_T1, sizeof(SCARD_IO_REQUEST)};
    length = 300;
    rv = SCardTransmit(card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, &receive_pci, response,
                       &length);
    check("transmit.receive_pci", "%s protocol=%s length=%lu", rv_name(rv), protocol_name(receive_pci.dwProtocol),
          (unsigned long)receive_pci.cbPciLength);

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_generate_short, sizeof apdu_generate_short, response, &length, 300);
    check("transmit.short_258", "%s length=%lu data_ok=%s", rv_name(rv), (unsigned long)length,
          yes_no(generated_bytes_ok(response, length, 256)));

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_generate_short, sizeof apdu_generate_short, response, &length, 258);
    check("transmit.short_258_exact_buffer", "%s length=%lu", rv_name(rv), (unsigned long)length);

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_generate_short, sizeof apdu_generate_short, response, &length, 100);
    check("transmit.short_small_buffer", "%s length=%lu", rv_name(rv), (unsigned long)length);

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_generate_extended, sizeof apdu_generate_extended, response, &length,
                  IO_BUFFER_SIZE);
    check("transmit.extended_65538", "%s length=%lu data_ok=%s", rv_name(rv), (unsigned long)length,
          yes_no(generated_bytes_ok(response, length, 65536)));

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_generate_extended, sizeof apdu_generate_extended, response, &length,
                  65537);
    check("transmit.extended_small_buffer", "%s length=%lu", rv_name(rv), (unsigned long)length);

    /* ECHO of 4000 bytes with extended Lc and Le. */
    static BYTE echo[7 + 4000 + 2];
    memcpy(echo, (const BYTE[]){0x80, 0x10, 0x00, 0x00, 0x00, 4000 >> 8, 4000 & 0xFF}, 7);
    for (size_t i = 0; i < 4000; i++)
        echo[7 + i] = (BYTE)(i * 7);
    echo[7 + 4000] = 0x00;
    echo[7 + 4001] = 0x00;
    rv = transmit(card, SCARD_PROTOCOL_T1, echo, sizeof echo, response, &length, IO_BUFFER_SIZE);
    check("transmit.extended_echo_4000", "%s length=%lu data_ok=%s", rv_name(rv), (unsigned long)length,
          yes_no(length == 4002 && memcmp(response, echo + 7, 4000) == 0));

    length = 0xFFFFFFFFul;
    rv = SCardTransmit(card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response, &length);
    check("transmit.huge_receive_length", "%s length=%lu", rv_name(rv), (unsigned long)length);

    rv = transmit(card, SCARD_PROTOCOL_T0, apdu_get_challenge, sizeof apdu_get_challenge, response, &length, 300);
    check("transmit.t0_pci_on_t1", "%s length=%lu", rv_name(rv), (unsigned long)length);

    SCARD_IO_REQUEST odd_pci = {SCARD_PROTOCOL_T1, 8};
    length = 300;
    rv = SCardTransmit(card, &odd_pci, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response, &length);
    check("transmit.short_pci_length", "%s", rv_name(rv));

    length = 300;
    rv = SCardTransmit(card, SCARD_PCI_T1, NULL, 5, NULL, response, &length);
    check("transmit.null_send_buffer", "%s", rv_name(rv));
    rv = SCardTransmit(card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response, NULL);
    check("transmit.null_receive_length", "%s", rv_name(rv));
    length = 300;
    rv = SCardTransmit(card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, NULL, &length);
    check("transmit.null_receive_buffer", "%s", rv_name(rv));
    length = 300;
    rv = SCardTransmit(card, NULL, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response, &length);
    check("transmit.null_send_pci", "%s", rv_name(rv));
    length = 300;
    rv = SCardTransmit(card, SCARD_PCI_T1, echo, MAX_BUFFER_SIZE_EXTENDED + 1, NULL, response, &length);
    check("transmit.send_longer_than_65548", "%s", rv_name(rv));
    length = 300;
    rv = SCardTransmit(card ^ 0x5A5A5A5, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response,
                       &length);
    check("transmit.bad_handle", "%s length=%lu", rv_name(rv), (unsigned long)length);

    disconnect(card);
}

static void check_transmit_t0(SCARDCONTEXT context, BYTE *response)
{
    LONG rv;
    DWORD length;
    DWORD protocol = 0;
    SCARDHANDLE card = connect_shared(context);

    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_RESET_CARD, &protocol);
    check("transmit.reset_for_t0", "%s protocol=%s", rv_name(rv), protocol_name(protocol));

    rv = transmit(card, SCARD_PROTOCOL_T0, apdu_get_challenge, sizeof apdu_get_challenge, response, &length, 300);
    check("transmit.t0_get_challenge", "%s length=%lu data=%s", rv_name(rv), (unsigned long)length,
          hex(response, length));

    rv = transmit(card, SCARD_PROTOCOL_T0, apdu_select_aid, sizeof apdu_select_aid - 1, response, &length, 300);
    check("transmit.t0_select_case_3", "%s sw=%s", rv_name(rv), status_word(response, length));

    rv = transmit(card, SCARD_PROTOCOL_T0, apdu_get_response_fci, sizeof apdu_get_response_fci, response, &length,
                  300);
    check("transmit.t0_get_response", "%s length=%lu sw=%s", rv_name(rv), (unsigned long)length,
          status_word(response, length));

    rv = transmit(card, SCARD_PROTOCOL_T0, apdu_generate_short, sizeof apdu_generate_short, response, &length, 300);
    check("transmit.t0_short_258", "%s length=%lu data_ok=%s", rv_name(rv), (unsigned long)length,
          yes_no(generated_bytes_ok(response, length, 256)));

    rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length, 300);
    check("transmit.t1_pci_on_t0", "%s length=%lu", rv_name(rv), (unsigned long)length);

    SCARDCONTEXT other = establish();
    SCARDHANDLE second = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &rv, &protocol);
    check("transmit.t1_connect_while_t0", "%s", rv_name(rv));
    disconnect(second);
    second = connect_card(other, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &rv, &protocol);
    check("transmit.any_connect_while_t0", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    disconnect(second);
    release(other);

    rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &protocol);
    check("transmit.reset_back_to_t1", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    disconnect(card);
}

static void check_transmit_direct_and_raw(SCARDCONTEXT context, BYTE *response)
{
    LONG rv;
    DWORD length;
    DWORD protocol = 0;
    SCARDHANDLE shared = connect_shared(context);
    SCARDHANDLE direct = connect_card(context, SCARD_SHARE_DIRECT, 0, &rv, &protocol);

    rv = transmit(direct, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length, 300);
    check("transmit.direct_handle_t1", "%s length=%lu", rv_name(rv), (unsigned long)length);
    disconnect(direct);
    disconnect(shared);

    /* With no other handle open, a RAW connect sets the card's protocol to RAW. */
    SCARDHANDLE raw = connect_card(context, SCARD_SHARE_SHARED, SCARD_PROTOCOL_RAW, &rv, &protocol);
    check("transmit.raw_connect", "%s protocol=%s", rv_name(rv), protocol_name(protocol));
    rv = transmit(raw, SCARD_PROTOCOL_RAW, apdu_get_challenge, sizeof apdu_get_challenge, response, &length, 300);
    check("transmit.raw_transmit", "%s length=%lu", rv_name(rv), (unsigned long)length);
    disconnect(raw);

    /* Start again from a fresh card, so no protocol choice leaks into later checks. */
    remove_card();
    insert_card();
}

static void check_transmit(void)
{
    SCARDCONTEXT context = establish();
    BYTE *response = malloc(IO_BUFFER_SIZE);

    if (!response)
        die("out of memory");
    check_transmit_t1(context, response);
    check_transmit_t0(context, response);
    check_transmit_direct_and_raw(context, response);
    free(response);
    release(context);
}

/* ------------------------------------------------------------------------------------ */
/* Control and attributes                                                               */
/* ------------------------------------------------------------------------------------ */

/* Returns the control code of PC/SC part 10 feature `tag`, or 0 when the reader lacks it. */
static DWORD feature_control_code(SCARDHANDLE card, BYTE tag)
{
    BYTE features[256];
    DWORD length = 0;

    if (SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, features, sizeof features, &length) != SCARD_S_SUCCESS)
        return 0;
    for (DWORD offset = 0; offset + 6 <= length; offset += 6) {
        if (features[offset] == tag && features[offset + 1] == 4)
            return (DWORD)features[offset + 2] << 24 | (DWORD)features[offset + 3] << 16 |
                   (DWORD)features[offset + 4] << 8 | features[offset + 5];
    }
    return 0;
}

static void check_control(void)
{
    SCARDCONTEXT context = establish();
    SCARDHANDLE card = connect_shared(context);
    BYTE output[300];
    DWORD returned = 0x5A5A;
    LONG rv;

    rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, output, sizeof output, &returned);
    check("control.get_feature_request", "%s length=%lu value=%s", rv_name(rv), (unsigned long)returned,
          hex(output, rv == SCARD_S_SUCCESS ? returned : 0));

    returned = 0x5A5A;
    rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, output, 3, &returned);
    check("control.small_buffer", "%s length=%lu", rv_name(rv), (unsigned long)returned);

    rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, output, sizeof output, NULL);
    check("control.null_bytes_returned", "%s", rv_name(rv));

    returned = 0x5A5A;
    rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, output, 65549, &returned);
    check("control.receive_length_65549", "%s length=%lu", rv_name(rv), (unsigned long)returned);

    DWORD pin_properties = feature_control_code(card, FEATURE_IFD_PIN_PROPERTIES);
    returned = 0;
    rv = SCardControl(card, pin_properties, NULL, 0, output, sizeof output, &returned);
    check("control.ifd_pin_properties", "%s value=%s", rv_name(rv),
          hex(output, rv == SCARD_S_SUCCESS ? returned : 0));

    returned = 0x5A5A;
    rv = SCardControl(card, SCARD_CTL_CODE(1), NULL, 0, output, sizeof output, &returned);
    check("control.unknown_code", "%s length=%lu", rv_name(rv), (unsigned long)returned);

    static BYTE large[MAX_BUFFER_SIZE_EXTENDED + 1];
    rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, large, sizeof large, output, sizeof output, &returned);
    check("control.send_longer_than_65548", "%s", rv_name(rv));

    rv = SCardControl(card ^ 0x5A5A5A5, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, output, sizeof output, &returned);
    check("control.bad_handle", "%s", rv_name(rv));
    disconnect(card);

    remove_card();
    card = connect_card(context, SCARD_SHARE_DIRECT, 0, &rv, NULL);
    returned = 0;
    rv = SCardControl(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, output, sizeof output, &returned);
    check("control.direct_without_card", "%s length=%lu", rv_name(rv), (unsigned long)returned);
    disconnect(card);
    insert_card();
    release(context);
}

/* Reads attribute `id` into a 264-byte buffer. */
static LONG get_attribute(SCARDHANDLE card, DWORD id, BYTE *value, DWORD *length)
{
    *length = MAX_BUFFER_SIZE;
    return SCardGetAttrib(card, id, value, length);
}

static void check_attribute_values(SCARDHANDLE card)
{
    static const struct {
        const char *name;
        DWORD id;
        bool text;
    } attributes[] = {
        {"attrib.atr_string", SCARD_ATTR_ATR_STRING, false},
        {"attrib.vendor_name", SCARD_ATTR_VENDOR_NAME, true},
        {"attrib.vendor_ifd_version", SCARD_ATTR_VENDOR_IFD_VERSION, false},
        {"attrib.vendor_ifd_serial_no", SCARD_ATTR_VENDOR_IFD_SERIAL_NO, true},
        {"attrib.channel_id", SCARD_ATTR_CHANNEL_ID, false},
        {"attrib.maxinput", SCARD_ATTR_MAXINPUT, false},
        {"attrib.icc_presence", SCARD_ATTR_ICC_PRESENCE, false},
        {"attrib.icc_interface_status", SCARD_ATTR_ICC_INTERFACE_STATUS, false},
        {"attrib.vendor_ifd_type", SCARD_ATTR_VENDOR_IFD_TYPE, false},
        {"attrib.current_protocol_type", SCARD_ATTR_CURRENT_PROTOCOL_TYPE, false},
        {"attrib.unknown_tag", 0x00012345, false},
    };
    BYTE value[MAX_BUFFER_SIZE];
    DWORD length;

    for (size_t i = 0; i < sizeof attributes / sizeof attributes[0]; i++) {
        LONG rv = get_attribute(card, attributes[i].id, value, &length);
        DWORD shown = rv == SCARD_S_SUCCESS ? length : 0;
        if (attributes[i].text && rv == SCARD_S_SUCCESS)
            check(attributes[i].name, "%s length=%lu text=\"%.*s\"", rv_name(rv), (unsigned long)length,
                  (int)strnlen((const char *)value, shown), (const char *)value);
        else
            check(attributes[i].name, "%s length=%lu value=%s", rv_name(rv), (unsigned long)length, hex(value, shown));
    }

    /* Reader names differ between daemons, so only compare them with the listed name. */
    static const struct {
        const char *name;
        DWORD id;
    } names[] = {
        {"attrib.device_friendly_name", SCARD_ATTR_DEVICE_FRIENDLY_NAME_A},
        {"attrib.device_system_name", SCARD_ATTR_DEVICE_SYSTEM_NAME_A},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        LONG rv = get_attribute(card, names[i].id, value, &length);
        bool matches = rv == SCARD_S_SUCCESS && length == strlen(reader_name) + 1 &&
                       memcmp(value, reader_name, length) == 0;
        check(names[i].name, "%s matches_reader_name=%s", rv_name(rv), yes_no(matches));
    }

    length = 5;
    LONG rv = SCardGetAttrib(card, SCARD_ATTR_DEVICE_FRIENDLY_NAME_A, value, &length);
    check("attrib.friendly_name_small_buffer", "%s length_ok=%s", rv_name(rv),
          yes_no(length == strlen(reader_name) + 1));
}

static void check_attribute_buffers(SCARDCONTEXT context, SCARDHANDLE card)
{
    BYTE value[400];
    DWORD length = 0;

    LONG rv = SCardGetAttrib(card, SCARD_ATTR_ATR_STRING, NULL, &length);
    check("attrib.length_query", "%s length=%lu", rv_name(rv), (unsigned long)length);

    length = 4;
    rv = SCardGetAttrib(card, SCARD_ATTR_VENDOR_NAME, value, &length);
    check("attrib.small_buffer", "%s length=%lu", rv_name(rv), (unsigned long)length);

    length = 264;
    rv = SCardGetAttrib(card, SCARD_ATTR_ATR_STRING, value, &length);
    check("attrib.capacity_264", "%s length=%lu", rv_name(rv), (unsigned long)length);

    length = 300;
    rv = SCardGetAttrib(card, SCARD_ATTR_ATR_STRING, value, &length);
    check("attrib.capacity_300", "%s length=%lu", rv_name(rv), (unsigned long)length);

    BYTE *allocated = NULL;
    length = SCARD_AUTOALLOCATE;
    rv = SCardGetAttrib(card, SCARD_ATTR_ATR_STRING, (LPBYTE)&allocated, &length);
    check("attrib.autoallocate", "%s length=%lu matches=%s", rv_name(rv), (unsigned long)length,
          yes_no(allocated != NULL && length == sizeof card_atr && memcmp(allocated, card_atr, sizeof card_atr) == 0));
    check("attrib.autoallocate_free", "%s", rv_name(SCardFreeMemory(context, allocated)));

    rv = SCardGetAttrib(card, SCARD_ATTR_ATR_STRING, value, NULL);
    check("attrib.null_length", "%s", rv_name(rv));

    length = sizeof value;
    rv = SCardGetAttrib(card ^ 0x5A5A5A5, SCARD_ATTR_ATR_STRING, value, &length);
    check("attrib.bad_handle", "%s", rv_name(rv));

    const BYTE name[] = "x";
    rv = SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, name, sizeof name);
    check("setattrib.vendor_name", "%s", rv_name(rv));
    rv = SCardSetAttrib(card, 0x00012345, name, sizeof name);
    check("setattrib.unknown_tag", "%s", rv_name(rv));
    rv = SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, NULL, 1);
    check("setattrib.null_value", "%s", rv_name(rv));
    rv = SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, name, 0);
    check("setattrib.zero_length", "%s", rv_name(rv));
    rv = SCardSetAttrib(card, SCARD_ATTR_VENDOR_NAME, value, 265);
    check("setattrib.length_265", "%s", rv_name(rv));
    rv = SCardSetAttrib(card ^ 0x5A5A5A5, SCARD_ATTR_VENDOR_NAME, name, sizeof name);
    check("setattrib.bad_handle", "%s", rv_name(rv));
}

static void check_attributes(void)
{
    SCARDCONTEXT context = establish();
    SCARDHANDLE card = connect_shared(context);

    check_attribute_values(card);
    check_attribute_buffers(context, card);
    disconnect(card);

    remove_card();
    BYTE value[MAX_BUFFER_SIZE];
    DWORD length;
    LONG rv;
    card = connect_card(context, SCARD_SHARE_DIRECT, 0, &rv, NULL);
    rv = get_attribute(card, SCARD_ATTR_ICC_PRESENCE, value, &length);
    check("attrib.icc_presence_without_card", "%s value=%s", rv_name(rv),
          hex(value, rv == SCARD_S_SUCCESS ? length : 0));
    rv = get_attribute(card, SCARD_ATTR_ATR_STRING, value, &length);
    check("attrib.atr_without_card", "%s length=%lu", rv_name(rv), (unsigned long)length);
    disconnect(card);
    insert_card();
    release(context);
}

/* ------------------------------------------------------------------------------------ */
/* Isolation, threads, fork                                                             */
/* ------------------------------------------------------------------------------------ */

static void check_isolation(void)
{
    struct helper helper;
    bool started = helper_start(&helper, "hold-card", NULL);
    BYTE response[64];
    DWORD length = sizeof response;

    check("isolation.helper_connected", "%s", yes_no(started && helper.card != 0));
    check("isolation.foreign_context_is_valid", "%s", rv_name(SCardIsValidContext(helper.context)));
    check("isolation.foreign_context_list", "%s", rv_name(SCardListReaders(helper.context, NULL, NULL, &length)));
    check("isolation.foreign_context_cancel", "%s", rv_name(SCardCancel(helper.context)));
    check("isolation.foreign_card_status",
          "%s", rv_name(SCardStatus(helper.card, NULL, NULL, NULL, NULL, NULL, NULL)));
    length = sizeof response;
    LONG rv = SCardTransmit(helper.card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response,
                            &length);
    check("isolation.foreign_card_transmit", "%s", rv_name(rv));
    check("isolation.foreign_card_disconnect", "%s", rv_name(SCardDisconnect(helper.card, SCARD_LEAVE_CARD)));
    helper_kill(&helper);

    SCARDCONTEXT context = establish();
    SCARDHANDLE card = connect_shared(context);
    release(context);
    check("isolation.card_of_released_context", "%s", rv_name(SCardStatus(card, NULL, NULL, NULL, NULL, NULL, NULL)));
    check("isolation.made_up_card", "%s", rv_name(SCardStatus(0x12345, NULL, NULL, NULL, NULL, NULL, NULL)));
}

#define THREAD_COUNT 8
#define THREAD_ROUNDS 20

struct worker {
    pthread_t thread;
    SCARDCONTEXT context;
    SCARDHANDLE shared_card;
    int errors;
};

static void *worker_main(void *argument)
{
    struct worker *worker = argument;
    BYTE response[64];
    DWORD length;
    DWORD state;

    for (int round = 0; round < THREAD_ROUNDS; round++) {
        SCARDHANDLE own = connect_shared(worker->context);
        if (own == 0)
            worker->errors++;
        if (transmit(own, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                     sizeof response) != SCARD_S_SUCCESS || length != 10)
            worker->errors++;
        if (transmit(worker->shared_card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response,
                     &length, sizeof response) != SCARD_S_SUCCESS)
            worker->errors++;
        if (SCardStatus(own, NULL, NULL, &state, NULL, NULL, NULL) != SCARD_S_SUCCESS)
            worker->errors++;
        if (SCardDisconnect(own, SCARD_LEAVE_CARD) != SCARD_S_SUCCESS)
            worker->errors++;
    }
    return NULL;
}

static void *establish_release_main(void *argument)
{
    int *errors = argument;
    for (int round = 0; round < 5; round++) {
        SCARDCONTEXT context = 0;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context) != SCARD_S_SUCCESS)
            (*errors)++;
        else if (SCardReleaseContext(context) != SCARD_S_SUCCESS)
            (*errors)++;
    }
    return NULL;
}

static void check_threads(void)
{
    SCARDCONTEXT context = establish();
    SCARDHANDLE shared_card = connect_shared(context);
    struct worker workers[THREAD_COUNT];
    int errors = 0;

    for (int i = 0; i < THREAD_COUNT; i++) {
        workers[i] = (struct worker){.context = context, .shared_card = shared_card};
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }
    for (int i = 0; i < THREAD_COUNT; i++) {
        pthread_join(workers[i].thread, NULL);
        errors += workers[i].errors;
    }
    check("threads.shared_context_calls", "errors=%d", errors);
    disconnect(shared_card);
    release(context);

    pthread_t threads[16];
    int thread_errors[16] = {0};
    for (int i = 0; i < 16; i++)
        pthread_create(&threads[i], NULL, establish_release_main, &thread_errors[i]);
    errors = 0;
    for (int i = 0; i < 16; i++) {
        pthread_join(threads[i], NULL);
        errors += thread_errors[i];
    }
    check("threads.establish_release", "errors=%d", errors);
}

/* Results of the calls a forked child makes, sent back through a pipe. */
struct fork_results {
    LONG is_valid;
    LONG list;
    LONG transmit;
    LONG own_establish;
    LONG own_list;
    LONG own_release;
};

static void run_fork_child(SCARDCONTEXT context, SCARDHANDLE card, int output)
{
    struct fork_results results;
    BYTE response[64];
    DWORD length = 0;

    results.is_valid = SCardIsValidContext(context);
    results.list = SCardListReaders(context, NULL, NULL, &length);
    length = sizeof response;
    results.transmit = SCardTransmit(card, SCARD_PCI_T1, apdu_get_challenge, sizeof apdu_get_challenge, NULL, response,
                                     &length);

    SCARDCONTEXT own = 0;
    results.own_establish = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &own);
    length = 0;
    results.own_list = SCardListReaders(own, NULL, NULL, &length);
    results.own_release = SCardReleaseContext(own);

    if (write(output, &results, sizeof results) != (ssize_t)sizeof results)
        _exit(1);
    _exit(0);
}

static void check_fork(void)
{
    SCARDCONTEXT context = establish();
    SCARDHANDLE card = connect_shared(context);
    struct fork_results results;
    int pipe_fds[2];

    memset(&results, 0xFF, sizeof results);
    if (pipe(pipe_fds) != 0)
        die("pipe failed: %s", strerror(errno));
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        die("fork failed: %s", strerror(errno));
    if (child == 0) {
        close(pipe_fds[0]);
        run_fork_child(context, card, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    ssize_t count = read(pipe_fds[0], &results, sizeof results);
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);

    check("fork.child_exited", "%s", yes_no(count == (ssize_t)sizeof results && WIFEXITED(status) &&
                                            WEXITSTATUS(status) == 0));
    check("fork.child_parent_context_is_valid", "%s", rv_name(results.is_valid));
    check("fork.child_parent_context_list", "%s", rv_name(results.list));
    check("fork.child_parent_card_transmit", "%s", rv_name(results.transmit));
    check("fork.child_own_context", "establish=%s list=%s release=%s", rv_name(results.own_establish),
          rv_name(results.own_list), rv_name(results.own_release));

    BYTE response[64];
    DWORD length = 0;
    check("fork.parent_list_after_child", "%s", rv_name(SCardListReaders(context, NULL, NULL, &length)));
    LONG rv = transmit(card, SCARD_PROTOCOL_T1, apdu_get_challenge, sizeof apdu_get_challenge, response, &length,
                       sizeof response);
    check("fork.parent_transmit_after_child", "%s", rv_name(rv));
    disconnect(card);
    check("fork.parent_release", "%s", rv_name(SCardReleaseContext(context)));
}

/* ------------------------------------------------------------------------------------ */
/* Main                                                                                 */
/* ------------------------------------------------------------------------------------ */

static void parse_arguments(int argc, char **argv)
{
    control_path = getenv("CONFORMANCE_CONTROL");
    const char *reader = getenv("CONFORMANCE_READER");
    control_reader = reader ? atoi(reader) : 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
            control_path = argv[++i];
        else if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc)
            control_reader = atoi(argv[++i]);
        else
            die("unknown argument '%s'; usage: conformance [--control SOCKET] [--reader N]", argv[i]);
    }
    if (!control_path)
        die("no control socket: pass --control SOCKET or set CONFORMANCE_CONTROL");
}

/* Finds the only reader of the daemon and checks that its card is present. */
static void discover_reader(void)
{
    char readers[1024];
    DWORD length = sizeof readers;

    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &monitor_context) != SCARD_S_SUCCESS)
        die("cannot establish a context: is pcscd running on $PCSCLITE_CSOCK_NAME?");
    LONG rv = SCardListReaders(monitor_context, NULL, readers, &length);
    if (rv != SCARD_S_SUCCESS)
        die("SCardListReaders failed: %s", rv_name(rv));
    if (strlen(readers) + 2 != length)
        die("the daemon must list exactly one reader (list length %lu)", (unsigned long)length);
    if (strlen(readers) >= sizeof reader_name)
        die("reader name longer than %d bytes", MAX_READERNAME);
    memcpy(reader_name, readers, strlen(readers) + 1);

    DWORD state = wait_for_reader_state(SCARD_STATE_PRESENT, SCARD_STATE_MUTE);
    if ((state & SCARD_STATE_PRESENT) == 0)
        die("no card in the reader (state 0x%lX)", (unsigned long)state);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 4 && strcmp(argv[1], "--helper") == 0)
        return run_helper(argv[2], argv[3]);

    parse_arguments(argc, argv);
    ssize_t size = readlink("/proc/self/exe", program_path, sizeof program_path - 1);
    if (size <= 0)
        die("cannot read /proc/self/exe: %s", strerror(errno));
    program_path[size] = '\0';

    discover_reader();
    check("setup.reader_count", "1");

    check_contexts();
    check_reader_list();
    check_reader_groups();
    check_status();
    check_connect();
    check_reconnect();
    check_disconnect();
    check_transactions();
    check_status_change();
    check_cancel();
    check_transmit();
    check_control();
    check_attributes();
    check_isolation();
    check_threads();
    check_fork();

    SCardReleaseContext(monitor_context);
    return 0;
}
