#!/bin/sh
# Check that a built libpcsclite.so.1 exports what Debian's pcsc-lite 1.9.9
# library exports, and nothing else.
#
# Usage: Tests/abi/check-exports.sh LIBRARY
#   for example build/lib/libpcsclite.so.1
#
# Checks:
#   1. Defined dynamic symbols: the same names with the same nm kinds (T for
#      functions, R for read-only data), and the same sizes for data.
#   2. No symbol versions (Debian's library defines none).
#   3. SONAME is libpcsclite.so.1.
#   4. No dependency on the Swift runtime: neither the NEEDED entries nor
#      ldd list a libswift* library or anything under /opt/swift.
#   5. The three PCI objects hold the same bytes as in Debian's library,
#      read through dlopen(). Loading runs the library's initializers but
#      calls none of its functions.
#
# Environment: CC (default cc) for the small dlopen() probe.

set -eu

reference=/usr/lib/x86_64-linux-gnu/libpcsclite.so.1
expected_soname=libpcsclite.so.1
cc=${CC:-cc}
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

if [ $# -ne 1 ]; then
    echo "usage: $0 LIBRARY   (for example build/lib/libpcsclite.so.1)" >&2
    exit 2
fi
library=$1

if [ ! -f "$library" ]; then
    echo "error: library $library not found. Build it first, for example:" >&2
    echo "  make build" >&2
    exit 2
fi
if [ ! -f "$reference" ]; then
    echo "error: reference library $reference not found." >&2
    echo "It comes from Debian's pcsc-lite 1.9.9:" >&2
    echo "  apt-get install libpcsclite1" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Print "name kind" for functions and "name kind size" for data.
# Addresses differ between builds and are left out.
exported_symbols() {
    nm -D --defined-only -S "$1" | awk '
        NF == 4 && $3 != "T" { print $4, $3, $2 + 0; next }
        NF == 4 { print $4, $3; next }
        NF == 3 { print $3, $2 }'
}

check_symbols() {
    exported_symbols "$reference" | sort > "$work/reference.symbols"
    exported_symbols "$library" | sort > "$work/library.symbols"

    if diff -u "$work/reference.symbols" "$work/library.symbols" > "$work/symbols.diff"; then
        echo "symbols: $(wc -l < "$work/library.symbols") exported, same names and kinds as Debian's"
    else
        fail "exported symbols differ (- Debian's $reference, + $library):"
        tail -n +3 "$work/symbols.diff" | grep '^[-+]' | sed 's/^/  /' >&2
    fi
}

# A BASE entry alone (gold writes one for an anonymous version script)
# versions no symbol, so only the other entries count.
check_no_versioning() {
    versions=$(readelf -V -W "$library" |
        sed -n '/^Version definition section/,/^Version needs section/p' |
        sed -n 's/.*Flags: \([A-Za-z]*\).*Name: \(.*\)/\1 \2/p' |
        awk '$1 != "BASE" { print $2 }')
    if [ -n "$versions" ]; then
        fail "$library defines symbol versions" $versions "but Debian's library" \
            "exports unversioned symbols. Use an anonymous node { global: ...; };" \
            "in the version script."
    else
        echo "versioning: none, as in Debian's library"
    fi
}

check_soname() {
    soname=$(readelf -d "$library" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
    if [ "$soname" = "$expected_soname" ]; then
        echo "soname: $soname"
    else
        fail "SONAME is '${soname:-missing}', expected $expected_soname" \
            "(link with -Xlinker -soname=$expected_soname)"
    fi
}

check_no_swift_runtime() {
    needed=$(readelf -d "$library" | sed -n 's/.*Shared library: \[\(.*\)\].*/\1/p')
    swift_needed=$(echo "$needed" | grep -E '^libswift|^libFoundation|^libdispatch|^libBlocksRuntime' || true)
    if [ -n "$swift_needed" ]; then
        fail "NEEDED lists Swift runtime libraries (build with scripts/build-libpcsclite.sh):" $swift_needed
    fi

    if ! ldd "$library" > "$work/ldd.out" 2>&1; then
        fail "ldd $library failed:"
        sed 's/^/  /' "$work/ldd.out" >&2
        return 0
    fi
    swift_loaded=$(grep -E '/opt/swift|libswift' "$work/ldd.out" || true)
    if [ -n "$swift_loaded" ]; then
        fail "ldd lists Swift libraries:"
        echo "$swift_loaded" | sed 's/^/  /' >&2
    fi

    if [ -z "$swift_needed" ] && [ -z "$swift_loaded" ]; then
        echo "dependencies:" $needed
    fi
}

# Print the three exported SCARD_IO_REQUEST objects of a library as bytes.
write_pci_probe() {
    cat > "$work/pci_probe.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>

static const char *const names[] = {
    "g_rgSCardT0Pci", "g_rgSCardT1Pci", "g_rgSCardRawPci"
};

int main(int argc, char **argv)
{
    void *library;
    int failed = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: pci_probe LIBRARY\n");
        return 2;
    }
    library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "dlopen failed: %s\n", dlerror());
        return 1;
    }
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const unsigned char *bytes = dlsym(library, names[i]);

        if (bytes == NULL) {
            printf("%s missing\n", names[i]);
            failed = 1;
            continue;
        }
        printf("%s", names[i]);
        for (unsigned offset = 0; offset < 16; offset++)
            printf(" %02x", bytes[offset]);
        printf("\n");
    }
    return failed;
}
EOF
}

check_pci_contents() {
    write_pci_probe
    if ! "$cc" -std=c11 -Wall -Werror -o "$work/pci_probe" "$work/pci_probe.c" -ldl \
        2> "$work/pci_probe.log"; then
        fail "the PCI probe does not compile:"
        sed 's/^/  /' "$work/pci_probe.log" >&2
        return 0
    fi

    "$work/pci_probe" "$reference" > "$work/reference.pci" 2>&1 || true
    # The path must contain a slash, or dlopen() searches the library path.
    case $library in
        */*) library_path=$library ;;
        *) library_path=./$library ;;
    esac
    "$work/pci_probe" "$library_path" > "$work/library.pci" 2>&1 || true

    if diff -u "$work/reference.pci" "$work/library.pci" > "$work/pci.diff"; then
        echo "pci objects: same 16 bytes each as Debian's"
    else
        fail "PCI object contents differ (- Debian's, + $library):"
        tail -n +3 "$work/pci.diff" | grep '^[-+]' | sed 's/^/  /' >&2
    fi
}

check_symbols
check_no_versioning
check_soname
check_no_swift_runtime
check_pci_contents

if [ "$failures" -ne 0 ]; then
    echo "check-exports: $failures check(s) failed for $library" >&2
    exit 1
fi
echo "check-exports: $library exports the same interface as $reference"
