#!/bin/sh
# Thread stress and fork behaviour (Tests/conformance/threads_fork.c) against our pcscd
# with two virtual readers:
#
# - stress, with our library and with Debian's: 8 threads share one context and loop over
#   Connect, Transmit, Status and Disconnect on reader 0. Another thread waits in
#   GetStatusChange on reader 1, is woken by six card events and is finally cancelled.
#   No call may fail and nothing may hang.
# - fork, with our library: the child's use of the parent's context and card handle gets
#   SCARD_E_INVALID_HANDLE, also when parent threads are busy at the moment of the fork,
#   and the parent keeps working. With Debian's library the same calls succeed, because
#   pcsc-lite 1.9.9 lets the child share the parent's socket (a documented difference).
. "$(dirname "$0")/lib.sh"

PROGRAM=$WORK/threads_fork
STRESS_SECONDS=4
failed=""

[ -x "$BUILD/sbin/pcscd" ] || fail "missing $BUILD/sbin/pcscd: build it first (make build)"
[ -e "$BUILD/lib/libpcsclite.so.1" ] || fail "missing $BUILD/lib/libpcsclite.so.1: build it first (make build)"
gcc -std=c11 -Wall -Wextra -Werror -O1 $(pkg-config --cflags libpcsclite) \
    -o "$PROGRAM" "$ROOT/Tests/conformance/threads_fork.c" -lpcsclite -lpthread \
    || fail "cannot compile threads_fork.c against Debian's headers"

start_our_pcscd --virtual-readers=2

# Runs the program with the library $1 (our or debian) and the arguments "$2...".
run() {
    library=$1
    shift
    if [ "$library" = our ]; then
        path=$BUILD/lib
    else
        path=
    fi
    echo "--- $library library: $*"
    status=0
    (cd "$WORK" && ulimit -c unlimited && LD_LIBRARY_PATH=$path PCSCLITE_CSOCK_NAME=$OUR_SOCKET \
        timeout 60 "$PROGRAM" "$@") || status=$?
    if [ "$status" -ne 0 ]; then
        failed="$failed $library:$(echo "$*" | cut -d' ' -f1,2)"
        # A crash leaves a core file when the kernel's core_pattern writes one: print where.
        for core in "$WORK"/core*; do
            [ -f "$core" ] || continue
            gdb -q -batch -ex "thread apply all bt 12" "$PROGRAM" "$core" 2>/dev/null | head -n 80
            rm -f "$core"
        done
    fi
}

run our stress "$STRESS_SECONDS" "$OUR_CONTROL"
run debian stress "$STRESS_SECONDS" "$OUR_CONTROL"
run our fork invalid-handle
run our fork invalid-handle busy
run debian fork success

kill -0 "$OUR_PID" 2>/dev/null || failed="$failed our-pcscd-died"
[ -z "$failed" ] || fail "failed runs:$failed"
pass "thread stress and fork with our and Debian's library against our pcscd"
