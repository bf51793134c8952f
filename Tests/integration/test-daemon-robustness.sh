#!/bin/sh
# Attacks on the daemon that any local user could make, each followed by a check that it
# still serves others: held event signals and reused descriptors, clients that never
# read, a flooding or crowding control client, handle guessing with RECONNECT, control
# characters in process names, running out of file descriptors, a planted pid-file
# symlink, and bad start-up settings.
. "$(dirname "$0")/lib.sh"

attack() {
    /usr/bin/python3 "$ROOT/Tests/integration/clients/robustness.py" "$OUR_SOCKET" "$OUR_CONTROL" "$OUR_PID" "$@" \
        || fail "robustness case $* failed"
}

start_our_pcscd --virtual-readers=2
attack reused-descriptor thread-growth control-pipeline control-limit reconnect-guessing process-name
if grep -q "$(printf '\033')" "$WORK/our-pcscd.log"; then
    fail "an escape character from a process name reached the log"
fi
stop_pid "$OUR_PID"

# Out of file descriptors: 64 allowed, up to 1000 clients configured.
OUR_SOCKET=$WORK/limited.comm
PCSCLITE_CSOCK_NAME=$OUR_SOCKET prlimit --nofile=64 "$BUILD/sbin/pcscd" --foreground -t 1000 \
    --virtual-readers=1 --virtual-control="$WORK/limited.ctl" >"$WORK/limited.log" 2>&1 &
OUR_PID=$!
STARTED_PIDS="$STARTED_PIDS $OUR_PID"
wait_for_socket "$OUR_SOCKET"
OUR_CONTROL=$WORK/limited.ctl
attack descriptor-exhaustion
stop_pid "$OUR_PID"

# A symbolic link planted at the pid-file path is not followed.
printf 'secret\n' >"$WORK/victim"
chmod 600 "$WORK/victim"
ln -s "$WORK/victim" "$WORK/planted.comm.pid"
PCSCLITE_CSOCK_NAME=$WORK/planted.comm "$BUILD/sbin/pcscd" --foreground >"$WORK/planted.log" 2>&1 &
planted=$!
STARTED_PIDS="$STARTED_PIDS $planted"
wait_for_socket "$WORK/planted.comm"
stop_pid "$planted"
[ "$(cat "$WORK/victim")" = secret ] || fail "the daemon wrote through the pid-file symlink"
[ "$(stat -c %a "$WORK/victim")" = 600 ] || fail "the daemon changed the mode of the symlink's target"
pass "a planted pid-file symlink is not followed"

# Bad settings are refused at start-up with a message.
status=0
PCSCLITE_CSOCK_NAME= "$BUILD/sbin/pcscd" --foreground >"$WORK/empty.log" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "an empty PCSCLITE_CSOCK_NAME gave status $status"
grep -q "PCSCLITE_CSOCK_NAME is set but empty" "$WORK/empty.log" || fail "no message for an empty PCSCLITE_CSOCK_NAME"
status=0
PCSCLITE_CSOCK_NAME=$WORK/c.comm "$BUILD/sbin/pcscd" --foreground -c "$WORK/missing" >"$WORK/config.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "a missing -c path gave status $status"
grep -q "Reader configuration $WORK/missing: No such file or directory" "$WORK/config.log" \
    || fail "no message for a missing -c path: $(cat "$WORK/config.log")"
[ ! -e "$WORK/c.comm" ] || fail "the daemon created its socket before refusing the configuration"
pass "empty socket variable and missing -c path are refused"

# Without --foreground the log goes to syslog, so the waiting parent prints the reason.
status=0
PCSCLITE_CSOCK_NAME=$WORK/d.comm "$BUILD/sbin/pcscd" -c "$WORK/missing" >"$WORK/detached-config.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "a missing -c path without --foreground gave status $status"
grep -q "Reader configuration $WORK/missing: No such file or directory" "$WORK/detached-config.log" \
    || fail "no reason on standard error for a missing -c path: $(cat "$WORK/detached-config.log")"
for mode in --foreground ""; do
    status=0
    # shellcheck disable=SC2086
    PCSCLITE_CSOCK_NAME=$WORK/e.comm timeout 20 "$BUILD/sbin/pcscd" $mode --virtual-readers=1 \
        --virtual-control="$WORK/missing/control" >"$WORK/control.log" 2>&1 || status=$?
    [ "$status" -eq 1 ] || fail "an unusable --virtual-control path ($mode) gave status $status"
    grep -q "Cannot serve the virtual reader control protocol: bind failed for control socket $WORK/missing/control" \
        "$WORK/control.log" || fail "no reason for an unusable --virtual-control path ($mode): $(cat "$WORK/control.log")"
    [ ! -e "$WORK/e.comm" ] || fail "the daemon left its socket after refusing --virtual-control ($mode)"
done
pass "without --foreground the reason is printed, and an unusable control socket stops the start"

# A reader.conf with serial readers is accepted, and the log names the ignored readers.
mkdir -p "$WORK/reader.conf.d"
printf 'FRIENDLYNAME "GemPC410 serial"\nDEVICENAME /dev/ttyS0\nLIBPATH /usr/lib/pcsc/drivers/serial/libGemPC410.so\n' \
    >"$WORK/reader.conf.d/gempc410"
PCSCLITE_CSOCK_NAME=$WORK/f.comm "$BUILD/sbin/pcscd" --foreground -c "$WORK/reader.conf.d" >"$WORK/serial.log" 2>&1 &
serial_pid=$!
STARTED_PIDS="$STARTED_PIDS $serial_pid"
wait_for_socket "$WORK/f.comm"
stop_pid "$serial_pid"
grep -q 'ignoring 1 serial reader(s) ("GemPC410 serial")' "$WORK/serial.log" \
    || fail "the ignored serial reader is not named: $(cat "$WORK/serial.log")"
pass "serial readers of -c are named in the log and ignored"
