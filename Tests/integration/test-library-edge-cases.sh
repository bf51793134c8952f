#!/bin/sh
# Process-wide behaviours of libpcsclite.so.1, checked for ours and for Debian's as the
# reference (Tests/integration/clients/library-edge-cases.c). The cases: a thread that
# exits after the library was unloaded, 1100 loads and unloads, no free pthread key, and
# a timed SCardGetStatusChange under a storm of signals against our daemon.
. "$(dirname "$0")/lib.sh"

DEBIAN_LIBRARY=/usr/lib/x86_64-linux-gnu/libpcsclite.so.1
OUR_LIBRARY=$BUILD/lib/libpcsclite.so.1
[ -e "$OUR_LIBRARY" ] || fail "missing $OUR_LIBRARY: build it first (make build)"

gcc -Wall -Wextra -Werror -O1 -I"$ROOT/include/PCSC" -o "$WORK/edge" \
    "$ROOT/Tests/integration/clients/library-edge-cases.c" -L"$BUILD/lib" -lpcsclite -ldl -lpthread \
    || fail "could not compile library-edge-cases.c"

start_our_pcscd --virtual-readers=1
failed=""
for library in "$DEBIAN_LIBRARY" "$OUR_LIBRARY"; do
    echo "--- $library"
    directory=$(dirname "$library")
    # timeout ends a case that hangs (a wait restarted by every signal never returns).
    for case in dlclose-thread reload; do
        timeout 60 "$WORK/edge" "$case" "$library" || failed="$failed $case($library)"
    done
    for case in no-free-key signals; do
        LD_LIBRARY_PATH=$directory PCSCLITE_CSOCK_NAME=$OUR_SOCKET timeout 60 "$WORK/edge" "$case" \
            || failed="$failed $case($library)"
    done
done

[ -z "$failed" ] || fail "cases failed:$failed"
pass "unloading, reloading, no free key and signals behave as with Debian's library"
