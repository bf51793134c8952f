#!/bin/sh
# Builds the pcscd executable with Embedded Swift from the sources of PCSCTypes, Threading,
# PCSCWire, USBTransport, CCID, VirtualCard, VirtualReader, PCSCDaemon and pcscd. The
# result links no Swift runtime or standard library and no libm.
#
# Usage: scripts/build-pcscd.sh OUTPUT_FILE [WORK_DIR]
#   OUTPUT_FILE  the executable to write, such as build/sbin/pcscd
#   WORK_DIR     directory for modules and objects (default: .build/embedded-pcscd)
#   SWIFTC       the compiler (default: swiftc beside `swift` on PATH, else /opt/swift)
#
# Built as normal Swift with the standard library linked statically, pcscd kept 3.3-3.5 MiB
# of its own pages resident when idle with one virtual reader (/proc/PID/smaps). Most of
# them were the standard library's code, runtime and type metadata, and the runtime also
# loaded libm. Embedded Swift compiles only the code the daemon uses: 0.70-0.76 MiB.
#
# SwiftPM cannot build this variant, because one target cannot be compiled both ways, so
# each module is compiled here, in dependency order. `swift build` still compiles the same
# sources as normal Swift, for the unit tests and the usb-probe test program.
set -eu

output=${1:?usage: build-pcscd.sh OUTPUT_FILE [WORK_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-$root/.build/embedded-pcscd}

script_name=build-pcscd.sh
. "$root/scripts/find-compilers.sh"

rm -rf "$work"
mkdir -p "$work/c" "$work/CPosix"

# SwiftPM writes the module map of a C target with an include/ directory itself, so this
# build writes one for CPosix. CLibUSB carries its own module map.
cat >"$work/CPosix/module.modulemap" <<EOF
module CPosix {
    header "$root/Sources/CPosix/include/CPosix.h"
    export *
}
EOF

# Embedded Swift needs whole-module compilation (-wmo). The -I paths find the C modules and
# the modules built before.
#
# Embedded Swift compiles into each module its own copy of every function it uses from
# the modules below it. -function-sections puts each function in its own section, so
# --gc-sections drops the copies that nothing calls: the code shrinks from 2.4 MB to
# 0.8 MB.
flags="-enable-experimental-feature Embedded -target x86_64-unknown-linux-gnu -wmo -Xfrontend -function-sections
    -I $work -I $root/Sources/EmbeddedGlibc -I $work/CPosix -I $root/Sources/CLibUSB
    $(pkg-config --cflags-only-I libusb-1.0 | sed 's/-I/-Xcc -I/g')"

compile_module() {
    module_name=$1
    shift
    # shellcheck disable=SC2086
    "$SWIFTC" $flags -module-name "$module_name" -emit-module \
        -emit-module-path "$work/$module_name.swiftmodule" -c -o "$work/$module_name.o" "$@"
}

# The modules that move the bytes of a transmit (the wire format, the locks, the CCID driver
# and the virtual reader) are optimized for speed (-O), the rest for size (-Osize). Measured
# by hand with bench/c/pcsc-bench.c, the daemon's CPU time for a 255-byte transmit to the
# virtual card was 23 us with everything at -O and 26-27 us with everything at -Osize. This
# split gave 22-23 us with 684 KB of code, against 756 KB at -O and 624 KB at -Osize.
optimization() {
    case $1 in
    PCSCWire | Threading | CCID | VirtualReader) echo -O ;;
    *) echo -Osize ;;
    esac
}

compile_module Glibc -Osize -parse-as-library "$root/Sources/EmbeddedGlibc/Glibc.swift"
for module_name in PCSCTypes Threading PCSCWire USBTransport CCID VirtualCard VirtualReader PCSCDaemon; do
    # shellcheck disable=SC2046
    compile_module "$module_name" "$(optimization "$module_name")" -parse-as-library \
        $(find "$root/Sources/$module_name" -name '*.swift' | sort)
done
compile_module pcscd -Osize -parse-as-library "$root/Sources/pcscd/EmbeddedMain.swift"

# Embedded Swift interpolates a value whose type lacks `CustomStringConvertible` as this
# text, where normal Swift prints the value, so a log line or message would lose it.
if grep -l "cannot print value in embedded Swift" "$work"/*.o >&2; then
    echo "build-pcscd.sh: the objects above interpolate a value whose type lacks CustomStringConvertible; add a description to that type" >&2
    exit 1
fi

for source in "$root/Sources/CPosix"/*.c; do
    "$clang" -O2 -c -I "$root/Sources/CPosix/include" \
        -o "$work/c/$(basename "$source" .c).o" "$source"
done
# -fno-builtin keeps clang from compiling the body of ceil into a call to ceil.
"$clang" -O2 -fno-builtin -c -o "$work/c/ceil.o" "$root/Sources/EmbeddedGlibc/ceil.c"

# Character properties (isNumber, isWhitespace) and String comparison need the Unicode
# tables of libswiftUnicodeDataTables.a. They are read-only data without relocations.
tables=$(dirname "$SWIFTC")/../lib/swift/embedded/x86_64-unknown-linux-gnu/libswiftUnicodeDataTables.a
# The functions that the daemon runs at start-up, then those it runs to serve clients, come
# first, in the order of Sources/pcscd/hot-functions.order (scripts/order-pcscd-functions.sh
# writes it). With the kernel's default fault-around of 64 KiB, the start-up code then
# falls into 5 such windows instead of 12, an estimate from callgrind's list of start-up
# functions and their addresses in the binary.
# NOTE: on the machine that measured this (Linux 6.18, ext4, 8 MiB readahead), all of the
# code was resident in every run, ordered or not, most likely because the page cache maps
# large folios whole.
mkdir -p "$(dirname "$output")"
# shellcheck disable=SC2046
"$clang" -fuse-ld=lld -o "$output" \
    "$work"/Glibc.o "$work"/PCSCTypes.o "$work"/Threading.o "$work"/PCSCWire.o \
    "$work"/USBTransport.o "$work"/CCID.o "$work"/VirtualCard.o "$work"/VirtualReader.o \
    "$work"/PCSCDaemon.o "$work"/pcscd.o "$work"/c/*.o "$tables" \
    $(pkg-config --libs libusb-1.0) \
    -Wl,--gc-sections -Wl,-z,pack-relative-relocs \
    -Wl,--symbol-ordering-file="$root/Sources/pcscd/hot-functions.order" -Wl,--no-warn-symbol-ordering
