#!/bin/sh
# Benchmarks our PC/SC stack against Debian's pcsc-lite 1.9.9 in one interleaved run.
#
# Usage: bench/run.sh [--smoke] BUILD
#   BUILD    the directory `make build` fills (lib/libpcsclite.so.1, lib/libifdvirtual.so,
#            sbin/pcscd)
#   --smoke  every row with tiny iteration counts (about a minute); fails when any
#            measurement fails or any error count is non-zero, asserts no speed
#
# Prints one table and writes it to bench/results/latest.md plus a dated copy
# (bench/results/smoke-latest.md for --smoke). Needs root, because Debian's pcscd runs
# in a private mount namespace. Installs nothing: `make deps` provides the tools.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
smoke=""
if [ "${1:-}" = "--smoke" ]; then
    smoke="--smoke"
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--smoke] BUILD" >&2
    exit 2
fi
build=$1

if [ "$(id -u)" -ne 0 ]; then
    echo "bench: needs root to run Debian's pcscd in a private mount namespace (try sudo)" >&2
    exit 1
fi
for file in "$build/lib/libpcsclite.so.1" "$build/lib/libifdvirtual.so" "$build/sbin/pcscd"; do
    [ -e "$file" ] || { echo "bench: $file is missing; run 'make build' first" >&2; exit 1; }
done
missing=""
for tool in gcc pkg-config valgrind systemd-socket-activate unshare /usr/sbin/pcscd /usr/bin/python3; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
pkg-config --exists libpcsclite 2>/dev/null || missing="$missing libpcsclite-dev"
if [ -n "$missing" ]; then
    echo "bench: missing:$missing; 'make deps' installs them" >&2
    exit 1
fi

exec /usr/bin/python3 "$here/runner/main.py" $smoke "$build"
