#!/usr/bin/python3
"""A pyscard session against a pcscd with one virtual reader holding the virtual card.

Usage: PCSCLITE_CSOCK_NAME=SOCKET pyscard_session.py CONTROL_SOCKET EXPECTED_LIBRARY

pyscard loads libpcsclite.so.1 with dlopen, so LD_LIBRARY_PATH or LD_PRELOAD choose the
library; EXPECTED_LIBRARY is the file that must end up loaded. Covers the low-level API
(smartcard.scard: readers, connect, transmit, status, GetStatusChange, Cancel) and the
high-level one (smartcard.System, card connections, CardMonitor). Card removal and
insertion go through the control socket (reader 0). Prints one line per check and exits
with status 1 when any check failed.
"""
import os
import socket
import sys
import threading
import time

from smartcard.CardMonitoring import CardMonitor, CardObserver
from smartcard.scard import (
    INFINITE, SCARD_E_CANCELLED, SCARD_E_TIMEOUT, SCARD_LEAVE_CARD, SCARD_PROTOCOL_T0,
    SCARD_PROTOCOL_T1, SCARD_S_SUCCESS, SCARD_SCOPE_USER, SCARD_SHARE_SHARED,
    SCARD_STATE_CHANGED, SCARD_STATE_EMPTY, SCARD_STATE_PRESENT, SCARD_STATE_UNAWARE,
    SCARD_W_REMOVED_CARD, SCardCancel, SCardConnect, SCardDisconnect, SCardEstablishContext,
    SCardGetErrorMessage, SCardGetStatusChange, SCardListReaders, SCardReconnect,
    SCardReleaseContext, SCardStatus, SCardTransmit, SCARD_RESET_CARD,
)
from smartcard.System import readers as system_readers

ATR = bytes.fromhex("3B9C9680318045805A73776966742D70637363F5")
SELECT_AID = [0x00, 0xA4, 0x04, 0x00, 0x0A, 0xF0, 0x73, 0x77, 0x69, 0x66, 0x74, 0x70, 0x63, 0x73, 0x63, 0x00]
GET_CHALLENGE = [0x00, 0x84, 0x00, 0x00, 0x08]
GENERATE_SHORT = [0x80, 0x12, 0x00, 0x00, 0x00]
GENERATE_EXTENDED = [0x80, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00]

failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)
    return condition


def succeeded(hresult, call):
    return check(hresult == SCARD_S_SUCCESS, f"{call}: {SCardGetErrorMessage(hresult)} (0x{hresult & 0xFFFFFFFF:08X})")


def control(path, line):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(path)
        connection.sendall((line + "\n").encode())
        reply = connection.makefile("r").readline().strip()
    check(reply.startswith("ok"), f"control '{line}' -> '{reply}'")


def loaded_libraries():
    with open("/proc/self/maps", encoding="utf-8") as maps:
        return {line.split()[-1] for line in maps if "libpcsclite" in line}


def wait_for(context, reader, known, wanted, timeout_ms=5000):
    """Waits until the reader's state has `wanted`; returns (hresult, state)."""
    state = known
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(int((deadline - time.monotonic()) * 1000), 0)
        hresult, states = SCardGetStatusChange(context, remaining, [(reader, state)])
        if hresult != SCARD_S_SUCCESS:
            return hresult, state
        state = states[0][1] & ~SCARD_STATE_CHANGED
        if state & wanted:
            return hresult, state


def check_low_level(context, reader):
    hresult, card, protocol = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    if not succeeded(hresult, "SCardConnect T0|T1"):
        return
    check(protocol == SCARD_PROTOCOL_T1, f"active protocol T=1 (got {protocol})")

    hresult, response = SCardTransmit(card, protocol, SELECT_AID)
    if succeeded(hresult, "SCardTransmit SELECT"):
        check(response[-2:] == [0x90, 0x00], f"SELECT returns 9000 (got {bytes(response[-2:]).hex()})")
    hresult, response = SCardTransmit(card, protocol, GENERATE_SHORT)
    if succeeded(hresult, "SCardTransmit GENERATE 256"):
        check(len(response) == 258 and response[255] == 255, f"GENERATE returns 258 bytes (got {len(response)})")
    hresult, response = SCardTransmit(card, protocol, GENERATE_EXTENDED)
    if succeeded(hresult, "SCardTransmit GENERATE 65536"):
        check(len(response) == 65538 and response[65535] == 255, f"extended GENERATE returns 65538 bytes (got {len(response)})")

    hresult, name, state, status_protocol, atr = SCardStatus(card)
    if succeeded(hresult, "SCardStatus"):
        check(name == reader, "SCardStatus returns the reader name")
        check(state & 0xFFFF == 0x34, f"SCardStatus state 0x{state & 0xFFFF:X} (expected 0x34)")
        check(status_protocol == SCARD_PROTOCOL_T1, f"SCardStatus protocol {status_protocol}")
        check(bytes(atr) == ATR, f"SCardStatus ATR {bytes(atr).hex()}")

    hresult, protocol = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_RESET_CARD)
    if succeeded(hresult, "SCardReconnect T0 with reset"):
        check(protocol == SCARD_PROTOCOL_T0, f"protocol after the reconnect is T=0 (got {protocol})")
        hresult, response = SCardTransmit(card, protocol, GET_CHALLENGE)
        if succeeded(hresult, "SCardTransmit GET CHALLENGE in T=0"):
            check(len(response) == 10 and response[-2:] == [0x90, 0x00], f"GET CHALLENGE returns 10 bytes (got {len(response)})")
    succeeded(SCardDisconnect(card, SCARD_RESET_CARD), "SCardDisconnect with reset")


def check_status_change(context, reader, control_path):
    hresult, states = SCardGetStatusChange(context, 0, [(reader, SCARD_STATE_UNAWARE)])
    if not succeeded(hresult, "SCardGetStatusChange UNAWARE"):
        return
    known = states[0][1] & ~SCARD_STATE_CHANGED
    check(states[0][1] & (SCARD_STATE_CHANGED | SCARD_STATE_PRESENT) == SCARD_STATE_CHANGED | SCARD_STATE_PRESENT,
          f"UNAWARE gives CHANGED|PRESENT (0x{states[0][1]:X})")
    check(bytes(states[0][2]) == ATR, "the reader state carries the ATR")

    hresult, _ = SCardGetStatusChange(context, 200, [(reader, known)])
    check(hresult == SCARD_E_TIMEOUT, f"no change within 200 ms gives SCARD_E_TIMEOUT (0x{hresult & 0xFFFFFFFF:08X})")

    hresult, card, protocol = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
    succeeded(hresult, "SCardConnect T1")
    control(control_path, "remove 0")
    hresult, state = wait_for(context, reader, known, SCARD_STATE_EMPTY)
    check(hresult == SCARD_S_SUCCESS and state & SCARD_STATE_EMPTY, f"removal seen (state 0x{state:X})")
    check(state >> 16 == (known >> 16) + 1, f"event counter +1 on removal (0x{known >> 16:X} -> 0x{state >> 16:X})")
    hresult = SCardStatus(card)[0]
    check(hresult == SCARD_W_REMOVED_CARD, f"SCardStatus after removal gives SCARD_W_REMOVED_CARD (0x{hresult & 0xFFFFFFFF:08X})")
    SCardDisconnect(card, SCARD_LEAVE_CARD)

    control(control_path, "insert 0")
    hresult, state = wait_for(context, reader, state, SCARD_STATE_PRESENT)
    check(hresult == SCARD_S_SUCCESS and state & SCARD_STATE_PRESENT, f"insertion seen (state 0x{state:X})")


def check_cancel(context, reader):
    hresult, states = SCardGetStatusChange(context, 0, [(reader, SCARD_STATE_UNAWARE)])
    known = states[0][1] & ~SCARD_STATE_CHANGED
    result = {}

    def wait():
        started = time.monotonic()
        result["hresult"], _ = SCardGetStatusChange(context, INFINITE, [(reader, known)])
        result["seconds"] = time.monotonic() - started

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    succeeded(SCardCancel(context), "SCardCancel from another thread")
    waiter.join(10)
    check(not waiter.is_alive(), "the waiting SCardGetStatusChange returned after SCardCancel")
    hresult = result.get("hresult", 0)
    check(hresult == SCARD_E_CANCELLED, f"the wait returns SCARD_E_CANCELLED (0x{hresult & 0xFFFFFFFF:08X})")


class Recorder(CardObserver):
    """Collects CardMonitor notifications."""

    def __init__(self):
        self.added = []
        self.removed = []
        self.changed = threading.Event()

    def update(self, observable, actions):
        added, removed = actions
        self.added += added
        self.removed += removed
        self.changed.set()


def wait_until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def check_high_level(control_path):
    readers = system_readers()
    if not check(len(readers) == 1, f"smartcard.System.readers() lists one reader (got {len(readers)})"):
        return
    connection = readers[0].createConnection()
    connection.connect()
    check(bytes(connection.getATR()) == ATR, "CardConnection.getATR() returns the ATR")
    data, sw1, sw2 = connection.transmit(GET_CHALLENGE)
    check(len(data) == 8 and (sw1, sw2) == (0x90, 0x00), f"CardConnection.transmit GET CHALLENGE: {len(data)} bytes, {sw1:02X}{sw2:02X}")
    connection.disconnect()

    monitor = CardMonitor()
    recorder = Recorder()
    monitor.addObserver(recorder)
    check(wait_until(lambda: len(recorder.added) == 1), "CardMonitor reports the inserted card at start")
    control(control_path, "remove 0")
    check(wait_until(lambda: len(recorder.removed) == 1), "CardMonitor reports the removal")
    control(control_path, "insert 0")
    check(wait_until(lambda: len(recorder.added) == 2), "CardMonitor reports the insertion")
    if recorder.added:
        check(bytes(recorder.added[-1].atr) == ATR, "the inserted card has the ATR")
    monitor.deleteObserver(recorder)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    control_path, expected_library = sys.argv[1], os.path.realpath(sys.argv[2])

    hresult, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if not succeeded(hresult, "SCardEstablishContext"):
        sys.exit(1)
    libraries = {os.path.realpath(path) for path in loaded_libraries()}
    check(libraries == {expected_library}, f"loaded library {sorted(libraries)}, expected {expected_library}")

    hresult, readers = SCardListReaders(context, [])
    succeeded(hresult, "SCardListReaders")
    if check(len(readers) == 1, f"one reader listed (got {len(readers)})"):
        check_low_level(context, readers[0])
        check_status_change(context, readers[0], control_path)
        check_cancel(context, readers[0])
    succeeded(SCardReleaseContext(context), "SCardReleaseContext")

    check_high_level(control_path)
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
