#!/bin/sh
# Debian's own libpcsclite.so.1 (no preload; PCSCLITE_CSOCK_NAME set) against our pcscd:
# pyscard lists readers, connects, transmits, reads status and sees card events.
. "$(dirname "$0")/lib.sh"

start_our_pcscd --virtual-readers=1
PCSCLITE_CSOCK_NAME=$OUR_SOCKET OUR_CONTROL=$OUR_CONTROL /usr/bin/python3 - <<'PY' || fail "pyscard session failed"
import os, socket
from smartcard.scard import *

def control(line):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.environ["OUR_CONTROL"])
    s.sendall((line + "\n").encode())
    reply = s.recv(1000).decode().strip()
    s.close()
    assert reply == "ok", reply

def check(what, rv):
    assert rv == SCARD_S_SUCCESS, "%s: %s" % (what, SCardGetErrorMessage(rv))

# The library pyscard uses must be Debian's, not a preloaded one.
maps = open("/proc/self/maps").read()
assert "/usr/lib/x86_64-linux-gnu/libpcsclite.so.1" in maps, "Debian's libpcsclite is not loaded"

rv, context = SCardEstablishContext(SCARD_SCOPE_USER); check("establish", rv)
rv, readers = SCardListReaders(context, []); check("list", rv)
assert len(readers) == 1, readers
assert readers[0].startswith("swift-pcsc Virtual CCID Reader"), readers
print("reader:", readers[0])
rv, card, protocol = SCardConnect(context, readers[0], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
check("connect", rv)
assert protocol == SCARD_PROTOCOL_T1, protocol
rv, response = SCardTransmit(card, protocol, [0x00, 0xA4, 0x04, 0x00, 0x0A, 0xF0, 0x73, 0x77, 0x69, 0x66, 0x74, 0x70, 0x63, 0x73, 0x63])
check("transmit", rv)
assert response[-2:] == [0x90, 0x00], response
print("SELECT:", bytes(response).hex())
rv, response = SCardTransmit(card, protocol, [0x80, 0x12, 0x00, 0x00, 0x00])
check("transmit 258", rv)
assert len(response) == 258, len(response)
rv, name, state, status_protocol, atr = SCardStatus(card); check("status", rv)
assert state & 0xFFFF == 0x34, hex(state)
assert status_protocol == SCARD_PROTOCOL_T1, status_protocol
assert bytes(atr).hex().upper().startswith("3B9C9680"), atr

control("remove 0")
rv, states = SCardGetStatusChange(context, 5000, [(readers[0], SCARD_STATE_PRESENT)]); check("wait removal", rv)
assert states[0][1] & SCARD_STATE_EMPTY, hex(states[0][1])
rv, _, _, _, _ = SCardStatus(card)
assert rv == SCARD_W_REMOVED_CARD, hex(rv)
control("insert 0")
rv, states = SCardGetStatusChange(context, 5000, [(readers[0], SCARD_STATE_EMPTY)]); check("wait insertion", rv)
assert states[0][1] & SCARD_STATE_PRESENT, hex(states[0][1])
assert states[0][1] >> 16 == 2, hex(states[0][1])
rv, _ = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_RESET_CARD); check("reconnect", rv)
check("disconnect", SCardDisconnect(card, SCARD_LEAVE_CARD))
check("release", SCardReleaseContext(context))
print("done")
PY
pass "Debian's libpcsclite with pyscard against our daemon"
