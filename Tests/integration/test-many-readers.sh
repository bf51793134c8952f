#!/bin/sh
# More than 16 readers: clients speaking 4:6 (our library) see all of them and can wait on
# all of them at once; 4:4 clients (Debian's 1.9.9 library) see the first 16.
. "$(dirname "$0")/lib.sh"

start_our_pcscd --virtual-readers=20
session='
import sys
from smartcard.scard import *
expected = int(sys.argv[1])
rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
assert rv == SCARD_S_SUCCESS, hex(rv)
rv, readers = SCardListReaders(context, [])
assert rv == SCARD_S_SUCCESS, hex(rv)
assert len(readers) == expected, "%d readers listed, expected %d" % (len(readers), expected)
states = [(name, SCARD_STATE_UNAWARE) for name in readers]
rv, states = SCardGetStatusChange(context, 0, states)
assert rv == SCARD_S_SUCCESS, hex(rv)
assert all(state & SCARD_STATE_PRESENT for _, state, _ in states), [hex(s) for _, s, _ in states]
rv, card, protocol = SCardConnect(context, readers[-1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
assert rv == SCARD_S_SUCCESS, hex(rv)
print("%d readers, the last one is %s" % (len(readers), readers[-1]))
'
PCSCLITE_CSOCK_NAME=$OUR_SOCKET LD_LIBRARY_PATH=$BUILD/lib /usr/bin/python3 -c "$session" 20 \
    || fail "our library (4:6) does not see the 20 readers"
pass "our library sees 20 readers and waits on all of them"
PCSCLITE_CSOCK_NAME=$OUR_SOCKET /usr/bin/python3 -c "$session" 16 \
    || fail "Debian's library (4:4) does not see exactly the first 16 readers"
pass "Debian's 1.9.9 library sees the first 16"
