#!/bin/bash
# Loads libifdvirtual.so into Debian's pcscd 1.9.9 and checks it through Debian's
# libpcsclite (pyscard): reader list, connect in T=1 and T=0, transmit, attributes,
# SCardControl, and card removal, insertion and a mute card driven through the
# handler's control socket.
#
# pcscd runs in a private mount namespace with a tmpfs on /run, so it cannot touch the
# system's /run/pcscd, and listens only on a socket in a temporary directory.
# Needs root (unshare -m), /usr/sbin/pcscd, systemd-socket-activate and python3-pyscard.
#
# Usage: Tests/integration/test-ifd-virtual-debian-pcscd.sh [path/to/libifdvirtual.so]
# Without an argument it uses $BUILD/lib/libifdvirtual.so when BUILD is set (as
# run-all.sh sets it), else it builds the debug library with `swift build`.
# Exits non-zero when any check fails; the pcscd log is printed on failure.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
library=${1:-}
if [ -z "$library" ] && [ -n "${BUILD:-}" ]; then
    library="$BUILD/lib/libifdvirtual.so"
fi
if [ -z "$library" ]; then
    (cd "$root" && swift build --product ifdvirtual >&2)
    library="$root/.build/debug/libifdvirtual.so"
fi
library=$(realpath "$library")

for tool in /usr/sbin/pcscd systemd-socket-activate unshare /usr/bin/python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: install it first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/ifd-virtual-pcscd.XXXXXX)
pcscd_pid=""

stop_pcscd() {
    [ -n "$pcscd_pid" ] || return 0
    kill -TERM "$pcscd_pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pcscd_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pcscd_pid" 2>/dev/null || true
    wait "$pcscd_pid" 2>/dev/null || true
    pcscd_pid=""
}

cleanup() {
    stop_pcscd
    rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/conf"
cat >"$work/conf/virtual" <<CONF
FRIENDLYNAME "Virtual IFD"
DEVICENAME virtual:$work/control.sock
LIBPATH $library
CHANNELID 0
CONF

# unshare, sh and systemd-socket-activate all exec, so $! ends up as pcscd's PID.
unshare -m sh -c "mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/pcscd &&
    exec systemd-socket-activate -l '$work/pcscd.comm' /usr/sbin/pcscd --foreground -d -c '$work/conf'" \
    >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!

for _ in $(seq 50); do
    [ -S "$work/pcscd.comm" ] && break
    sleep 0.1
done
[ -S "$work/pcscd.comm" ] || {
    echo "timed out after 5 s waiting for the pcscd socket $work/pcscd.comm" >&2
    cat "$work/pcscd.log" >&2
    exit 1
}

# The first client makes systemd-socket-activate start pcscd, which creates the control
# socket when it loads the handler.
PCSCLITE_CSOCK_NAME="$work/pcscd.comm" timeout 20 /usr/bin/pcsc_scan -r >/dev/null 2>&1 || true
for _ in $(seq 50); do
    [ -S "$work/control.sock" ] && break
    sleep 0.1
done

status=0
if [ ! -S "$work/control.sock" ]; then
    echo "FAIL timed out after 5 s waiting for the handler's control socket $work/control.sock" >&2
    status=1
else
    PCSCLITE_CSOCK_NAME="$work/pcscd.comm" timeout 120 /usr/bin/python3 \
        "$root/Tests/integration/clients/ifd-virtual-debian-pcscd.py" "$work/control.sock" || status=$?
fi

stop_pcscd
if [ "$status" -ne 0 ]; then
    echo "--- pcscd log ($work/pcscd.log) ---" >&2
    tail -n 200 "$work/pcscd.log" >&2
fi
exit "$status"
