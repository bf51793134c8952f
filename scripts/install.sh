#!/bin/sh
# Installs the staged build: scripts/install.sh BUILD_DIR
# Directories come from the environment (make passes them): PREFIX, LIBDIR, INCLUDEDIR,
# SBINDIR, SYSTEMDUNITDIR, and DESTDIR for staged installs (packaging).
set -eu

BUILD=${1:?usage: install.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
SBINDIR=${SBINDIR:-$PREFIX/sbin}
SYSTEMDUNITDIR=${SYSTEMDUNITDIR:-$PREFIX/lib/systemd/system}
DESTDIR=${DESTDIR:-}

for file in "$BUILD/lib/libpcsclite.so.1.0.0" "$BUILD/sbin/pcscd"; do
    [ -f "$file" ] || { echo "install.sh: $file is missing; run 'make build' first" >&2; exit 1; }
done

install -d "$DESTDIR$LIBDIR/pkgconfig" "$DESTDIR$INCLUDEDIR/PCSC" "$DESTDIR$SBINDIR" \
    "$DESTDIR$SYSTEMDUNITDIR"
install -m 0755 "$BUILD/lib/libpcsclite.so.1.0.0" "$DESTDIR$LIBDIR/libpcsclite.so.1.0.0"
ln -sf libpcsclite.so.1.0.0 "$DESTDIR$LIBDIR/libpcsclite.so.1"
ln -sf libpcsclite.so.1 "$DESTDIR$LIBDIR/libpcsclite.so"
install -m 0644 "$ROOT"/include/PCSC/*.h "$DESTDIR$INCLUDEDIR/PCSC/"
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@LIBDIR@|$LIBDIR|g" -e "s|@INCLUDEDIR@|$INCLUDEDIR/PCSC|g" \
    "$ROOT/pkgconfig/libpcsclite.pc.in" >"$DESTDIR$LIBDIR/pkgconfig/libpcsclite.pc"
install -m 0755 "$BUILD/sbin/pcscd" "$DESTDIR$SBINDIR/pcscd"
for unit in pcscd.socket pcscd.service; do
    sed -e "s|@SBINDIR@|$SBINDIR|g" "$ROOT/systemd/$unit" >"$DESTDIR$SYSTEMDUNITDIR/$unit"
    chmod 0644 "$DESTDIR$SYSTEMDUNITDIR/$unit"
done
echo "Installed into $DESTDIR$PREFIX"
