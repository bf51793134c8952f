#!/bin/sh
# Run the same C client (client-check.c) against Debian's pcscd 1.9.9, once
# linked with Debian's libpcsclite.so.1 and once with this project's library,
# and require identical output. Two daemon runs: one without readers, one with
# the echo IFD handler of fake-echo-ifd.c as "Fake Reader 00 00". The run
# without readers also checks the results this project relies on: Establish
# with the 4:4 fallback, ListReaders -> SCARD_E_NO_READERS_AVAILABLE, a timed
# GetStatusChange on the PnP reader -> SCARD_E_TIMEOUT, Cancel from another
# thread -> SCARD_E_CANCELLED, Release.
#
# A third run restarts the daemon while the client holds a context and a card
# handle. pcsc-lite never reconnects (its old context gets SCARD_E_NO_SERVICE);
# this library moves the context to the new daemon and reports the old card
# handle as removed until SCardReconnect, which is checked for this library
# only.
#
# Usage: Tests/integration/client-vs-debian-pcscd.sh [LIBRARY]
#   LIBRARY defaults to $BUILD/lib/libpcsclite.so.1 when BUILD is set (as run-all.sh
#   sets it), else to build/lib/libpcsclite.so.1 (build it with: make build)
#
# Needs root (for unshare -m), Debian's pcscd and libpcsclite1, and
# systemd-socket-activate. The daemon runs in a private mount namespace with
# a tmpfs on /run/pcscd, so it never touches the system's pid file or socket.
# The client finds it through PCSCLITE_CSOCK_NAME. After a failure the work
# directory with the outputs and daemon logs is kept.

set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
library=${1:-${BUILD:+$BUILD/lib/libpcsclite.so.1}}
library=${library:-$root/build/lib/libpcsclite.so.1}
reference=/usr/lib/x86_64-linux-gnu/libpcsclite.so.1
pcscd=/usr/sbin/pcscd
cc=${CC:-cc}

for tool in "$pcscd" "$reference" "$library"; do
    if [ ! -e "$tool" ]; then
        echo "error: $tool not found." >&2
        echo "Build the library with: make build" >&2
        echo "Debian's pcscd and library come from: apt-get install pcscd libpcsclite1" >&2
        exit 2
    fi
done
for tool in systemd-socket-activate unshare "$cc"; do
    if ! command -v "$tool" > /dev/null; then
        echo "error: $tool not found on PATH." >&2
        exit 2
    fi
done
if [ "$(id -u)" -ne 0 ]; then
    echo "error: run as root: unshare -m needs it for the private /run/pcscd." >&2
    exit 2
fi

work=$(mktemp -d /tmp/client-vs-pcscd.XXXXXX)
daemon=
stop_daemon() {
    if [ -n "$daemon" ]; then
        kill "$daemon" 2> /dev/null || true
        wait "$daemon" 2> /dev/null || true
        daemon=
    fi
}
failures=0
trap 'stop_daemon; if [ "$failures" -eq 0 ]; then rm -rf "$work"; fi' EXIT

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

build() {
    mkdir -p "$work/lib" "$work/empty-conf" "$work/reader-conf"
    ln -s "$(cd "$(dirname "$library")" && pwd)/$(basename "$library")" "$work/lib/libpcsclite.so.1"
    ln -s libpcsclite.so.1 "$work/lib/libpcsclite.so"

    flags="-std=c99 -D_DEFAULT_SOURCE -Wall -Werror -pthread -I $root/include/PCSC"
    # shellcheck disable=SC2086
    $cc $flags -o "$work/check-ours" "$root/Tests/integration/clients/client-check.c" \
        -L "$work/lib" -Wl,-rpath,"$work/lib" -lpcsclite
    # shellcheck disable=SC2086
    $cc $flags -o "$work/check-debian" "$root/Tests/integration/clients/client-check.c" "$reference"
    # shellcheck disable=SC2086
    $cc $flags -shared -fPIC -o "$work/libfakeifd.so" "$root/Tests/integration/clients/fake-echo-ifd.c"

    cat > "$work/reader-conf/fake" <<CONF
FRIENDLYNAME "Fake Reader"
LIBPATH $work/libfakeifd.so
CHANNELID 0
CONF

    if ldd "$work/check-ours" | grep -q "$work/lib/libpcsclite.so.1"; then :; else
        fail "check-ours does not load $library"
    fi
}

# Starts pcscd on $work/pcscd.comm with the given configuration directory.
start_daemon() {
    socket=$work/pcscd.comm
    rm -f "$socket"
    mkdir -p /run/pcscd
    unshare -m sh -c 'mount -t tmpfs tmpfs /run/pcscd && exec systemd-socket-activate -l "$1" "$2" --foreground -c "$3"' \
        sh "$socket" "$pcscd" "$1" > "$work/pcscd-$(basename "$1").log" 2>&1 &
    daemon=$!
    for _ in $(seq 50); do
        [ -S "$socket" ] && return 0
        sleep 0.1
    done
    fail "pcscd socket $socket did not appear"
    return 1
}

# Runs both builds of the client in MODE and compares their outputs.
compare() {
    mode=$1
    PCSCLITE_CSOCK_NAME=$work/pcscd.comm "$work/check-debian" "$mode" > "$work/debian-$mode.out" 2>&1 ||
        fail "check-debian $mode exited with $?"
    PCSCLITE_CSOCK_NAME=$work/pcscd.comm "$work/check-ours" "$mode" > "$work/ours-$mode.out" 2>&1 ||
        fail "check-ours $mode exited with $?"
    if diff -u "$work/debian-$mode.out" "$work/ours-$mode.out" > "$work/$mode.diff"; then
        echo "$mode: $(wc -l < "$work/ours-$mode.out") results, identical with Debian's libpcsclite"
    else
        fail "$mode: results differ (- Debian's libpcsclite, + $library):"
        tail -n +3 "$work/$mode.diff" | grep -a '^[-+]' | sed 's/^/  /' >&2
    fi
}

expect() {
    if grep -qxF "$2" "$work/ours-$1.out"; then :; else
        fail "$1: expected line \"$2\", got: $(grep -F "${2%%:*}:" "$work/ours-$1.out" || echo nothing)"
    fi
}

build

start_daemon "$work/empty-conf"
compare no-reader
expect no-reader "establish: 0x00000000 Command successful."
expect no-reader "list readers size: 0x8010002E Cannot find a smart card reader."
expect no-reader "list readers length: 0x1"
expect no-reader "pnp timeout 300: 0x8010000A Command timeout."
expect no-reader "status change after cancel: 0x80100002 Command cancelled."
expect no-reader "release: 0x00000000 Command successful."
stop_daemon

start_daemon "$work/reader-conf"
compare reader
expect reader "connect shared: 0x00000000 Command successful."
expect reader "transmit response: 00 A4 04 00 02 3F 00 90 00"
stop_daemon

# Runs check-ours in restart mode and restarts the daemon while it waits.
check_restart() {
    mkfifo "$work/restart.in"
    PCSCLITE_CSOCK_NAME=$work/pcscd.comm "$work/check-ours" restart < "$work/restart.in" > "$work/ours-restart.out" 2>&1 &
    client=$!
    exec 3> "$work/restart.in"
    for _ in $(seq 50); do
        grep -qx ready "$work/ours-restart.out" && break
        sleep 0.1
    done
    stop_daemon
    start_daemon "$work/reader-conf"
    echo go >&3
    exec 3>&-
    wait "$client" || fail "check-ours restart exited with $?"

    expect restart "connect before restart: 0x00000000 Command successful."
    expect restart "valid context after restart: 0x00000000 Command successful."
    expect restart "list readers after restart: 0x00000000 Command successful."
    expect restart "transmit on old card: 0x80100069 Card was removed."
    expect restart "status of old card: 0x80100069 Card was removed."
    expect restart "reconnect old card: 0x00000000 Command successful."
    expect restart "transmit after reconnect: 0x00000000 Command successful."
    expect restart "transmit after reconnect response: 00 B0 00 00 02 90 00"
    expect restart "disconnect after restart: 0x00000000 Command successful."
    expect restart "release: 0x00000000 Command successful."
    echo "restart: old context and card handle work again on the new daemon"
}

start_daemon "$work/reader-conf"
check_restart
stop_daemon

if [ "$failures" -ne 0 ]; then
    echo "client-vs-debian-pcscd: $failures check(s) failed; outputs and daemon logs are in $work" >&2
    exit 1
fi
echo "client-vs-debian-pcscd: all checks passed"
