/*
 * Checks the emulated CCID readers of ccid_harness.py through plain libusb-1.0.
 *
 * Run it under the harness (check-harness.sh builds and runs it). For every CCID reader
 * it finds, it claims the interface and checks GetSlotStatus, IccPowerOn, SetParameters,
 * Escape, XfrBlock at the reader's exchange level (T=1 with chaining, WTX and a damaged
 * block for TPDU readers, chaining in both directions for extended APDU readers), card
 * removal and insertion on the interrupt endpoint, a bulk read that times out, a second
 * claim that must fail with LIBUSB_ERROR_BUSY, an unplug during a transfer, re-plugging
 * with hotplug events, and an unplug while an interrupt transfer is pending.
 *
 * Output is one line per check ("ok - ..." or "not ok - ..."); the exit status is 1 if
 * any check failed. Timings are printed as "# timing ..." lines.
 *
 * With --idle SECONDS it only keeps an interrupt transfer pending on the first reader for
 * that long, for measuring the CPU time the emulation costs while a program waits.
 */
#include <libusb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BULK_OUT 0x01
#define BULK_IN 0x82
#define INTERRUPT_IN 0x83
#define TIMEOUT_MS 2000
#define MAX_MESSAGE 65546

enum level { LEVEL_TPDU, LEVEL_SHORT, LEVEL_EXTENDED };

struct reader {
    libusb_device_handle *handle;
    int id;
    enum level level;
    uint8_t sequence;
    /* T=1 state of the host side (TPDU readers only). */
    uint8_t send_sequence, receive_sequence;
};

static libusb_context *context;
static int failures;

static void check(int condition, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    printf(condition ? "ok - " : "not ok - ");
    vprintf(format, arguments);
    printf("\n");
    va_end(arguments);
    fflush(stdout);
    if (!condition)
        failures++;
}

static double now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

/* Sends one line to the harness's control socket; returns 0 when the reply starts with
 * "ok". The reply (without newline) is copied to `reply` when it is not NULL. */
static int harness(char *reply, size_t reply_size, const char *format, ...)
{
    const char *path = getenv("CCID_HARNESS_CONTROL");
    char line[256], answer[512];
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    va_list arguments;
    size_t used = 0;
    int fd;

    if (!path) {
        fprintf(stderr, "probe: CCID_HARNESS_CONTROL is not set; run under ccid_harness.py\n");
        exit(2);
    }
    va_start(arguments, format);
    vsnprintf(line, sizeof line - 1, format, arguments);
    va_end(arguments);
    strcat(line, "\n");

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("probe: connect to the harness control socket");
        exit(2);
    }
    if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
        perror("probe: write to the harness control socket");
        exit(2);
    }
    while (used < sizeof answer - 1) {
        ssize_t count = read(fd, answer + used, sizeof answer - 1 - used);
        if (count <= 0)
            break;
        used += count;
        if (answer[used - 1] == '\n')
            break;
    }
    close(fd);
    answer[used] = 0;
    answer[strcspn(answer, "\n")] = 0;
    if (reply)
        snprintf(reply, reply_size, "%s", answer);
    return strncmp(answer, "ok", 2) == 0 ? 0 : -1;
}

/* CCID messages */

static int write_message(struct reader *reader, uint8_t type, uint8_t byte7, uint16_t level,
                         const uint8_t *payload, uint32_t length, uint8_t *sequence_out)
{
    static uint8_t message[10 + MAX_MESSAGE];
    int written = 0;

    message[0] = type;
    message[1] = length;
    message[2] = length >> 8;
    message[3] = length >> 16;
    message[4] = length >> 24;
    message[5] = 0;
    message[6] = reader->sequence;
    message[7] = byte7;
    message[8] = level;
    message[9] = level >> 8;
    if (length)
        memcpy(message + 10, payload, length);
    *sequence_out = reader->sequence++;
    return libusb_bulk_transfer(reader->handle, BULK_OUT, message, 10 + length, &written, TIMEOUT_MS);
}

/* Reads the response to the command with `sequence`, skipping time-extension frames.
 * Returns the message length or a negative libusb error. */
static int read_message(struct reader *reader, uint8_t sequence, uint8_t *answer, int capacity, int *extensions)
{
    for (;;) {
        int received = 0;
        int result = libusb_bulk_transfer(reader->handle, BULK_IN, answer, capacity, &received, TIMEOUT_MS);
        if (result != 0)
            return result;
        if (received < 10 || answer[6] != sequence)
            return LIBUSB_ERROR_OTHER;
        if ((answer[7] & 0xC0) == 0x80) {
            if (extensions)
                (*extensions)++;
            continue;
        }
        return received;
    }
}

/* Sends a command and reads its response into `answer`, which must hold 10 + MAX_MESSAGE
 * bytes (umockdev mirrors the whole buffer a read announces). */
static int exchange(struct reader *reader, uint8_t type, uint8_t byte7, uint16_t level,
                    const uint8_t *payload, uint32_t length, uint8_t *answer, int *extensions)
{
    uint8_t sequence;
    int result = write_message(reader, type, byte7, level, payload, length, &sequence);
    if (result != 0)
        return result;
    return read_message(reader, sequence, answer, 10 + MAX_MESSAGE, extensions);
}

static uint32_t data_length(const uint8_t *message)
{
    return message[1] | message[2] << 8 | message[3] << 16 | (uint32_t)message[4] << 24;
}

/* T=1 host side, just enough for the checks: chaining both ways, WTX, retransmission of a
 * damaged block. IFSC is the card's 32, IFSD is negotiated to 254. */

static uint8_t lrc(const uint8_t *data, int length)
{
    uint8_t value = 0;
    while (length--)
        value ^= *data++;
    return value;
}

static int t1_block(struct reader *reader, uint8_t pcb, const uint8_t *inf, int length,
                    uint8_t *reply_block, int *reply_length, int *extensions)
{
    static uint8_t answer[10 + MAX_MESSAGE];
    uint8_t block[260];
    int received;

    block[0] = 0;
    block[1] = pcb;
    block[2] = length;
    memcpy(block + 3, inf, length);
    block[3 + length] = lrc(block, 3 + length);
    received = exchange(reader, 0x6F, 0, 0, block, 4 + length, answer, NULL);
    if (received < 0)
        return received;
    if (answer[7] & 0x40)
        return LIBUSB_ERROR_IO;
    *reply_length = data_length(answer);
    memcpy(reply_block, answer + 10, *reply_length);
    if (*reply_length >= 4 && (reply_block[1] & 0xC0) == 0xC0 && (reply_block[1] & 0x3F) == 0x03) {
        /* S(WTX request): send S(WTX response), then continue with the card's next block. */
        uint8_t wtx = reply_block[3];
        if (extensions)
            (*extensions)++;
        return t1_block(reader, 0xE3, &wtx, 1, reply_block, reply_length, extensions);
    }
    return 0;
}

static int t1_valid(const uint8_t *block, int length)
{
    return length >= 4 && block[2] == length - 4 && lrc(block, length - 1) == block[length - 1];
}

static int t1_transceive(struct reader *reader, const uint8_t *apdu, int length,
                         uint8_t *response, int *response_length, int *extensions, int *retransmissions)
{
    uint8_t block[260];
    int block_length, offset = 0, result, attempts = 0;

    /* Send the command in chunks of at most IFSC (32) bytes. */
    for (;;) {
        int chunk = length - offset > 32 ? 32 : length - offset;
        int more = offset + chunk < length;
        uint8_t pcb = (reader->send_sequence << 6) | (more ? 0x20 : 0);
        result = t1_block(reader, pcb, apdu + offset, chunk, block, &block_length, extensions);
        if (result != 0)
            return result;
        reader->send_sequence ^= 1;
        offset += chunk;
        if (!more)
            break;
        if (!t1_valid(block, block_length) || (block[1] & 0xC0) != 0x80)
            return LIBUSB_ERROR_OTHER;
    }

    /* Receive the response, acknowledging chained I-blocks and requesting damaged ones again. */
    *response_length = 0;
    for (;;) {
        if (!t1_valid(block, block_length)) {
            if (++attempts > 3)
                return LIBUSB_ERROR_OTHER;
            if (retransmissions)
                (*retransmissions)++;
            result = t1_block(reader, 0x80 | (reader->receive_sequence << 4) | 0x01, NULL, 0,
                              block, &block_length, extensions);
            if (result != 0)
                return result;
            continue;
        }
        if (block[1] & 0x80)
            return LIBUSB_ERROR_OTHER;
        memcpy(response + *response_length, block + 3, block[2]);
        *response_length += block[2];
        reader->receive_sequence ^= 1;
        if (!(block[1] & 0x20))
            return 0;
        result = t1_block(reader, 0x80 | (reader->receive_sequence << 4), NULL, 0, block, &block_length, extensions);
        if (result != 0)
            return result;
    }
}

/* APDU exchange at the reader's level. Returns 0 and the card's response, or a libusb
 * error, or 1 when the reader reported a failed command (bError in `*reader_error`). */
static int transmit(struct reader *reader, const uint8_t *apdu, int length, uint8_t *response,
                    int *response_length, int *extensions, int *reader_error)
{
    static uint8_t answer[10 + MAX_MESSAGE];
    int received;

    if (reader->level == LEVEL_TPDU)
        return t1_transceive(reader, apdu, length, response, response_length, extensions, NULL);

    if (reader->level == LEVEL_SHORT) {
        received = exchange(reader, 0x6F, 0, 0, apdu, length, answer, extensions);
        if (received < 0)
            return received;
        if (answer[7] & 0x40) {
            *reader_error = answer[8];
            return 1;
        }
        *response_length = data_length(answer);
        memcpy(response, answer + 10, *response_length);
        return 0;
    }

    /* Extended APDU level: 261-byte chunks with wLevelParameter 1, 3, ..., 2. */
    int offset = 0;
    while (length - offset > 261) {
        uint16_t chain = offset == 0 ? 0x0001 : 0x0003;
        received = exchange(reader, 0x6F, 0, chain, apdu + offset, 261, answer, extensions);
        if (received < 0)
            return received;
        if (data_length(answer) != 0 || (answer[7] & 0x40))
            return LIBUSB_ERROR_OTHER;
        offset += 261;
    }
    received = exchange(reader, 0x6F, 0, offset == 0 ? 0x0000 : 0x0002, apdu + offset, length - offset,
                        answer, extensions);
    *response_length = 0;
    for (;;) {
        if (received < 0)
            return received;
        if (answer[7] & 0x40) {
            *reader_error = answer[8];
            return 1;
        }
        memcpy(response + *response_length, answer + 10, data_length(answer));
        *response_length += data_length(answer);
        if (answer[9] == 0x00 || answer[9] == 0x02)
            return 0;
        received = exchange(reader, 0x6F, 0, 0x0010, NULL, 0, answer, extensions);
    }
}

/* Checks */

static const uint8_t expected_atr_start[] = { 0x3B, 0x88, 0x81, 0x31, 0x20, 0x45, 'u', 'm', 'o', 'c', 'k' };
static const uint8_t select_apdu[] = { 0x00, 0xA4, 0x04, 0x00, 0x09, 0xF0, 'u', 'm', 'o', 'c', 'k', 'd', 'e', 'v' };

static int read_interrupt(struct reader *reader, uint8_t *data, int timeout);

static void check_slot_and_power(struct reader *reader)
{
    static uint8_t answer[10 + MAX_MESSAGE];
    uint8_t notification[8];
    int received;

    received = exchange(reader, 0x65, 0, 0, NULL, 0, answer, NULL);
    if (received == 10 && (answer[7] & 0x03) == 2) {
        /* Started with ":absent": power-on must fail until the card is inserted. */
        received = exchange(reader, 0x62, 0, 0, NULL, 0, answer, NULL);
        check(received == 10 && answer[7] == 0x42 && answer[8] == 0xFE,
              "reader %d: IccPowerOn without a card fails with ICC_MUTE", reader->id);
        harness(NULL, 0, "insert %d", reader->id);
        received = read_interrupt(reader, notification, TIMEOUT_MS);
        check(received == 2 && notification[0] == 0x50 && notification[1] == 0x03,
              "reader %d: inserting the first card sends NotifySlotChange 50 03", reader->id);
    }

    received = exchange(reader, 0x65, 0, 0, NULL, 0, answer, NULL);
    check(received == 10 && answer[0] == 0x81 && (answer[7] & 0x03) == 1,
          "reader %d: GetSlotStatus reports a present, unpowered card", reader->id);

    received = exchange(reader, 0x62, 0, 0, NULL, 0, answer, NULL);
    check(received == 10 + 15 && answer[0] == 0x80 && answer[7] == 0
              && memcmp(answer + 10, expected_atr_start, sizeof expected_atr_start) == 0,
          "reader %d: IccPowerOn returns the card's ATR", reader->id);

    const uint8_t t1_parameters[] = { 0x11, 0x10, 0x00, 0x45, 0x00, 0xFE, 0x00 };
    received = exchange(reader, 0x61, 1, 0, t1_parameters, sizeof t1_parameters, answer, NULL);
    check(received == 17 && answer[0] == 0x82 && answer[9] == 1 && answer[15] == 0xFE,
          "reader %d: SetParameters T=1 is echoed", reader->id);

    received = exchange(reader, 0x61, 0, 0, t1_parameters, 5, answer, NULL);
    check(received == 10 && (answer[7] & 0x40) && answer[8] == 0x07,
          "reader %d: SetParameters T=0 fails (card is T=1 only)", reader->id);

    const uint8_t escape[] = { 0xDE, 0xAD, 0xBE, 0xEF };
    received = exchange(reader, 0x6B, 0, 0, escape, sizeof escape, answer, NULL);
    check(received == 14 && answer[0] == 0x83 && memcmp(answer + 10, escape, 4) == 0,
          "reader %d: Escape is echoed", reader->id);

    received = exchange(reader, 0x71, 1, 0, NULL, 0, answer, NULL);
    check(received == 10 && answer[0] == 0x81 && (answer[7] & 0x40) && answer[8] == 0x00,
          "reader %d: Mechanical fails with CMD_NOT_SUPPORTED", reader->id);
}

static void check_ifsd(struct reader *reader)
{
    uint8_t block[260], ifsd = 0xFE;
    int length = 0;
    int result = t1_block(reader, 0xC1, &ifsd, 1, block, &length, NULL);
    check(result == 0 && length == 5 && block[1] == 0xE1 && block[3] == 0xFE,
          "reader %d: S(IFS request 254) is answered with S(IFS response 254)", reader->id);
}

static void check_apdus(struct reader *reader)
{
    static uint8_t apdu[70000], response[70000];
    int length = 0, extensions = 0, reader_error = 0, result;

    result = transmit(reader, select_apdu, sizeof select_apdu, response, &length, NULL, &reader_error);
    check(result == 0 && length == 2 && response[0] == 0x90 && response[1] == 0x00,
          "reader %d: SELECT of the known AID returns 9000", reader->id);

    const uint8_t unknown[] = { 0x80, 0x99, 0x00, 0x00 };
    result = transmit(reader, unknown, sizeof unknown, response, &length, NULL, &reader_error);
    check(result == 0 && length == 2 && response[0] == 0x6D && response[1] == 0x00,
          "reader %d: an unknown INS returns 6D00", reader->id);

    int echo_length = reader->level == LEVEL_EXTENDED ? 1000 : 200;
    if (reader->level == LEVEL_EXTENDED) {
        apdu[0] = 0x80; apdu[1] = 0x10; apdu[2] = 0; apdu[3] = 0;
        apdu[4] = 0; apdu[5] = echo_length >> 8; apdu[6] = echo_length & 0xFF;
        for (int i = 0; i < echo_length; i++)
            apdu[7 + i] = (uint8_t)(i * 7);
        apdu[7 + echo_length] = 0; apdu[8 + echo_length] = 0;
        result = transmit(reader, apdu, 9 + echo_length, response, &length, NULL, &reader_error);
    } else {
        apdu[0] = 0x80; apdu[1] = 0x10; apdu[2] = 0; apdu[3] = 0; apdu[4] = echo_length;
        for (int i = 0; i < echo_length; i++)
            apdu[5 + i] = (uint8_t)(i * 7);
        apdu[5 + echo_length] = 0;
        result = transmit(reader, apdu, 6 + echo_length, response, &length, NULL, &reader_error);
    }
    int echoed = result == 0 && length == echo_length + 2 && response[echo_length] == 0x90;
    for (int i = 0; echoed && i < echo_length; i++)
        echoed = response[i] == (uint8_t)(i * 7);
    check(echoed, "reader %d: ECHO of %d bytes comes back intact", reader->id, echo_length);

    int generate_length = reader->level == LEVEL_EXTENDED ? 3000 : 600;
    const uint8_t generate[] = { 0x80, 0x20, generate_length >> 8, generate_length & 0xFF, 0x00, 0x00, 0x00 };
    result = transmit(reader, generate, reader->level == LEVEL_EXTENDED ? 7 : 5, response, &length, NULL, &reader_error);
    if (reader->level == LEVEL_SHORT) {
        check(result == 1 && reader_error == 0xFC,
              "reader %d: GENERATE 600 fails with XFR_OVERRUN at short APDU level", reader->id);
    } else {
        int generated = result == 0 && length == generate_length + 2;
        for (int i = 0; generated && i < generate_length; i++)
            generated = response[i] == (uint8_t)i;
        check(generated, "reader %d: GENERATE %d returns the pattern", reader->id, generate_length);
    }

    const uint8_t wait[] = { 0x80, 0x30, 0x02, 0x00 };
    extensions = 0;
    result = transmit(reader, wait, sizeof wait, response, &length, &extensions, &reader_error);
    check(result == 0 && length == 2 && response[0] == 0x90 && extensions == 2,
          "reader %d: WAIT 2 sends two waiting-time extensions, then 9000", reader->id);

    if (reader->level == LEVEL_TPDU) {
        int retransmissions = 0;
        harness(NULL, 0, "corrupt-next-block %d", reader->id);
        result = t1_transceive(reader, select_apdu, sizeof select_apdu, response, &length, NULL, &retransmissions);
        check(result == 0 && length == 2 && response[0] == 0x90 && retransmissions == 1,
              "reader %d: a block with a bad LRC is sent again after R(error)", reader->id);
    }
}

static double round_trip_milliseconds(struct reader *reader, int count)
{
    static uint8_t answer[10 + MAX_MESSAGE];
    double start = now_seconds();
    for (int i = 0; i < count; i++) {
        if (exchange(reader, 0x65, 0, 0, NULL, 0, answer, NULL) != 10)
            return -1;
    }
    return (now_seconds() - start) * 1000 / count;
}

static int read_interrupt(struct reader *reader, uint8_t *data, int timeout)
{
    int received = 0;
    int result = libusb_interrupt_transfer(reader->handle, INTERRUPT_IN, data, 8, &received, timeout);
    return result == 0 ? received : result;
}

static void check_card_movement(struct reader *reader)
{
    static uint8_t answer[10 + MAX_MESSAGE];
    uint8_t notification[8];
    int received;

    harness(NULL, 0, "remove %d", reader->id);
    received = read_interrupt(reader, notification, TIMEOUT_MS);
    check(received == 2 && notification[0] == 0x50 && notification[1] == 0x02,
          "reader %d: card removal sends NotifySlotChange 50 02", reader->id);

    received = exchange(reader, 0x65, 0, 0, NULL, 0, answer, NULL);
    check(received == 10 && (answer[7] & 0x03) == 2, "reader %d: GetSlotStatus reports no card", reader->id);

    const uint8_t block[] = { 0x00, 0x00, 0x00, 0x00 };
    received = exchange(reader, 0x6F, 0, 0, block, sizeof block, answer, NULL);
    check(received == 10 && answer[7] == 0x42 && answer[8] == 0xFE,
          "reader %d: XfrBlock without a card fails with ICC_MUTE", reader->id);

    harness(NULL, 0, "insert %d", reader->id);
    received = read_interrupt(reader, notification, TIMEOUT_MS);
    check(received == 2 && notification[0] == 0x50 && notification[1] == 0x03,
          "reader %d: card insertion sends NotifySlotChange 50 03", reader->id);

    double start = now_seconds();
    received = read_interrupt(reader, notification, 200);
    double elapsed = (now_seconds() - start) * 1000;
    check(received == LIBUSB_ERROR_TIMEOUT && elapsed >= 190 && elapsed < 1000,
          "reader %d: an interrupt read without card movement times out after 200 ms (%.0f ms)", reader->id, elapsed);

    uint8_t buffer[64];
    int count = 0;
    received = libusb_bulk_transfer(reader->handle, BULK_IN, buffer, sizeof buffer, &count, 100);
    check(received == LIBUSB_ERROR_TIMEOUT, "reader %d: a bulk read with nothing to read times out", reader->id);
}

static void check_second_claim(libusb_device *device, struct reader *reader)
{
    libusb_device_handle *second = NULL;
    int result = libusb_open(device, &second);
    if (result == 0) {
        libusb_set_auto_detach_kernel_driver(second, 1);
        result = libusb_claim_interface(second, 0);
        libusb_close(second);
    }
    check(result == LIBUSB_ERROR_BUSY, "reader %d: a second claim of the interface fails with BUSY (%s)",
          reader->id, libusb_error_name(result));
}

/* Hotplug and unplug */

/* Hotplug callbacks for one address. libusb queues hotplug messages and runs callbacks
 * from its event handling, so a callback registered just after an unplug can still see
 * that unplug: events for other addresses are ignored. */
struct hotplug_events {
    int arrivals, removals;
    uint8_t arrived_address;
    double removal_time;
};

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *device, libusb_hotplug_event event, void *user)
{
    struct hotplug_events *events = user;
    (void)ctx;
    if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
        events->arrivals++;
        events->arrived_address = libusb_get_device_address(device);
    } else if (libusb_get_device_address(device) == events->arrived_address) {
        events->removals++;
        events->removal_time = now_seconds();
    }
    return 0;
}

static void handle_events_until(int *flag, double deadline)
{
    while (!*flag && now_seconds() < deadline) {
        struct timeval timeout = { 0, 50000 };
        libusb_handle_events_timeout_completed(context, &timeout, flag);
    }
}

static void LIBUSB_CALL on_interrupt_done(struct libusb_transfer *transfer)
{
    double *done_time = transfer->user_data;
    *done_time = now_seconds();
}

static libusb_device *find_device_at_port(int port)
{
    libusb_device **list;
    libusb_device *found = NULL;
    ssize_t count = libusb_get_device_list(context, &list);
    for (ssize_t i = 0; i < count; i++) {
        uint8_t ports[8];
        if (libusb_get_port_numbers(list[i], ports, 8) == 1 && ports[0] == port)
            found = libusb_ref_device(list[i]);
    }
    libusb_free_device_list(list, 1);
    return found;
}

static int open_reader(libusb_device *device, struct reader *reader)
{
    int result = libusb_open(device, &reader->handle);
    if (result != 0)
        return result;
    libusb_set_auto_detach_kernel_driver(reader->handle, 1);
    return libusb_claim_interface(reader->handle, 0);
}

static void check_unplug_and_replug(struct reader *reader)
{
    static uint8_t answer[10 + MAX_MESSAGE];
    struct hotplug_events events = { 0 };
    libusb_hotplug_callback_handle callback;
    uint8_t sequence;
    char reply[256];
    int result;

    /* Unplug in the middle of a GetSlotStatus: the write succeeds, the read fails. */
    harness(NULL, 0, "unplug-during-next %d 100", reader->id);
    result = write_message(reader, 0x65, 0, 0, NULL, 0, &sequence);
    double start = now_seconds();
    int received = read_message(reader, sequence, answer, 10 + MAX_MESSAGE, NULL);
    double elapsed = (now_seconds() - start) * 1000;
    check(result == 0 && received == LIBUSB_ERROR_NO_DEVICE,
          "reader %d: unplug during a transfer fails the read with NO_DEVICE (%s)", reader->id,
          libusb_error_name(received));
    printf("# timing reader %d: read failed %.1f ms after the command (the harness unplugs after 100 ms)\n",
           reader->id, elapsed);
    result = write_message(reader, 0x65, 0, 0, NULL, 0, &sequence);
    check(result == LIBUSB_ERROR_NO_DEVICE, "reader %d: a write after the unplug fails with NO_DEVICE", reader->id);
    libusb_release_interface(reader->handle, 0);
    libusb_close(reader->handle);

    /* Plug it back in and watch the hotplug events. */
    result = libusb_hotplug_register_callback(context, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                                              0, 0x1209, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                                              on_hotplug, &events, &callback);
    check(result == 0, "reader %d: hotplug callback registered", reader->id);
    harness(reply, sizeof reply, "plug %d", reader->id);
    handle_events_until(&events.arrivals, now_seconds() + 3);
    check(events.arrivals == 1, "reader %d: re-plugging reports one arrival (%s)", reader->id, reply);

    libusb_device *device = find_device_at_port(reader->id + 1);
    result = device ? open_reader(device, reader) : LIBUSB_ERROR_NOT_FOUND;
    check(result == 0 && libusb_get_device_address(device) == events.arrived_address,
          "reader %d: the re-plugged reader opens at its new address %d", reader->id, events.arrived_address);
    if (device)
        libusb_unref_device(device);
    if (result != 0)
        return;
    received = exchange(reader, 0x65, 0, 0, NULL, 0, answer, NULL);
    check(received == 10, "reader %d: GetSlotStatus works after re-plugging", reader->id);

    /* Unplug while an interrupt transfer is pending: it must end with NO_DEVICE. */
    uint8_t buffer[8];
    double done_time = 0;
    struct libusb_transfer *transfer = libusb_alloc_transfer(0);
    libusb_fill_interrupt_transfer(transfer, reader->handle, INTERRUPT_IN, buffer, sizeof buffer,
                                   on_interrupt_done, &done_time, 0);
    libusb_submit_transfer(transfer);
    int waiting = 0;
    for (int i = 0; i < 50 && !waiting; i++) {
        struct timeval timeout = { 0, 10000 };
        libusb_handle_events_timeout(context, &timeout);
        waiting = harness(NULL, 0, "wait-interrupt %d 10", reader->id) == 0;
    }
    harness(reply, sizeof reply, "unplug %d", reader->id);
    double unplug_time = atof(strstr(reply, "at=") ? strstr(reply, "at=") + 3 : "0");
    int finished = 0;
    double deadline = now_seconds() + 3;
    while ((done_time == 0 || events.removals == 0) && now_seconds() < deadline) {
        struct timeval timeout = { 0, 20000 };
        libusb_handle_events_timeout_completed(context, &timeout, &finished);
    }
    check(waiting && done_time > 0 && transfer->status == LIBUSB_TRANSFER_NO_DEVICE,
          "reader %d: unplug ends a pending interrupt transfer with NO_DEVICE", reader->id);
    check(events.removals == 1, "reader %d: unplugging reports one removal (%d)", reader->id, events.removals);
    printf("# timing reader %d: unplug to interrupt transfer failure %.1f ms, to removal callback %.1f ms\n",
           reader->id, (done_time - unplug_time) * 1000, (events.removal_time - unplug_time) * 1000);
    libusb_free_transfer(transfer);
    libusb_hotplug_deregister_callback(context, callback);
    libusb_close(reader->handle);
    reader->handle = NULL;
}

static void check_reader(libusb_device *device, enum level level)
{
    struct reader reader = { .level = level };
    uint8_t ports[8];
    unsigned char text[128];
    struct libusb_device_descriptor descriptor;

    reader.id = libusb_get_port_numbers(device, ports, 8) == 1 ? ports[0] - 1 : -1;
    int result = open_reader(device, &reader);
    check(result == 0, "reader %d: open and claim interface 0 (%s)", reader.id, libusb_error_name(result));
    if (result != 0)
        return;

    libusb_get_device_descriptor(device, &descriptor);
    result = libusb_get_string_descriptor_ascii(reader.handle, descriptor.iProduct, text, sizeof text);
    check(result > 0 && strstr((char *)text, "CCID") != NULL, "reader %d: product string \"%s\"", reader.id,
          result > 0 ? (char *)text : "");

    check_slot_and_power(&reader);
    if (level == LEVEL_TPDU)
        check_ifsd(&reader);
    check_apdus(&reader);

    double milliseconds = round_trip_milliseconds(&reader, 200);
    check(milliseconds > 0, "reader %d: 200 GetSlotStatus round trips", reader.id);
    printf("# timing reader %d: one GetSlotStatus OUT+IN round trip %.3f ms (mean of 200)\n", reader.id, milliseconds);

    check_card_movement(&reader);
    check_second_claim(device, &reader);
    check_unplug_and_replug(&reader);
}

/* Returns the exchange level of the first CCID interface, or -1 if there is none. */
static int ccid_level(libusb_device *device)
{
    struct libusb_config_descriptor *config;
    int level = -1;
    if (libusb_get_active_config_descriptor(device, &config) != 0)
        return -1;
    const struct libusb_interface_descriptor *interface = &config->interface[0].altsetting[0];
    if (interface->bInterfaceClass == 0x0B && interface->extra_length == 54) {
        uint32_t features = interface->extra[40] | interface->extra[41] << 8 | interface->extra[42] << 16
                            | (uint32_t)interface->extra[43] << 24;
        switch (features & 0x70000) {
        case 0x10000: level = LEVEL_TPDU; break;
        case 0x20000: level = LEVEL_SHORT; break;
        case 0x40000: level = LEVEL_EXTENDED; break;
        }
    }
    libusb_free_config_descriptor(config);
    return level;
}

/* Keeps an interrupt transfer pending on the first reader for `seconds` while handling
 * events, the way a daemon waits for card movement. check-harness.sh measures the CPU
 * time this costs. */
static int idle(libusb_device *device, double seconds)
{
    struct reader reader = { 0 };
    uint8_t buffer[8];
    double done_time = 0;
    int result = open_reader(device, &reader);
    if (result != 0) {
        fprintf(stderr, "probe: cannot open the reader: %s\n", libusb_error_name(result));
        return 2;
    }
    struct libusb_transfer *transfer = libusb_alloc_transfer(0);
    libusb_fill_interrupt_transfer(transfer, reader.handle, INTERRUPT_IN, buffer, sizeof buffer,
                                   on_interrupt_done, &done_time, 0);
    libusb_submit_transfer(transfer);
    double deadline = now_seconds() + seconds;
    while (now_seconds() < deadline) {
        struct timeval timeout = { 0, 100000 };
        libusb_handle_events_timeout(context, &timeout);
    }
    libusb_cancel_transfer(transfer);
    while (done_time == 0) {
        struct timeval timeout = { 0, 100000 };
        libusb_handle_events_timeout(context, &timeout);
    }
    libusb_free_transfer(transfer);
    libusb_release_interface(reader.handle, 0);
    libusb_close(reader.handle);
    printf("idle for %.1f s with an interrupt transfer pending\n", seconds);
    return 0;
}

int main(int argc, char **argv)
{
    libusb_device **list;
    libusb_device *readers[16];
    int levels[16], count = 0;
    double idle_seconds = 0;

    if (argc == 3 && strcmp(argv[1], "--idle") == 0) {
        idle_seconds = atof(argv[2]);
    } else if (argc != 1) {
        fprintf(stderr, "usage: probe [--idle SECONDS]\n");
        return 2;
    }
    if (libusb_init(&context) != 0) {
        fprintf(stderr, "probe: libusb_init failed\n");
        return 2;
    }
    ssize_t devices = libusb_get_device_list(context, &list);
    for (ssize_t i = 0; i < devices && count < 16; i++) {
        int level = ccid_level(list[i]);
        if (level >= 0) {
            readers[count] = libusb_ref_device(list[i]);
            levels[count++] = level;
        }
    }
    libusb_free_device_list(list, 1);
    if (idle_seconds > 0) {
        int status = count > 0 ? idle(readers[0], idle_seconds) : 2;
        for (int i = 0; i < count; i++)
            libusb_unref_device(readers[i]);
        libusb_exit(context);
        return status;
    }
    check(libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG), "libusb reports hotplug support");
    check(count > 0, "found %d CCID reader(s)", count);

    for (int i = 0; i < count; i++) {
        check_reader(readers[i], levels[i]);
        libusb_unref_device(readers[i]);
    }
    libusb_exit(context);
    printf("# %d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
