#!/bin/sh
# Busy polling (pcscd --busy-poll, the library's PCSCLITE_BUSY_POLL): with polling on and
# with it off on both sides, 2000 ECHO transmits through our library and our pcscd return
# the expected responses. With polling on, an idle client and a client waiting in
# SCardGetStatusChange keep neither the daemon nor the client busy: each uses less than
# 50 ms of CPU time per second of waiting.
. "$(dirname "$0")/lib.sh"

OUR_LIBRARY=$BUILD/lib/libpcsclite.so.1
[ -x "$BUILD/sbin/pcscd" ] || fail "missing $BUILD/sbin/pcscd: build it first (make build)"
[ -e "$OUR_LIBRARY" ] || fail "missing $OUR_LIBRARY: build it first (make build)"
/usr/bin/python3 -c "import smartcard" 2>/dev/null || fail "python3-pyscard is not installed"

# CPU time (user + system) of process $1, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# The client: transmits, then reports "idle" and stays connected for 1.5 s, then waits
# 1.5 s in SCardGetStatusChange with no change, measuring its own CPU time.
cat >"$WORK/session.py" <<'PY'
import os, resource, sys, time
from smartcard.scard import *

def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

loaded = [line.split()[-1] for line in open("/proc/self/maps") if "libpcsclite" in line]
assert loaded and os.path.realpath(loaded[0]) == os.path.realpath(sys.argv[1]), f"loaded {loaded}, expected {sys.argv[1]}"
rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
assert rv == SCARD_S_SUCCESS, hex(rv)
rv, readers = SCardListReaders(context, [])
rv, card, protocol = SCardConnect(context, readers[0], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
assert rv == SCARD_S_SUCCESS, hex(rv)
for index in range(2000):
    data = [index & 0xFF, (index >> 8) & 0xFF, 0x5A]
    rv, response = SCardTransmit(card, protocol, [0x80, 0x10, 0x00, 0x00, len(data)] + data)
    assert rv == SCARD_S_SUCCESS, hex(rv)
    assert response == data + [0x90, 0x00], (index, response)
print("idle", flush=True)
time.sleep(1.5)
rv, states = SCardGetStatusChange(context, 0, [(readers[0], SCARD_STATE_UNAWARE)])
before = cpu_seconds()
rv, states = SCardGetStatusChange(context, 1500, [(readers[0], states[0][1])])
assert rv == SCARD_E_TIMEOUT, hex(rv)
used = cpu_seconds() - before
assert used < 0.075, f"the client used {used:.3f} s of CPU time in a 1.5 s wait"
print(f"client CPU time in a 1.5 s wait: {used * 1000:.1f} ms", flush=True)
SCardDisconnect(card, SCARD_LEAVE_CARD)
SCardReleaseContext(context)
PY

# Runs the session against a fresh daemon started with "$@", and the client with
# PCSCLITE_BUSY_POLL=$CLIENT_POLL. Checks the daemon's CPU time while the client idles.
run_session() {
    rm -f "$WORK/pcscd.comm" "$WORK/virtual.ctl"
    start_our_pcscd --virtual-readers=1 "$@"
    PCSCLITE_BUSY_POLL=$CLIENT_POLL LD_LIBRARY_PATH="$BUILD/lib" PCSCLITE_CSOCK_NAME="$OUR_SOCKET" \
        timeout 60 /usr/bin/python3 "$WORK/session.py" "$OUR_LIBRARY" >"$WORK/session.out" 2>&1 &
    client=$!
    STARTED_PIDS="$STARTED_PIDS $client"
    for _ in $(seq 600); do
        grep -q idle "$WORK/session.out" && break
        kill -0 "$client" 2>/dev/null || break
        sleep 0.05
    done
    grep -q idle "$WORK/session.out" || { wait "$client" || true; fail "transmits failed: $(cat "$WORK/session.out")"; }
    sleep 0.2
    before=$(cpu_ticks "$OUR_PID")
    sleep 1
    after=$(cpu_ticks "$OUR_PID")
    ticks_per_second=$(getconf CLK_TCK)
    # Less than 5% of one CPU: 50 ms in the second.
    [ $(( (after - before) * 1000 / ticks_per_second )) -lt 50 ] \
        || fail "the daemon used $(( (after - before) * 1000 / ticks_per_second )) ms of CPU time in 1 s with an idle client"
    wait "$client" || fail "the session failed: $(cat "$WORK/session.out")"
    cat "$WORK/session.out"
    stop_pid "$OUR_PID"
}

CLIENT_POLL=100
run_session
pass "polling on (daemon default, client 100 µs): 2000 transmits right; idle and waiting cost no CPU"

CLIENT_POLL=0
run_session --busy-poll=0
pass "polling off on both sides: 2000 transmits right"

CLIENT_POLL=10000
run_session --busy-poll=10000
pass "the longest windows (10 ms): 2000 transmits right; idle and waiting cost no CPU"
