#!/bin/sh
# The demo behind `make demo`: starts our pcscd on a private socket with one virtual
# reader (a virtual USB CCID reader holding the virtual card), then runs a C client linked
# through pkg-config and Debian's pcsc_scan against it, and stops the daemon.
set -eu

BUILD=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/pcsc-demo.XXXXXX)
daemon_pid=""

finish() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    rm -rf "$WORK"
}
trap finish EXIT INT TERM

step() {
    printf '\n==> %s\n' "$*"
}

export PCSCLITE_CSOCK_NAME=$WORK/pcscd.comm

step "Starting pcscd with one virtual reader on $PCSCLITE_CSOCK_NAME"
"$BUILD/sbin/pcscd" --foreground --info --virtual-readers=1 --virtual-control="$WORK/virtual.ctl" \
    2>"$WORK/pcscd.log" &
daemon_pid=$!
for _ in $(seq 100); do
    [ -S "$PCSCLITE_CSOCK_NAME" ] && break
    sleep 0.05
done
[ -S "$PCSCLITE_CSOCK_NAME" ] || { cat "$WORK/pcscd.log"; echo "pcscd did not start" >&2; exit 1; }
cat "$WORK/pcscd.log"

step "Installing the library into $WORK/prefix and building a C client with pkg-config"
PREFIX=$WORK/prefix "$ROOT/scripts/install.sh" "$BUILD"
export PKG_CONFIG_PATH=$WORK/prefix/lib/pkgconfig
echo "pkg-config --cflags --libs libpcsclite: $(pkg-config --cflags --libs libpcsclite)"
# shellcheck disable=SC2046
gcc -o "$WORK/select-aid" "$ROOT/Tests/integration/clients/select-aid.c" $(pkg-config --cflags --libs libpcsclite)

step "Running the C client (list readers, connect, ATR, SELECT, GET CHALLENGE)"
LD_LIBRARY_PATH=$WORK/prefix/lib "$WORK/select-aid"

step "Running Debian's pcsc_scan with our library (LD_PRELOAD)"
LD_PRELOAD=$WORK/prefix/lib/libpcsclite.so.1 pcsc_scan -r
# -n: no ATR lookup, which would try to download pcsc-tools' ATR list.
LD_PRELOAD=$WORK/prefix/lib/libpcsclite.so.1 timeout 5 pcsc_scan -n -t 1 || true

step "Removing and inserting the card through the virtual reader control socket"
LD_PRELOAD=$WORK/prefix/lib/libpcsclite.so.1 pcsc_scan -t 3 -n &
scan_pid=$!
sleep 1
echo "virtual-control remove 0: $("$ROOT/scripts/virtual-control" "$WORK/virtual.ctl" remove 0)"
sleep 0.5
echo "virtual-control insert 0: $("$ROOT/scripts/virtual-control" "$WORK/virtual.ctl" insert 0)"
wait "$scan_pid" || true

step "Stopping pcscd"
kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""
tail -n 3 "$WORK/pcscd.log"
echo "Demo finished."
