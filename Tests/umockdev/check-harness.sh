#!/bin/sh
# Checks the umockdev CCID harness. It runs the unit tests of the emulation logic, then
# the C libusb probe (probe.c) against each reader personality and against three readers
# at once (one starting without a card). It also checks exit-status passing, the control
# channel from a shell, and CPU use while a transfer waits.
# Exits non-zero on the first failure. Build output goes to .build/umockdev.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/.build/umockdev"
python=/usr/bin/python3
harness="$here/ccid_harness.py"
mkdir -p "$build"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

echo "== unit tests of the emulation"
"$python" -m unittest discover -s "$here" -p 'test_*.py' || fail "emulation unit tests"

echo "== build probe"
gcc -Wall -Wextra -Werror -O1 -o "$build/probe" "$here/probe.c" $(pkg-config --cflags --libs libusb-1.0) \
    || fail "building probe.c"

for mode in tpdu short extended; do
    echo "== probe against one $mode reader"
    "$harness" --reader "$mode" -- "$build/probe" || fail "probe against a $mode reader"
done

echo "== probe against three readers, one without a card"
"$harness" --reader tpdu --reader short --reader extended:absent -- "$build/probe" \
    || fail "probe against three readers"

echo "== exit status of the command is passed on"
status=0
"$harness" -- sh -c 'exit 3' || status=$?
[ "$status" -eq 3 ] || fail "expected exit status 3, got $status"

echo "== control channel from a shell"
"$harness" --reader short -- sh -c '
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" status 0 | grep -q "mode=short plugged=yes" &&
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" add tpdu | grep -q "^ok 1$" &&
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" unplug 1 | grep -q "^ok at=" &&
    ! "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" unplug 1 >/dev/null &&
    ! "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" frobnicate 0 >/dev/null
' || fail "control commands"

echo "== CPU use while an interrupt transfer waits for 3 s"
cpu=$( { /usr/bin/time -f "%U %S" "$harness" -- "$build/probe" --idle 3 >/dev/null; } 2>&1 | tail -n 1)
echo "harness + probe CPU seconds (user system): $cpu"
echo "$cpu" | awk '{ exit !($1 + $2 < 1.0) }' || fail "emulation used more than 1 s of CPU in 3 s"

echo "all harness checks passed"
