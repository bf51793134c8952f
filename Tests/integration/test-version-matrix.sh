#!/bin/sh
# Protocol versions and robustness of the client/daemon protocol, through raw sockets
# (Tests/conformance/protocol_checks.py):
#
# 1. Raw clients announcing 4:4, 4:5, 4:6, 4:3, 5:4 and no version against our pcscd:
#    the reply {4, 6, rv}, ESTABLISH, the reader state commands 0x12-0x17 as each version
#    expects them, the 8-byte event signal on card removal and insertion, RELEASE.
# 2. Malformed and hostile requests against our pcscd (unknown commands, wrong sizes,
#    oversized lengths, unterminated names, double RELEASE, foreign handles, a CANCEL
#    storm): the daemon closes only the offending connection and keeps serving others.
# 3. Our libpcsclite.so.1 against Debian's pcscd 1.9.9, which accepts only 4:4: Establish
#    falls back from 4:6 to 4:4, and GetStatusChange as the first call works.
. "$(dirname "$0")/lib.sh"

CHECKS=$ROOT/Tests/conformance/protocol_checks.py
failed=""

[ -x "$BUILD/sbin/pcscd" ] || fail "missing $BUILD/sbin/pcscd: build it first (make build)"
[ -e "$BUILD/lib/libpcsclite.so.1" ] || fail "missing $BUILD/lib/libpcsclite.so.1: build it first (make build)"

start_our_pcscd --virtual-readers=1
echo "--- protocol versions against our pcscd"
/usr/bin/python3 "$CHECKS" versions "$OUR_SOCKET" "$OUR_CONTROL" || failed="$failed versions"
echo "--- malformed requests against our pcscd"
/usr/bin/python3 "$CHECKS" robustness "$OUR_SOCKET" "$OUR_CONTROL" || failed="$failed robustness"
kill -0 "$OUR_PID" 2>/dev/null || failed="$failed our-pcscd-died"
stop_pid "$OUR_PID"

start_debian_pcscd 1
echo "--- our library against Debian's pcscd 1.9.9"
/usr/bin/python3 "$CHECKS" library-fallback "$BUILD/lib/libpcsclite.so.1" "$DEBIAN_SOCKET" \
    || failed="$failed library-fallback"
# pcscd writes its log through stdio, so the log is complete only after it exits.
stop_pid "$DEBIAN_PID"
if awk '/Client is protocol version 4:6/ { offered = 1 }
        offered && /Client is protocol version 4:4/ { fell_back = 1 }
        END { exit fell_back ? 0 : 1 }' "$WORK/debian-pcscd.log"; then
    echo "ok   Debian's pcscd logged 4:6 from our library, then 4:4 on the retry"
else
    echo "FAIL Debian's pcscd did not log the 4:6 request followed by the 4:4 retry"
    failed="$failed library-fallback-log"
fi

[ -z "$failed" ] || fail "failed parts:$failed"
pass "protocol versions, malformed requests and the 4:4 fallback"
