#!/usr/bin/python3
"""Runs inside Tests/umockdev/ccid_harness.py: drives our pcscd's USB readers through
pyscard (the libpcsclite.so.1 the loader finds) and the harness control socket.

Expects PCSCLITE_CSOCK_NAME (our daemon, already started), CCID_HARNESS and
CCID_HARNESS_CONTROL. Exits non-zero with a message on the first failure.
"""
import os
import subprocess
import threading
import time

from smartcard.scard import *

SELECT = [0x00, 0xA4, 0x04, 0x00, 0x09, 0xF0, 0x75, 0x6D, 0x6F, 0x63, 0x6B, 0x64, 0x65, 0x76]


def harness(*words):
    output = subprocess.run(
        [os.environ["CCID_HARNESS"], "--send", os.environ["CCID_HARNESS_CONTROL"], *map(str, words)],
        capture_output=True, text=True, check=True).stdout.strip()
    assert output.startswith("ok"), "harness %s: %s" % (words, output)
    return output


def check(what, rv):
    assert rv == SCARD_S_SUCCESS, "%s: %s (0x%08X)" % (what, SCardGetErrorMessage(rv), rv & 0xFFFFFFFF)


def readers(context):
    rv, names = SCardListReaders(context, [])
    return [] if rv == SCARD_E_NO_READERS_AVAILABLE else names


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
check("establish", rv)
wait_for(lambda: len(readers(context)) == 3, 10, "three USB readers")
names = readers(context)
print("readers:", names)
by_kind = {kind: next(n for n in names if kind in n) for kind in ("TPDU", "Short APDU", "Extended APDU")}

# Power, select and exchange through each exchange level.
for kind, name in by_kind.items():
    rv, card, protocol = SCardConnect(context, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
    check("connect " + kind, rv)
    rv, response = SCardTransmit(card, protocol, SELECT)
    check("select " + kind, rv)
    assert response == [0x90, 0x00], response
    data = [index % 256 for index in range(200)]
    rv, response = SCardTransmit(card, protocol, [0x80, 0x10, 0x00, 0x00, len(data)] + data + [0x00])
    check("echo 200 bytes " + kind, rv)
    assert response == data + [0x90, 0x00], "echo through %s returned %d bytes" % (kind, len(response))
    rv, response = SCardTransmit(card, protocol, [0x80, 0x20, 0x01, 0x00, 0x00])
    check("generate 256 " + kind, rv)
    assert len(response) == 258, len(response)
    assert response[-2:] == [0x90, 0x00], response[-2:]
    if kind == "Extended APDU":
        data = [index % 251 for index in range(1000)]
        apdu = [0x80, 0x10, 0x00, 0x00, 0x00, len(data) >> 8, len(data) & 0xFF] + data + [0x00, 0x00]
        rv, response = SCardTransmit(card, protocol, apdu)
        check("extended echo 1000 bytes", rv)
        assert response == data + [0x90, 0x00], "extended echo returned %d bytes" % len(response)
    check("disconnect " + kind, SCardDisconnect(card, SCARD_LEAVE_CARD))
    print("ok: %s reader: power, SELECT, 200-byte echo, 256-byte answer" % kind)

# Card removal and insertion come through the interrupt endpoint.
tpdu = by_kind["TPDU"]
rv, states = SCardGetStatusChange(context, 0, [(tpdu, SCARD_STATE_UNAWARE)])
current = states[0][1]
harness("remove", 0)
rv, states = SCardGetStatusChange(context, 3000, [(tpdu, current)])
check("wait for removal", rv)
assert states[0][1] & SCARD_STATE_EMPTY, hex(states[0][1])
current = states[0][1]
harness("insert", 0)
rv, states = SCardGetStatusChange(context, 3000, [(tpdu, current)])
check("wait for insertion", rv)
assert states[0][1] & SCARD_STATE_PRESENT, hex(states[0][1])
print("ok: removal and insertion reported")

# Unplug during a transfer: the transfer fails within 1 s, the reader goes away, and a
# client waiting on it is told.
rv, card, protocol = SCardConnect(context, tpdu, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
check("connect before unplug", rv)
rv, waiter_context = SCardEstablishContext(SCARD_SCOPE_USER)
check("establish waiter", rv)
rv, states = SCardGetStatusChange(waiter_context, 0, [(tpdu, SCARD_STATE_UNAWARE)])
waited = {}

def wait_for_change():
    started = time.monotonic()
    waited["rv"], waited["states"] = SCardGetStatusChange(waiter_context, 10000, [(tpdu, states[0][1])])
    waited["seconds"] = time.monotonic() - started

waiter = threading.Thread(target=wait_for_change)
waiter.start()
time.sleep(0.3)
harness("unplug-during-next", 0)
started = time.monotonic()
rv, response = SCardTransmit(card, protocol, [0x80, 0x30, 0x05])
elapsed = time.monotonic() - started
print("transmit during unplug: 0x%08X after %.3f s" % (rv & 0xFFFFFFFF, elapsed))
assert rv != SCARD_S_SUCCESS, "a transmit through an unplugged reader succeeded"
assert elapsed < 1.0, "the transmit took %.3f s to fail" % elapsed
waiter.join(5)
assert not waiter.is_alive(), "the waiting client was not told about the unplug"
check("waiter", waited["rv"])
assert waited["states"][0][1] & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE), hex(waited["states"][0][1])
print("ok: waiting client told after %.3f s (state 0x%X)" % (waited["seconds"], waited["states"][0][1]))
wait_for(lambda: tpdu not in readers(context), 3, "the unplugged reader to leave the list")
check("disconnect orphan handle", SCardDisconnect(card, SCARD_LEAVE_CARD))
print("ok: unplugged reader removed; its handle disconnects cleanly")

# Hotplug arrival: re-plug it and add a fourth reader.
harness("plug", 0)
harness("add", "extended")
wait_for(lambda: len(readers(context)) == 4, 10, "the re-plugged and the added reader")
print("readers after hotplug:", readers(context))
for name in readers(context):
    rv, card, protocol = SCardConnect(context, name, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
    check("connect after hotplug " + name, rv)
    rv, response = SCardTransmit(card, protocol, SELECT)
    check("select after hotplug", rv)
    check("disconnect", SCardDisconnect(card, SCARD_LEAVE_CARD))
print("ok: hotplugged readers work")
check("release", SCardReleaseContext(context))
check("release waiter", SCardReleaseContext(waiter_context))
