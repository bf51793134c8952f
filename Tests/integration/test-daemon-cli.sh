#!/bin/sh
# pcscd started by hand: options and their errors (exit code 2), --help and --version,
# refusing a second daemon on the same socket, replacing a stale socket, the pid file,
# --hotplug, removing only its own socket on exit, and the log line that names the
# client holding a card.
. "$(dirname "$0")/lib.sh"

pcscd=$BUILD/sbin/pcscd

# --help lists every option with what it sets.
"$pcscd" --help >"$WORK/help.txt" || fail "--help failed"
for option in -a --apdu -c --config -f --foreground -T --color -h --help -H --hotplug -v --version \
    -d --debug -i --info -e --error -C --critical -t --max-thread -s --max-card-handle-per-thread \
    -r --max-card-handle-per-reader -x --auto-exit -S --reader-name-no-serial -I --reader-name-no-interface \
    --force-reader-polling --disable-polkit --busy-poll --virtual-readers --virtual-mode --virtual-control; do
    grep -q -- "$option[ ,=[]" "$WORK/help.txt" || grep -q -- "$option\$" "$WORK/help.txt" \
        || fail "--help does not mention $option"
done
pass "--help documents every option"

"$pcscd" --version | grep -q "swift-pcsc" || fail "--version does not name the project"
pass "--version names the project"

# Bad values: exit code 2 and a message naming the value.
check_rejected() {
    expected=$1
    shift
    status=0
    "$pcscd" "$@" >"$WORK/out.txt" 2>&1 || status=$?
    [ "$status" -eq 2 ] || fail "pcscd $* exited with $status, expected 2"
    grep -q -- "$expected" "$WORK/out.txt" || fail "pcscd $* printed '$(cat "$WORK/out.txt")'"
}
check_rejected "invalid value 'zero' for -t" -t zero
check_rejected "invalid value '0' for --max-thread" --max-thread=0
check_rejected "invalid value '-5' for -s" -s -5
check_rejected "invalid value 'x' for --max-card-handle-per-reader" --max-card-handle-per-reader x
check_rejected "invalid value 'soon' for --auto-exit" --auto-exit=soon
check_rejected "invalid value '1000' for --virtual-readers" --virtual-readers=1000
check_rejected "invalid --virtual-mode 'fast'" --virtual-mode=fast
check_rejected "invalid value '20000' for --busy-poll; give a whole number from 0 to 10000" --busy-poll=20000
check_rejected "unknown option --frobnicate" --frobnicate
check_rejected "unknown option -q" -q
check_rejected "option -c needs a value" -c
check_rejected "unexpected argument 'now'" now
pass "bad options rejected with exit code 2"

# A daemon on a private socket writes its pid file next to it.
start_our_pcscd --virtual-readers=1
[ "$(cat "$OUR_SOCKET.pid")" = "$OUR_PID" ] || fail "pid file $OUR_SOCKET.pid does not hold $OUR_PID"
pass "pid file written"

status=0
PCSCLITE_CSOCK_NAME=$OUR_SOCKET "$pcscd" --foreground >"$WORK/second.txt" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "a second daemon on the same socket exited with $status"
grep -q "another pcscd already answers on $OUR_SOCKET" "$WORK/second.txt" || fail "second daemon: $(cat "$WORK/second.txt")"
[ -S "$OUR_SOCKET" ] || fail "the second daemon removed the first one's socket"
pass "a second daemon refuses to start"

PCSCLITE_CSOCK_NAME=$OUR_SOCKET "$pcscd" --hotplug || fail "--hotplug failed"
for _ in $(seq 50); do
    grep -q "rescanning readers" "$WORK/our-pcscd.log" && break
    sleep 0.1
done
grep -q "rescanning readers" "$WORK/our-pcscd.log" || fail "--hotplug did not reach the daemon"
pass "--hotplug signals the running daemon"

# A card held exclusively: the refused client's log line names the holder.
PCSCLITE_CSOCK_NAME=$OUR_SOCKET /usr/bin/python3 - <<'PY' || fail "exclusive-holder session failed"
from smartcard.scard import *
rv, first = SCardEstablishContext(SCARD_SCOPE_USER)
rv, readers = SCardListReaders(first, [])
rv, card, protocol = SCardConnect(first, readers[0], SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T1)
assert rv == SCARD_S_SUCCESS, hex(rv)
rv, second = SCardEstablishContext(SCARD_SCOPE_USER)
rv, other, protocol = SCardConnect(second, readers[0], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
assert rv == SCARD_E_SHARING_VIOLATION, hex(rv)
PY
grep -q "sharing violation; the card is held exclusively by client [0-9]* (pid [0-9]* python3)" "$WORK/our-pcscd.log" \
    || fail "the log does not name the client holding the card"
pass "the log names the client that holds a card"

kill "$OUR_PID"
wait "$OUR_PID" || fail "pcscd exited with status $? on SIGTERM"
[ ! -e "$OUR_SOCKET" ] || fail "the socket was left behind"
[ ! -e "$OUR_SOCKET.pid" ] || fail "the pid file was left behind"
pass "SIGTERM: exit status 0, socket and pid file removed"

# A stale socket (nobody listening) is replaced; a path that is not a socket is kept.
/usr/bin/python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$WORK/stale.comm"
PCSCLITE_CSOCK_NAME=$WORK/stale.comm "$pcscd" --foreground --info >"$WORK/stale.log" 2>&1 &
stale=$!
STARTED_PIDS="$STARTED_PIDS $stale"
wait_for_socket "$WORK/stale.comm"
grep -q "Removing stale socket" "$WORK/stale.log" || fail "the stale socket was not reported"
# Another file moved onto the path while it runs must survive the daemon's exit.
mv "$WORK/stale.comm" "$WORK/moved.comm"
: >"$WORK/stale.comm"
stop_pid "$stale"
[ -f "$WORK/stale.comm" ] || fail "the daemon removed a file it did not create"
pass "stale socket replaced; only the daemon's own socket is removed"

printf 'not a socket\n' >"$WORK/file.comm"
status=0
PCSCLITE_CSOCK_NAME=$WORK/file.comm "$pcscd" --foreground >"$WORK/file.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "pcscd on a regular file exited with $status"
[ "$(cat "$WORK/file.comm")" = "not a socket" ] || fail "pcscd overwrote a regular file"
grep -q "$WORK/file.comm exists and is not a socket; remove it, or set PCSCLITE_CSOCK_NAME" "$WORK/file.log" \
    || fail "no clear message for a regular file at the socket path: $(cat "$WORK/file.log")"
pass "a regular file at the socket path is left alone, with a message saying what to do"
