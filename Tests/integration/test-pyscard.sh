#!/bin/sh
# pyscard (python3-pyscard, Debian's /usr/bin/python3) against our pcscd with one virtual
# reader, through three libraries: Debian's libpcsclite.so.1, ours chosen with
# LD_LIBRARY_PATH, and ours forced with LD_PRELOAD. The session itself is
# Tests/conformance/pyscard_session.py: readers, connect, transmit, status,
# GetStatusChange, Cancel and CardMonitor. Each run gets a fresh daemon.
. "$(dirname "$0")/lib.sh"

SESSION=$ROOT/Tests/conformance/pyscard_session.py
DEBIAN_LIBRARY=/usr/lib/x86_64-linux-gnu/libpcsclite.so.1
OUR_LIBRARY=$BUILD/lib/libpcsclite.so.1
failed=""

[ -x "$BUILD/sbin/pcscd" ] || fail "missing $BUILD/sbin/pcscd: build it first (make build)"
[ -e "$OUR_LIBRARY" ] || fail "missing $OUR_LIBRARY: build it first (make build)"
/usr/bin/python3 -c "import smartcard" 2>/dev/null || fail "python3-pyscard is not installed"

# Runs the session with the environment "$2..." and expects the library $1 to be loaded.
run_session() {
    expected=$1
    shift
    rm -f "$WORK/pcscd.comm" "$WORK/virtual.ctl"
    start_our_pcscd --virtual-readers=1
    status=0
    env "$@" PCSCLITE_CSOCK_NAME="$OUR_SOCKET" timeout 60 /usr/bin/python3 "$SESSION" "$OUR_CONTROL" "$expected" \
        || status=$?
    stop_pid "$OUR_PID"
    return "$status"
}

echo "--- Debian's libpcsclite"
run_session "$DEBIAN_LIBRARY" LD_LIBRARY_PATH= || failed="$failed debian-library"
echo "--- our libpcsclite through LD_LIBRARY_PATH"
run_session "$OUR_LIBRARY" LD_LIBRARY_PATH="$BUILD/lib" || failed="$failed our-library-path"
echo "--- our libpcsclite through LD_PRELOAD"
run_session "$OUR_LIBRARY" LD_PRELOAD="$OUR_LIBRARY" || failed="$failed our-library-preload"

[ -z "$failed" ] || fail "pyscard sessions failed:$failed"
pass "pyscard against our pcscd with Debian's and our libpcsclite"
