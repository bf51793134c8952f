#!/bin/sh
# Writes Sources/pcscd/hot-functions.order: the functions that pcscd runs while it starts
# with one virtual reader, then those it runs to serve the benchmark's calls, as recorded
# by callgrind. scripts/build-pcscd.sh has the linker place them first, in that order
# (--symbol-ordering-file), so the code an idle daemon touches fills few pages. The
# kernel maps file pages around each fault (64 KiB by default), so scattered code keeps
# far more of the binary resident than it runs.
#
# Usage: scripts/order-pcscd-functions.sh BUILD_DIR   (after `make build`)
# Needs valgrind, gcc and libpcsclite-dev (make deps). Rerun it after larger changes to
# the daemon: names that no longer exist are ignored, and new functions are placed after
# the listed ones.
set -eu

build=$(cd "${1:?usage: order-pcscd-functions.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/pcscd-order.XXXXXX)
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# valgrind 3.19 cannot read the DWARF 5 debug information that Swift emits.
cp "$build/sbin/pcscd" "$work/pcscd"
strip --strip-debug "$work/pcscd"
gcc -D_GNU_SOURCE -O2 -I "$root/bench/c" -o "$work/pcsc-bench" "$root/bench/c/pcsc-bench.c" \
    $(pkg-config --cflags --libs libpcsclite) -ldl

export PCSCLITE_CSOCK_NAME="$work/pcscd.comm"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/callgrind.out" \
    "$work/pcscd" --foreground --virtual-readers=1 --virtual-control="$work/control" \
    >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do
    [ -S "$work/control" ] && break
    sleep 0.1
done
if [ ! -S "$work/control" ]; then
    cat "$work/daemon.log" >&2
    echo "order-pcscd-functions.sh: pcscd under valgrind did not create $work/control within 30 s" >&2
    exit 1
fi
# The functions of the start-up go to a dump of their own (callgrind.out.1), after the
# 2 s that the benchmark's memory row waits before it reads the daemon's RSS.
sleep 2
callgrind_control --dump=start-up "$daemon_pid" >/dev/null

for operation in transmit-13 transmit-255 transaction context list-readers status-change-0 connect session; do
    LD_LIBRARY_PATH="$build/lib" "$work/pcsc-bench" "$operation" 30 >/dev/null
done
"$root/scripts/virtual-control" "$work/control" remove 0 >/dev/null
"$root/scripts/virtual-control" "$work/control" insert 0 >/dev/null
LD_LIBRARY_PATH="$build/lib" "$work/pcsc-bench" session 5 >/dev/null

kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""

# The names callgrind recorded that the binary defines: those of the start-up first, then
# the rest, each in the order callgrind lists them. That order kept 0.5 MiB less of the
# normal Swift binary resident than the same names sorted.
nm "$work/pcscd" | awk 'NF == 3 { print $3 }' | sort -u >"$work/defined"
sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$work/callgrind.out.1" "$work/callgrind.out" | awk '!seen[$0]++' \
    | grep -Fx -f "$work/defined" >"$root/Sources/pcscd/hot-functions.order"
echo "Wrote $(wc -l <"$root/Sources/pcscd/hot-functions.order") function names to Sources/pcscd/hot-functions.order; run make build to relink pcscd"
