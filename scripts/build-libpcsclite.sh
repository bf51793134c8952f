#!/bin/sh
# Builds libpcsclite.so.1 with Embedded Swift from the sources of PCSCTypes, Threading,
# PCSCWire, PCSCClient and PCSCLite. The result needs no Swift runtime library.
#
# Usage: scripts/build-libpcsclite.sh OUTPUT_FILE [WORK_DIR]
#   OUTPUT_FILE  the library to write, such as build/lib/libpcsclite.so.1.0.0
#   WORK_DIR     directory for modules and objects (default: .build/embedded-libpcsclite)
#   SWIFTC       the compiler (default: swiftc beside `swift` on PATH, else /opt/swift)
#
# A library built with the normal Swift runtime costs about 0.27 M instructions in the
# dynamic loader of every program that loads it, against 0.04 M for all of Debian's
# libpcsclite.so.1 (callgrind, bench/ row 5). Embedded Swift compiles only the code the
# library uses, with no type metadata and no runtime library.
#
# SwiftPM cannot build this variant, because the daemon shares these targets and needs
# the full runtime, and one target cannot be compiled both ways. So each module is
# compiled here, in dependency order. `swift build` still compiles the same sources as
# normal Swift, for the unit tests.
set -eu

output=${1:?usage: build-libpcsclite.sh OUTPUT_FILE [WORK_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-$root/.build/embedded-libpcsclite}

script_name=build-libpcsclite.sh
. "$root/scripts/find-compilers.sh"

rm -rf "$work"
mkdir -p "$work"
linkage="$root/Sources/PCSCLiteLinkage"

# Embedded Swift needs whole-module compilation (-wmo). -O optimizes for speed, as `swift
# build -c release` does. The -I paths find the C modules and the modules built before.
flags="-enable-experimental-feature Embedded -D EMBEDDED_LIBPCSCLITE -target x86_64-unknown-linux-gnu -wmo -O
    -parse-as-library -I $work -I $root/Sources/EmbeddedGlibc -I $root/Sources/CPCSC/include"

compile_module() {
    module_name=$1
    shift
    # shellcheck disable=SC2086
    "$SWIFTC" $flags -module-name "$module_name" -emit-module \
        -emit-module-path "$work/$module_name.swiftmodule" -c -o "$work/$module_name.o" "$@"
}

compile_module Glibc "$root/Sources/EmbeddedGlibc/Glibc.swift"
for module_name in PCSCTypes Threading PCSCWire; do
    compile_module "$module_name" "$root/Sources/$module_name"/*.swift
done
# The client and its C export layer are compiled as one module, because Embedded Swift
# would otherwise specialize the client's generic types in the export layer, where the
# client's internal deinitializers are not visible. EMBEDDED_LIBPCSCLITE removes the
# export layer's `import PCSCClient`.
compile_module PCSCClient "$root/Sources/PCSCClient"/*.swift "$root/Sources/PCSCLite"/*.swift

# Embedded Swift interpolates a value whose type lacks `CustomStringConvertible` as this
# text, where normal Swift prints the value, so a log line or message would lose it.
if grep -l "cannot print value in embedded Swift" "$work"/*.o >&2; then
    echo "build-libpcsclite.sh: the objects above interpolate a value whose type lacks CustomStringConvertible; add a description to that type" >&2
    exit 1
fi
# The C files of CPCSC (the PCI objects, the error text buffer) go in as they are.
mkdir -p "$work/c"
for source in "$root/Sources/CPCSC"/*.c; do
    "$clang" -O2 -fPIC -c -I "$root/include/PCSC" -I "$root/Sources/CPCSC/include" \
        -o "$work/c/$(basename "$source" .c).o" "$source"
done

# String comparison (of socket paths, among others) needs the Unicode normalization tables
# of libswiftUnicodeDataTables.a. They are read-only data without relocations.
tables=$(dirname "$SWIFTC")/../lib/swift/embedded/x86_64-unknown-linux-gnu/libswiftUnicodeDataTables.a
mkdir -p "$(dirname "$output")"
"$clang" -shared -fuse-ld=lld -o "$output" \
    "$work"/Glibc.o "$work"/PCSCTypes.o "$work"/Threading.o "$work"/PCSCWire.o \
    "$work"/PCSCClient.o "$work"/c/*.o "$tables" \
    -Wl,-soname=libpcsclite.so.1 -Wl,--version-script="$linkage/exports.map" \
    -Wl,-z,defs -Wl,--gc-sections -Wl,-z,pack-relative-relocs
