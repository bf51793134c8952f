#!/usr/bin/python3
"""Checks of the pcsc-lite client/daemon protocol through raw UNIX sockets.

Subcommands:
  versions SOCKET CONTROL        clients announcing 4:4, 4:5, 4:6, 4:3, 5:4 and no version
                                 against our pcscd: version reply, ESTABLISH, the reader
                                 state commands 0x12-0x17, event signals, RELEASE
  robustness SOCKET CONTROL      malformed and hostile requests against our pcscd: the
                                 daemon closes only the offending connection
  library-fallback LIBRARY SOCKET
                                 a libpcsclite.so.1 (through ctypes) against a 4:4-only
                                 pcscd: Establish, then GetStatusChange as the first call

CONTROL is the virtual reader control socket; reader 0 must hold a card. The wire format
is pcsc-lite's: 32-bit little-endian fields, a request header {size, command}, replies
without a header. Prints one line per check and exits with status 1 when any check failed.
"""
import ctypes
import os
import random
import socket
import struct
import sys
import threading
import time

ESTABLISH_CONTEXT = 0x01
RELEASE_CONTEXT = 0x02
CONNECT = 0x04
DISCONNECT = 0x06
TRANSMIT = 0x09
CONTROL = 0x0A
STATUS = 0x0B
CANCEL = 0x0D
GET_ATTRIB = 0x0F
SET_ATTRIB = 0x10
VERSION = 0x11
GET_READERS_STATE = 0x12
WAIT_READER_STATE_CHANGE = 0x13
STOP_WAITING_READER_STATE_CHANGE = 0x14
GET_READER_EVENTS = 0x15
GET_READERS_STATE_SIZE = 0x16
GET_READERS_STATE_ARRAY = 0x17

SUCCESS = 0
CANCELLED = 0x80100002
INVALID_HANDLE = 0x80100003
TIMEOUT = 0x8010000A
UNKNOWN_READER = 0x80100009
SERVICE_STOPPED = 0x8010001E

READER_STATE_SIZE = 184
OLD_ARRAY_ENTRIES = 16
OLD_ARRAY_SIZE = OLD_ARRAY_ENTRIES * READER_STATE_SIZE
SHARE_SHARED = 2
PROTOCOL_T0_OR_T1 = 3

failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)
    return condition


class Closed(Exception):
    """The daemon closed the connection (end of file or reset)."""


class Connection:
    """One client connection to the daemon socket."""

    def __init__(self, path):
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.settimeout(5)
        self.socket.connect(path)

    def close(self):
        self.socket.close()

    def send(self, command, body=b"", size=None):
        header = struct.pack("<II", len(body) if size is None else size, command)
        self.socket.sendall(header + body)

    def receive(self, count, timeout=5.0):
        """Returns exactly `count` bytes; raises Closed or socket.timeout."""
        self.socket.settimeout(timeout)
        data = b""
        while len(data) < count:
            try:
                chunk = self.socket.recv(count - len(data))
            except ConnectionResetError as error:
                raise Closed(str(error)) from error
            if not chunk:
                raise Closed(f"end of file after {len(data)} of {count} bytes")
            data += chunk
        return data

    def silent_for(self, seconds=0.5):
        """Returns True when nothing arrives and the connection stays open for `seconds`."""
        self.socket.settimeout(seconds)
        try:
            self.socket.recv(1)
        except socket.timeout:
            return True
        except ConnectionResetError:
            return False
        return False

    def closed_without_reply(self, seconds=5.0):
        """Returns 'closed' when the daemon closes the connection without sending a byte,
        'replied <hex>' when bytes arrive first, 'open' when neither happens within `seconds`."""
        self.socket.settimeout(seconds)
        try:
            data = self.socket.recv(64)
        except socket.timeout:
            return "open"
        except (ConnectionResetError, BrokenPipeError):
            return "closed"
        return "closed" if data == b"" else f"replied {data.hex()}"

    def exchange(self, command, layout, *fields, size=None, extra=b""):
        body = struct.pack(layout, *fields)
        self.send(command, body + extra, size=len(body) if size is None else size)
        return struct.unpack(layout, self.receive(struct.calcsize(layout)))

    def version(self, major, minor):
        return self.exchange(VERSION, "<iiI", major, minor, 0)

    def establish(self):
        _, context, rv = self.exchange(ESTABLISH_CONTEXT, "<III", 2, 0, 0)
        return context, rv

    def release(self, context):
        return self.exchange(RELEASE_CONTEXT, "<II", context, 0)[1]

    def connect(self, context, name, share=SHARE_SHARED, protocols=PROTOCOL_T0_OR_T1):
        raw_name = name if isinstance(name, bytes) else name.encode()
        fields = self.exchange(CONNECT, "<I128sIIiII", context, raw_name.ljust(128, b"\0")[:128], share, protocols,
                               0, 0, 0)
        return fields[4], fields[6]

    def status(self, card):
        return self.exchange(STATUS, "<iI", card, 0)[1]

    def reader_states(self):
        self.send(GET_READERS_STATE)
        return parse_reader_states(self.receive(OLD_ARRAY_SIZE))


def parse_reader_states(data):
    entries = []
    for offset in range(0, len(data), READER_STATE_SIZE):
        name = data[offset:offset + 128].split(b"\0")[0].decode(errors="replace")
        counter, state, sharing = struct.unpack_from("<IIi", data, offset + 128)
        entries.append((name, counter, state, sharing))
    return entries


def control_reply(path, line):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(path)
        connection.sendall((line + "\n").encode())
        return connection.makefile("r").readline().strip()


def control(path, line):
    reply = control_reply(path, line)
    check(reply.startswith("ok"), f"control '{line}' -> '{reply}'")


def ensure_card_inserted(path):
    """Inserts the card of reader 0 when an earlier failure left the slot empty."""
    if "0.0=absent" in control_reply(path, "list"):
        control_reply(path, "insert 0")
        time.sleep(0.5)


def first_reader(path):
    connection = Connection(path)
    connection.version(4, 4)
    names = [entry[0] for entry in connection.reader_states() if entry[0]]
    connection.close()
    return names[0] if names else ""


# ---------------------------------------------------------------------------------------
# Version matrix
# ---------------------------------------------------------------------------------------

VERSIONS = [("4:4", (4, 4)), ("4:5", (4, 5)), ("4:6", (4, 6)), ("4:3", (4, 3)), ("5:4", (5, 4)),
            ("no version", None)]


def negotiate(connection, label, version):
    """Sends CMD_VERSION (if any) and returns the minor the connection works with."""
    if version is None:
        return 6

    accepted = version in ((4, 4), (4, 5), (4, 6))
    major, minor, rv = connection.version(*version)
    expected_rv = SUCCESS if accepted else SERVICE_STOPPED
    check((major, minor, rv) == (4, 6, expected_rv),
          f"{label}: version reply {{{major}, {minor}, 0x{rv:08X}}}, expected {{4, 6, 0x{expected_rv:08X}}}")
    if accepted:
        return version[1]

    # pcsc-lite 2.4.1+ clients retry on the same socket after a rejection. The daemon
    # must keep the connection open, so a retry announcing 4:4 is accepted.
    major, minor, rv = connection.version(4, 4)
    check((major, minor, rv) == (4, 6, SUCCESS), f"{label}: the retry with 4:4 on the same connection is accepted")
    return 4


def check_versions(socket_path, control_path):
    for label, version in VERSIONS:
        connection = Connection(socket_path)
        try:
            minor = negotiate(connection, label, version)
            context, rv = connection.establish()
            check(rv == SUCCESS and context != 0, f"{label}: ESTABLISH rv 0x{rv:08X}")

            states = connection.reader_states()
            names = [entry[0] for entry in states]
            check(len(states) == OLD_ARRAY_ENTRIES and names[0] != "" and all(name == "" for name in names[1:]),
                  f"{label}: 0x12 returns 16 x 184 bytes with one reader")

            connection.send(WAIT_READER_STATE_CHANGE)
            if minor <= 5:
                registered = parse_reader_states(connection.receive(OLD_ARRAY_SIZE))
                check(registered[0][0] == names[0], f"{label}: 0x13 registers and returns 2944 bytes")
            else:
                check(connection.silent_for(0.5), f"{label}: 0x13 registers without a reply")
            connection.send(STOP_WAITING_READER_STATE_CHANGE)
            stop = struct.unpack("<II", connection.receive(8))
            check(stop == (0, SUCCESS), f"{label}: 0x14 while registered replies {stop}")

            if minor >= 5:
                connection.send(GET_READER_EVENTS)
                events, rv = struct.unpack("<II", connection.receive(8))
                check(rv == SUCCESS and events >= 1, f"{label}: 0x15 replies reader events {events}, rv 0x{rv:08X}")
            if minor >= 6:
                connection.send(GET_READERS_STATE_SIZE)
                (capacity,) = struct.unpack("<i", connection.receive(4))
                check(capacity >= 16, f"{label}: 0x16 replies capacity {capacity}")
                connection.send(GET_READERS_STATE_ARRAY)
                array = parse_reader_states(connection.receive(max(capacity, 0) * READER_STATE_SIZE))
                check(array and array[0][0] == names[0], f"{label}: 0x17 returns {capacity} entries")

            check_event_signals(connection, control_path, label, minor)
            rv = connection.release(context)
            check(rv == SUCCESS, f"{label}: RELEASE rv 0x{rv:08X}")
        except (Closed, socket.timeout, OSError) as error:
            check(False, f"{label}: the exchange failed: {error!r}")
        finally:
            connection.close()
            ensure_card_inserted(control_path)


def register(connection, minor):
    connection.send(WAIT_READER_STATE_CHANGE)
    if minor <= 5:
        connection.receive(OLD_ARRAY_SIZE)


def receive_signal(connection, description):
    """Reads the 8-byte event signal; returns it, or None after a failed check."""
    try:
        signal = struct.unpack("<II", connection.receive(8))
    except socket.timeout:
        check(False, f"{description}: no signal within 5 s")
        return None
    check(signal == (0, SUCCESS), f"{description}: signal {signal}, expected (0, 0)")
    return signal


def check_event_signals(connection, control_path, label, minor):
    register(connection, minor)
    control(control_path, "remove 0")
    if receive_signal(connection, f"{label}: card removal while registered"):
        connection.send(STOP_WAITING_READER_STATE_CHANGE)
        check(connection.silent_for(0.5), f"{label}: 0x14 after the signal sends nothing")
    else:
        # Unregister so the stream stays in step, whatever the daemon does.
        connection.send(STOP_WAITING_READER_STATE_CHANGE)
        connection.receive(8)

    register(connection, minor)
    control(control_path, "insert 0")
    if not receive_signal(connection, f"{label}: card insertion while registered"):
        connection.send(STOP_WAITING_READER_STATE_CHANGE)
        connection.receive(8)
    # Let the daemon finish the power-up before the next client starts.
    time.sleep(0.5)


# ---------------------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------------------

class Witness:
    """A long-lived client whose connection must survive every other client's misdeeds."""

    def __init__(self, path):
        self.path = path
        self.connection = Connection(path)
        self.connection.version(4, 4)
        self.context, _ = self.connection.establish()

    def check_alive(self, case):
        try:
            states = self.connection.reader_states()
            alive = len(states) == OLD_ARRAY_ENTRIES and states[0][0] != ""
        except (Closed, socket.timeout, OSError):
            alive = False
        check(alive, f"{case}: another client's connection still works")

        fresh = Connection(self.path)
        try:
            fresh.version(4, 4)
            context, rv = fresh.establish()
            rv = rv or fresh.release(context)
            check(rv == SUCCESS, f"{case}: a new client still gets a context")
        except (Closed, socket.timeout, OSError) as error:
            check(False, f"{case}: a new client failed: {error!r}")
        finally:
            fresh.close()


def established_connection(path):
    connection = Connection(path)
    connection.version(4, 4)
    context, _ = connection.establish()
    return connection, context


def expect_closed(connection, case):
    outcome = connection.closed_without_reply()
    check(outcome == "closed", f"{case}: the daemon closes the connection without a reply (got: {outcome})")
    connection.close()


def check_unknown_commands(path, witness):
    for command in (0x00, 0x03, 0x0C, 0x0E, 0x18, 0xFFFFFFFF):
        case = f"unknown command 0x{command:X}"
        connection, _ = established_connection(path)
        connection.send(command)
        expect_closed(connection, case)
        witness.check_alive(case)


def check_wrong_sizes(path, witness, reader):
    cases = [
        ("ESTABLISH with size 16", ESTABLISH_CONTEXT, struct.pack("<IIII", 2, 0, 0, 0), 16),
        ("ESTABLISH with size 8", ESTABLISH_CONTEXT, struct.pack("<II", 2, 0), 8),
        ("RELEASE with size 4", RELEASE_CONTEXT, struct.pack("<I", 1), 4),
        ("CONNECT with size 151", CONNECT, b"\0" * 151, 151),
        ("VERSION with size 16", VERSION, struct.pack("<iiII", 4, 4, 0, 0), 16),
    ]
    for case, command, body, size in cases:
        connection = Connection(path)
        if command != VERSION:
            connection.version(4, 4)
        connection.send(command, body, size=size)
        expect_closed(connection, case)
        witness.check_alive(case)


def connected_card(path, reader):
    connection, context = established_connection(path)
    card, rv = connection.connect(context, reader)
    check(rv == SUCCESS, f"set-up: CONNECT rv 0x{rv:08X}")
    return connection, context, card


def check_oversized_bodies(path, witness, reader):
    connection, _, card = connected_card(path, reader)
    connection.send(TRANSMIT, struct.pack("<iIIIIIII", card, 2, 16, 70000, 2, 16, 300, 0) + b"\0" * 64)
    expect_closed(connection, "TRANSMIT with cbSendLength 70000")
    witness.check_alive("TRANSMIT with cbSendLength 70000")

    connection, _, card = connected_card(path, reader)
    connection.send(CONTROL, struct.pack("<iIIIII", card, 0x42000D48, 70000, 300, 0, 0) + b"\0" * 64)
    expect_closed(connection, "CONTROL with cbSendLength 70000")
    witness.check_alive("CONTROL with cbSendLength 70000")

    for command, name, length in ((GET_ATTRIB, "GET_ATTRIB", 1000), (SET_ATTRIB, "SET_ATTRIB", 265),
                                  (GET_ATTRIB, "GET_ATTRIB", 265)):
        case = f"{name} with cbAttrLen {length}"
        connection, _, card = connected_card(path, reader)
        connection.send(command, struct.pack("<iI264sII", card, 0x90303, b"", length, 0))
        expect_closed(connection, case)
        witness.check_alive(case)


def check_unterminated_name(path, witness):
    case = "CONNECT with 128 non-NUL name bytes"
    connection, context = established_connection(path)
    try:
        card, rv = connection.connect(context, b"R" * 128)
        check(rv == UNKNOWN_READER and card == 0, f"{case}: rv 0x{rv:08X}, hCard zero: {card == 0}")
        check(len(connection.reader_states()) == OLD_ARRAY_ENTRIES, f"{case}: the connection still works")
    except (Closed, socket.timeout, OSError) as error:
        check(False, f"{case}: failed: {error!r}")
    connection.close()
    witness.check_alive(case)


def check_double_release(path, witness, reader):
    case = "double RELEASE"
    connection, context = established_connection(path)
    try:
        check(connection.release(context) == SUCCESS, f"{case}: the first RELEASE succeeds")
        rv = connection.release(context)
        check(rv != SUCCESS, f"{case}: the second RELEASE fails with rv 0x{rv:08X}")
        rv = connection.release(0)
        check(rv != SUCCESS, f"{case}: RELEASE of context 0 fails with rv 0x{rv:08X}")
        context, rv = connection.establish()
        check(rv == SUCCESS, f"{case}: ESTABLISH on the same connection afterwards rv 0x{rv:08X}")
        card, rv = connection.connect(context, reader)
        check(rv == SUCCESS, f"{case}: CONNECT afterwards rv 0x{rv:08X}")
        _, _, rv = connection.exchange(DISCONNECT, "<iII", card, 0, 0)
        check(rv == SUCCESS, f"{case}: DISCONNECT afterwards rv 0x{rv:08X}")
        check(connection.release(context) == SUCCESS, f"{case}: the last RELEASE succeeds")
    except (Closed, socket.timeout, OSError) as error:
        check(False, f"{case}: failed: {error!r}")
    connection.close()
    witness.check_alive(case)


def check_foreign_handles(path, witness, reader):
    """Another connection's card handle gets SCARD_E_INVALID_HANDLE, and a connection that
    keeps sending such handles is closed after more than 8 of them. pcscd 1.9.9 closes the
    connection at the first one (after a 2 s sleep); this difference is deliberate and
    listed in the README."""
    owner, owner_context, card = connected_card(path, reader)

    for command, name in ((STATUS, "STATUS"), (TRANSMIT, "TRANSMIT")):
        case = f"{name} with another connection's hCard"
        intruder, _ = established_connection(path)
        try:
            if command == STATUS:
                _, rv = intruder.exchange(STATUS, "<iI", card, 0)
            else:
                fields = intruder.exchange(
                    TRANSMIT, "<iIIIIIII", card, 2, 16, 5, 2, 16, 300, 0, extra=b"\x00\x84\x00\x00\x08")
                rv = fields[-1]
            check(rv == INVALID_HANDLE, f"{case}: rv 0x{rv:08X}, expected SCARD_E_INVALID_HANDLE")
        except (Closed, socket.timeout, OSError) as error:
            check(False, f"{case}: no reply ({error!r})")
        intruder.close()
        check(owner.status(card) == SUCCESS, f"{case}: the owner's STATUS still succeeds")
        witness.check_alive(case)

    case = "repeated requests with another connection's hCard"
    intruder, _ = established_connection(path)
    replies = 0
    try:
        for _ in range(8):
            _, rv = intruder.exchange(STATUS, "<iI", card, 0)
            check(rv == INVALID_HANDLE, f"{case}: rv 0x{rv:08X}")
            replies += 1
    except (Closed, socket.timeout, OSError) as error:
        check(False, f"{case}: closed after {replies} replies ({error!r})")
    intruder.send(STATUS, struct.pack("<iI", card, 0))
    expect_closed(intruder, case + " (the 9th)")
    check(owner.status(card) == SUCCESS, f"{case}: the owner's STATUS still succeeds")
    witness.check_alive(case)

    case = "CONNECT with another connection's hContext"
    intruder, _ = established_connection(path)
    try:
        _, rv = intruder.connect(owner_context, reader)
        check(rv != SUCCESS, f"{case}: rv 0x{rv:08X}")
    except (Closed, socket.timeout, OSError) as error:
        check(True, f"{case}: the daemon closed the connection ({error!r})")
    intruder.close()
    check(owner.status(card) == SUCCESS, f"{case}: the owner's STATUS still succeeds")

    case = "STATUS after RELEASE on the same connection"
    owner.release(owner_context)
    owner.send(STATUS, struct.pack("<iI", card, 0))
    expect_closed(owner, case)
    witness.check_alive(case)


def send_cancel(path, context):
    connection = Connection(path)
    try:
        _, rv = connection.exchange(CANCEL, "<iI", context, 0)
        return rv
    except (Closed, socket.timeout, OSError):
        return None
    finally:
        connection.close()


def check_cancel_storm(path, witness):
    case = "CANCEL storm"
    waiter, waiter_context = established_connection(path)
    bystander, bystander_context = established_connection(path)
    register(waiter, 4)

    results = []
    lock = threading.Lock()

    def storm(count):
        for _ in range(count):
            context = random.randrange(1, 0x7FFFFFFF)
            if context in (waiter_context, bystander_context):
                continue
            rv = send_cancel(path, context)
            with lock:
                results.append(("random", rv))
            rv = send_cancel(path, bystander_context)
            with lock:
                results.append(("bystander", rv))

    threads = [threading.Thread(target=storm, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    random_answers = [rv for kind, rv in results if kind == "random"]
    bystander_answers = [rv for kind, rv in results if kind == "bystander"]
    check(all(rv == INVALID_HANDLE for rv in random_answers),
          f"{case}: {len(random_answers)} cancels of unknown contexts reply SCARD_E_INVALID_HANDLE")
    check(all(rv == SUCCESS for rv in bystander_answers),
          f"{case}: {len(bystander_answers)} cancels of a context that does not wait reply SCARD_S_SUCCESS")
    check(waiter.silent_for(0.3), f"{case}: the waiting client got nothing from cancels aimed at others")

    rv = send_cancel(path, waiter_context)
    check(rv == SUCCESS, f"{case}: cancelling the waiting context replies 0x{rv or 0:08X}")
    signal = struct.unpack("<II", waiter.receive(8))
    check(signal == (0, CANCELLED), f"{case}: the waiting client receives the cancel signal {signal}")
    waiter.send(STOP_WAITING_READER_STATE_CHANGE)
    check(waiter.silent_for(0.5), f"{case}: 0x14 after the cancel sends nothing")
    check(waiter.release(waiter_context) == SUCCESS, f"{case}: the cancelled client can still release")
    check(bystander.release(bystander_context) == SUCCESS, f"{case}: the bystander can still release")
    waiter.close()
    bystander.close()
    witness.check_alive(case)


def check_robustness(socket_path, control_path):
    del control_path
    reader = first_reader(socket_path)
    check(reader != "", "the daemon lists a reader")
    witness = Witness(socket_path)
    check_unknown_commands(socket_path, witness)
    check_wrong_sizes(socket_path, witness, reader)
    check_oversized_bodies(socket_path, witness, reader)
    check_unterminated_name(socket_path, witness)
    check_double_release(socket_path, witness, reader)
    check_foreign_handles(socket_path, witness, reader)
    check_cancel_storm(socket_path, witness)


# ---------------------------------------------------------------------------------------
# Library against a 4:4-only daemon
# ---------------------------------------------------------------------------------------

class ReaderState(ctypes.Structure):
    _fields_ = [("szReader", ctypes.c_char_p), ("pvUserData", ctypes.c_void_p),
                ("dwCurrentState", ctypes.c_ulong), ("dwEventState", ctypes.c_ulong),
                ("cbAtr", ctypes.c_ulong), ("rgbAtr", ctypes.c_ubyte * 33)]


def check_library_fallback(library_path, socket_path):
    os.environ["PCSCLITE_CSOCK_NAME"] = socket_path
    library = ctypes.CDLL(library_path)
    for name in ("SCardEstablishContext", "SCardGetStatusChange", "SCardListReaders", "SCardReleaseContext"):
        getattr(library, name).restype = ctypes.c_long

    context = ctypes.c_long(0)
    rv = library.SCardEstablishContext(ctypes.c_ulong(2), None, None, ctypes.byref(context))
    check(rv == SUCCESS, f"library: SCardEstablishContext against the 4:4 daemon rv 0x{rv & 0xFFFFFFFF:08X}")

    pnp = ReaderState(szReader=b"\\\\?PnP?\\Notification")
    rv = library.SCardGetStatusChange(context, ctypes.c_ulong(0), ctypes.byref(pnp), ctypes.c_ulong(1))
    check(rv == TIMEOUT, f"library: GetStatusChange as the first call returns SCARD_E_TIMEOUT (0x{rv & 0xFFFFFFFF:08X})")

    length = ctypes.c_ulong(0)
    rv = library.SCardListReaders(context, None, None, ctypes.byref(length))
    names = ctypes.create_string_buffer(max(length.value, 1))
    rv = rv or library.SCardListReaders(context, None, names, ctypes.byref(length))
    reader = names.raw.split(b"\0")[0]
    check(rv == SUCCESS and reader != b"", f"library: SCardListReaders afterwards rv 0x{rv & 0xFFFFFFFF:08X}")

    state = ReaderState(szReader=reader)
    rv = library.SCardGetStatusChange(context, ctypes.c_ulong(0), ctypes.byref(state), ctypes.c_ulong(1))
    check(rv == SUCCESS and state.dwEventState & 0x20,
          f"library: GetStatusChange on the reader rv 0x{rv & 0xFFFFFFFF:08X}, state 0x{state.dwEventState:X}")

    rv = library.SCardReleaseContext(context)
    check(rv == SUCCESS, f"library: SCardReleaseContext rv 0x{rv & 0xFFFFFFFF:08X}")


def main():
    commands = {"versions": check_versions, "robustness": check_robustness, "library-fallback": check_library_fallback}
    if len(sys.argv) != 4 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2], sys.argv[3])
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
