#!/bin/sh
# Checks USBTransport's libusb layer (LibUSBContext, LibUSBDevice) against the emulated
# readers of ccid_harness.py, through the usb-probe executable:
#   1. enumeration: every reader listed with its IDs and strings, the root hub only with
#      --all, and configurationDescriptor equal to the emulated device's bytes with the
#      54-byte CCID class descriptor found in it
#   2. exchange at each exchange level: claim, GetSlotStatus, IccPowerOn, SELECT; a
#      bulk read timing out; a control request completed and one stalled (.pipe)
#   3. hotplug arrivals and removals, with libusb events and with polling
#   4. an unplug while interruptRead waits ends it with .noDevice within 1 s
#   5. close() while interruptRead waits ends it within 1 s, and later transfers fail
#   6. an unplug in the middle of an exchange fails it with .noDevice
#   7. a second process cannot claim an interface the first one has claimed (.busy)
#   8. card removal and insertion reach a thread waiting on the interrupt endpoint
#      while another thread keeps exchanging bulk messages
# Exits non-zero on the first failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
harness="$here/ccid_harness.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/check-libusb-swift.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    for file in "$work"/*.out; do
        [ -f "$file" ] && { echo "--- $file" >&2; cat "$file" >&2; }
    done
    exit 1
}

expect() {
    # expect FILE PATTERN DESCRIPTION: the file must contain a line matching PATTERN.
    grep -Eq -- "$2" "$1" || fail "$3 (no line matching '$2' in $(basename "$1"))"
}

echo "== build usb-probe"
(cd "$root" && swift build --product usb-probe >/dev/null) || fail "swift build --product usb-probe"
probe="$(cd "$root" && swift build --show-bin-path)/usb-probe"

echo "== 1. enumeration and descriptor bytes"
"$harness" --reader tpdu --reader short --reader extended:absent -- "$probe" >"$work/list.out" \
    || fail "usb-probe listing"
"$harness" --reader tpdu -- "$probe" --all >"$work/all.out" || fail "usb-probe --all"
[ "$(grep -c '^device ' "$work/list.out")" -eq 3 ] || fail "expected 3 CCID devices"
expect "$work/all.out" "^device usb1 .* id=1d6b:0002" "root hub listed with --all"
if grep -q "id=1d6b:0002" "$work/list.out"; then fail "root hub listed as a CCID reader"; fi
for entry in "1-1 tpdu 7301 TPDU" "1-2 short 7302 short-APDU" "1-3 extended 7303 extended-APDU"; do
    set -- $entry
    expected=$(cd "$here" && /usr/bin/python3 -B -c "
import usb_descriptors
print(' '.join('%02X' % b for b in usb_descriptors.reader_descriptors('$2')[18:]))")
    block=$(awk -v port="$1" '/^device /{ show = ($2 == port) } show' "$work/list.out")
    echo "$block" | grep -q "id=1209:$3 " || fail "$1: vendor and product ID"
    echo "$block" | grep -qF "configuration 93 bytes: $expected" || fail "$1: configuration bytes differ from the device's"
    echo "$block" | grep -q "class-descriptor=54 bytes level=$4 " || fail "$1: CCID class descriptor at $4 level"
    echo "$block" | grep -q "manufacturer=\"umockdev\" product=\"CCID .*\" serial=\"UMD000" || fail "$1: strings"
done

echo "== 2. exchange at each level"
for mode in tpdu short extended; do
    "$harness" --reader "$mode" -- "$probe" --exchange >"$work/exchange-$mode.out" || fail "$mode exchange"
    expect "$work/exchange-$mode.out" "^IccPowerOn: ATR 3B 88 81 31 20 45" "$mode: ATR"
    expect "$work/exchange-$mode.out" "^XfrBlock SELECT: 90 00$" "$mode: SELECT"
    expect "$work/exchange-$mode.out" "^bulk read without command: error=timeout after 1[0-9][0-9]\\." "$mode: bulk read times out after about 100 ms"
    expect "$work/exchange-$mode.out" "^GET_DATA_RATES: 00 2A 00 00$" "$mode: class control request"
    expect "$work/exchange-$mode.out" "^vendor request: error=pipe$" "$mode: stalled control request"
    grep "^round trip" "$work/exchange-$mode.out" | sed "s/^/$mode: /"
done

echo "== 3. hotplug with libusb events and with polling"
for variant in events poll; do
    poll=""
    [ "$variant" = poll ] && poll="--poll 200"
    "$harness" --reader tpdu -- sh -c '
        probe=$1; out=$2; shift 2
        "$probe" --watch 3 "$@" >"$out" &
        pid=$!
        send() { "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" "$@" >/dev/null; }
        for i in 1 2 3 4 5 6 7 8 9 10; do grep -q "^watching" "$out" 2>/dev/null && break; sleep 0.1; done
        send add extended && sleep 0.5 && send unplug 1 && send unplug 0 && sleep 0.5 && send plug 0
        status=$?
        wait "$pid" || status=1
        exit $status
    ' sh "$probe" "$work/watch-$variant.out" $poll || fail "hotplug run ($variant)"
    expect "$work/watch-$variant.out" "^arrived 1-2 address=3 id=1209:7303 ccid-interfaces=1" "$variant: arrival of the added reader"
    expect "$work/watch-$variant.out" "^removed 1-2 address=3" "$variant: removal of the added reader"
    expect "$work/watch-$variant.out" "^removed 1-1 address=2" "$variant: removal of the first reader"
    expect "$work/watch-$variant.out" "^arrived 1-1 address=4 " "$variant: re-plugged reader with a new address"
    [ "$(grep -c '^arrived\|^removed' "$work/watch-$variant.out")" -eq 4 ] || fail "$variant: expected exactly 4 events"
done

echo "== 4. unplug while interruptRead waits"
"$harness" --reader tpdu -- sh -c '
    "$1" --wait-interrupt >"$2" &
    pid=$!
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" wait-interrupt 0 5000 >/dev/null || { kill "$pid"; exit 1; }
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" unplug 0 >"$3" || { kill "$pid"; exit 1; }
    wait "$pid"
' sh "$probe" "$work/wait.out" "$work/unplug.out" || fail "interrupt read during unplug"
expect "$work/wait.out" "^interrupt read returned error=noDevice at=" "interrupt read ends with noDevice"
unplugged=$(sed -n 's/^ok at=//p' "$work/unplug.out")
returned=$(sed -n 's/^interrupt read returned .* at=//p' "$work/wait.out")
latency=$(awk -v a="$unplugged" -v b="$returned" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
echo "unplug to .noDevice: $latency ms"
awk -v l="$latency" 'BEGIN { exit !(l >= 0 && l < 1000) }' || fail "unplug latency $latency ms is not below 1000 ms"

echo "== 5. close() while interruptRead waits"
"$harness" --reader tpdu -- "$probe" --close-during-interrupt 300 >"$work/close.out" || fail "close during interrupt read"
expect "$work/close.out" "^close-during-interrupt error=cancelled " "read ends with cancelled"
expect "$work/close.out" "^transfer after close: error=noDevice$" "transfers after close fail with noDevice"
grep "^close-during-interrupt" "$work/close.out"
awk '/^close-during-interrupt/ {
        for (i = 1; i <= NF; i++) { split($i, pair, "="); value[pair[1]] = pair[2] }
        exit !(value["close-ms"] < 1000 && value["read-returned-ms"] < 1000)
     }' "$work/close.out" || fail "close() or the read took 1 s or more"

echo "== 6. unplug in the middle of an exchange"
status=0
"$harness" --reader short -- sh -c '
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" unplug-during-next 0 100 >/dev/null
    "$1" --exchange
' sh "$probe" >"$work/midway.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "usb-probe --exchange should fail (status $status)"
expect "$work/midway.out" "usb-probe: failed: USB device is gone" "exchange fails with noDevice"

echo "== 7. a second process cannot claim the interface"
"$harness" --reader tpdu -- sh -c '
    "$1" --wait-interrupt >/dev/null &
    pid=$!
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" wait-interrupt 0 5000 >/dev/null || { kill "$pid"; exit 1; }
    "$1" --exchange >"$2" 2>&1
    status=$?
    "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" unplug 0 >/dev/null || { kill "$pid"; exit 1; }
    wait "$pid"
    [ "$status" -eq 1 ]
' sh "$probe" "$work/busy.out" || fail "second claim should fail"
expect "$work/busy.out" "usb-probe: failed: USB interface is busy" "second claim fails with busy"

echo "== 8. card events while bulk exchanges run on another thread"
# Runs the step once; exits with 124 when usb-probe does not finish within 60 s.
# NOTE: in about 1 of 9 full runs, usb-probe hung here with its event thread blocked in
# recv inside umockdev-preload's ioctl emulation and its main thread waiting for
# umockdev's lock in libusb_release_interface. So a hang gets one more try, and any other
# failure fails at once.
card_events() {
    "$harness" --reader tpdu -- sh -c '
        timeout 60 "$1" --card-events 2 >"$2" &
        pid=$!
        send() { "$CCID_HARNESS" --send "$CCID_HARNESS_CONTROL" "$@" >/dev/null; }
        if ! { send wait-interrupt 0 5000 && sleep 0.2 && send remove 0 && sleep 0.2 && send insert 0; }; then
            kill "$pid"
            exit 1
        fi
        wait "$pid"
    ' sh "$probe" "$work/events.out"
}
status=0
card_events || status=$?
if [ "$status" -eq 124 ]; then
    echo "usb-probe --card-events hung for 60 s inside umockdev; running the step once more"
    status=0
    card_events || status=$?
fi
[ "$status" -eq 0 ] || fail "card events run (status $status)"
expect "$work/events.out" "^notification 50 02$" "removal notification"
expect "$work/events.out" "^notification 50 03$" "insertion notification"
expect "$work/events.out" "^notifications done; [1-9][0-9]* GetSlotStatus exchanges meanwhile" "bulk exchanges during the wait"

echo "all libusb Swift checks passed"
