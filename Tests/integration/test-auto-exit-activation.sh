#!/bin/sh
# Socket activation and --auto-exit:
#  - systemd-socket-activate starts our pcscd on the first client; --auto-exit=2 ends it
#    about 2 s after the last client left; the inherited socket file is never removed
#    or replaced;
#  - 200 exit/activation cycles under an activator that re-spawns the daemon on demand
#    (as systemd does), with a client connecting around each exit moment: no client is
#    dropped and nothing hangs.
. "$(dirname "$0")/lib.sh"

clients=$ROOT/Tests/integration/clients

# 1. systemd-socket-activate, the first client activates, 2 s idle exit.
socket=$WORK/activated.comm
systemd-socket-activate -l "$socket" "$BUILD/sbin/pcscd" --foreground --debug --auto-exit=2 \
    >"$WORK/activated.log" 2>&1 &
activator=$!
STARTED_PIDS="$STARTED_PIDS $activator"
wait_for_socket "$socket"
inode_before=$(stat -c %i "$socket")
/usr/bin/python3 - "$clients" "$socket" <<'PY' || fail "activated daemon did not serve the client"
import sys, time
sys.path.insert(0, sys.argv[1])
import raw_client
error = raw_client.session(sys.argv[2])
assert error is None, error
PY
left=$(date +%s.%N)
# systemd-socket-activate execs pcscd in its own process, so the activator PID is pcscd's.
wait "$activator" || fail "pcscd exited with status $? after the idle time"
ended=$(date +%s.%N)
idle=$(awk "BEGIN { print $ended - $left }")
echo "pcscd exited $idle s after the last client"
awk "BEGIN { exit !($idle >= 1.9 && $idle < 3.5) }" || fail "idle exit after $idle s, expected about 2 s"
[ -S "$socket" ] || fail "the inherited socket file was removed"
[ "$(stat -c %i "$socket")" = "$inode_before" ] || fail "the inherited socket file was replaced"
grep -q "socket from systemd" "$WORK/activated.log" || fail "pcscd did not report the inherited socket"
[ ! -e "$socket.pid" ] || fail "a pid file was written although systemd owns the socket"
pass "activated by the first client, exited after 2 s idle, socket left in place"

# 2. 200 cycles with clients at the exit moment.
socket=$WORK/stress.comm
"$clients/socket-activator.py" --log "$WORK/activator-events.log" "$socket" -- \
    "$BUILD/sbin/pcscd" --foreground --auto-exit=0.2 >"$WORK/stress-pcscd.log" 2>&1 &
activator=$!
STARTED_PIDS="$STARTED_PIDS $activator"
wait_for_socket "$socket"
timeout 300 /usr/bin/python3 - "$clients" "$socket" "$WORK/activator-events.log" <<'PY' || fail "stress cycles failed"
import random, sys, time
sys.path.insert(0, sys.argv[1])
import raw_client

path, events = sys.argv[2], sys.argv[3]
random.seed(7)
failures = []
cycles = 200
for cycle in range(cycles):
    error = raw_client.session(path)
    if error:
        failures.append("cycle %d first client: %s" % (cycle, error))
    # The daemon exits 200 ms after that client closed: connect 150-260 ms later,
    # around the exit moment.
    time.sleep(random.uniform(0.15, 0.26))
    started = time.monotonic()
    error = raw_client.session(path)
    if error:
        failures.append("cycle %d exit-moment client: %s" % (cycle, error))
    if time.monotonic() - started > 3:
        failures.append("cycle %d exit-moment client waited %.1f s" % (cycle, time.monotonic() - started))
    time.sleep(0.25)

lines = open(events).read().split("\n")
starts = [line for line in lines if line.startswith("start")]
exits = [line.split() for line in lines if line.startswith("exit")]
bad_exits = [line for line in exits if line[2] != "0"]
print("cycles: %d, daemon starts: %d, exits: %d, failed clients: %d" % (cycles, len(starts), len(exits), len(failures)))
for failure in failures[:20]:
    print("  " + failure)
assert not failures, "clients were dropped or timed out"
assert not bad_exits, "daemon exits with a non-zero status: %s" % bad_exits[:5]
assert len(starts) >= cycles, "expected at least one activation per cycle, got %d" % len(starts)
PY
pass "200 auto-exit cycles, no client dropped"
