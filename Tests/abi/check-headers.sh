#!/bin/sh
# Compare this repository's include/PCSC with Debian's pcsc-lite 1.9.9
# headers in /usr/include/PCSC and exit 0 only when they agree.
#
# Checks, in this order:
#   1. Macro names: the set of #define names (both branches of every #if)
#      is the same, and abi_dump.c mentions each of them.
#   2. Declared names: typedefs, struct tags, enumerators, functions and
#      objects are the same, and abi_dump.c mentions each of them.
#   3. ABI dump: abi_dump.c, built once against each header set in several
#      configurations (-I.../PCSC, <PCSC/...> with -I<parent>, UNICODE,
#      NO_LOG, IFDHANDLERv2, predefined overrides, gnu89), prints the same
#      sizes, offsets, types, values and log output for both.
#   4. Preprocessor: each macro is usable in #if for both or for neither.
#   5. Non-GNU compilers: __FUNCTION__ and __attribute__ get the same
#      replacement text.
#   6. C++: a C++ file that calls every function links against C names.
#
# Environment: CC (default cc) and CXX (default c++). KEEP_WORK=1 keeps the
# dumps and logs in the temporary directory and prints its path.
# The Debian build links against -lpcsclite for the PCI objects. The
# library is only loaded, none of its functions run.

set -eu

script_dir=$(cd "$(dirname "$0")" && pwd)
repository=$(cd "$script_dir/../.." && pwd)
our_headers="$repository/include/PCSC"
debian_headers=/usr/include/PCSC
dump_source="$script_dir/abi_dump.c"
pci_source="$repository/Sources/CPCSC/pci.c"
header_files="wintypes.h pcsclite.h winscard.h reader.h ifdhandler.h debuglog.h"
cc=${CC:-cc}
cxx=${CXX:-c++}
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

require_debian_headers() {
    for header in $header_files; do
        if [ ! -f "$debian_headers/$header" ]; then
            echo "error: $debian_headers/$header not found." >&2
            echo "The reference headers come from Debian's pcsc-lite 1.9.9:" >&2
            echo "  apt-get install libpcsclite-dev" >&2
            exit 1
        fi
    done
}

work=$(mktemp -d)
if [ -n "${KEEP_WORK:-}" ]; then
    echo "work files: $work"
else
    trap 'rm -rf "$work"' EXIT
fi

# Print the #define names of the headers in directory $1, one per line.
macro_names() {
    for header in $header_files; do
        sed -n 's/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$1/$header"
    done | sort -u
}

# Print "kind name" for every declaration that the headers in directory $1
# make: typedef, struct (tag), enumerator, function and object.
declared_names() {
    for header in $header_files; do
        echo "#include <$header>"
    done | "$cc" -E -I"$1" -x c - |
        awk '
            /^# [0-9]+ "/ { keep = ($3 ~ /\/PCSC\/[a-z]+\.h"$/); next }
            /^[ \t]*#/ { next }
            keep { text = text " " $0 }
            END {
                # Struct tags and enumerators sit inside braces, so take
                # them before dropping brace blocks.
                rest = text
                while (match(rest, /struct[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*\{/)) {
                    tag = substr(rest, RSTART, RLENGTH)
                    sub(/^struct[ \t]+/, "", tag)
                    sub(/[ \t]*\{$/, "", tag)
                    print "struct " tag
                    rest = substr(rest, RSTART + RLENGTH)
                }
                rest = text
                while (match(rest, /enum[ \t]*\{[^}]*\}/)) {
                    body = substr(rest, RSTART, RLENGTH)
                    sub(/^enum[ \t]*\{/, "", body)
                    sub(/\}$/, "", body)
                    count = split(body, items, ",")
                    for (i = 1; i <= count; i++) {
                        if (match(items[i], /[A-Za-z_][A-Za-z0-9_]*/))
                            print "enumerator " substr(items[i], RSTART, RLENGTH)
                    }
                    rest = substr(rest, RSTART + RLENGTH)
                }

                gsub(/\{[^}]*\}/, " ", text)
                count = split(text, statements, ";")
                for (i = 1; i <= count; i++) {
                    statement = statements[i]
                    if (statement ~ /^[ \t]*$/ || statement ~ /^[ \t]*enum[ \t]*$/)
                        continue
                    if (statement ~ /^[ \t]*typedef[ \t]/) {
                        parts = split(statement, declarators, ",")
                        for (j = 1; j <= parts; j++) {
                            declarator = declarators[j]
                            sub(/\[[^]]*\][ \t]*$/, "", declarator)
                            if (match(declarator, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
                                name = substr(declarator, RSTART, RLENGTH)
                                sub(/[ \t]+$/, "", name)
                                print "typedef " name
                            }
                        }
                    } else if (match(statement, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
                        name = substr(statement, RSTART, RLENGTH)
                        sub(/[ \t]*\($/, "", name)
                        print "function " name
                    } else {
                        parts = split(statement, declarators, ",")
                        for (j = 1; j <= parts; j++) {
                            if (match(declarators[j], /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) {
                                name = substr(declarators[j], RSTART, RLENGTH)
                                sub(/[ \t]+$/, "", name)
                                print "object " name
                            }
                        }
                    }
                }
            }' | sort -u
}

# Compare two sorted name lists and report names present in only one.
compare_name_sets() {
    what=$1
    debian_list=$2
    our_list=$3

    missing=$(comm -23 "$debian_list" "$our_list")
    extra=$(comm -13 "$debian_list" "$our_list")
    if [ -n "$missing" ]; then
        fail "$what in $debian_headers but not in $our_headers:"
        echo "$missing" | sed 's/^/  /' >&2
    fi
    if [ -n "$extra" ]; then
        fail "$what in $our_headers but not in $debian_headers:"
        echo "$extra" | sed 's/^/  /' >&2
    fi
}

# Report names from list $2 (last word of each line) that abi_dump.c never
# mentions, so a new header name cannot slip past the dump unnoticed.
require_dump_coverage() {
    what=$1
    list=$2
    uncovered=""
    for name in $(awk '{ print $NF }' "$list"); do
        if ! grep -qw -- "$name" "$dump_source"; then
            uncovered="$uncovered $name"
        fi
    done
    if [ -n "$uncovered" ]; then
        fail "$what that $dump_source does not dump (add them there):$uncovered"
    fi
}

check_names() {
    macro_names "$debian_headers" > "$work/debian.macros"
    macro_names "$our_headers" > "$work/our.macros"
    compare_name_sets "macro names" "$work/debian.macros" "$work/our.macros"
    require_dump_coverage "macro names" "$work/debian.macros"

    declared_names "$debian_headers" > "$work/debian.declarations"
    declared_names "$our_headers" > "$work/our.declarations"
    compare_name_sets "declarations" "$work/debian.declarations" "$work/our.declarations"
    require_dump_coverage "declared names" "$work/debian.declarations"

    echo "names: $(wc -l < "$work/debian.macros") macros and" \
        "$(wc -l < "$work/debian.declarations") declarations compared"
}

# Build and run abi_dump.c against one header set.
# Arguments: output file, include directory, the object or library that
# defines the PCI objects (one word), then compiler flags.
build_and_dump() {
    output=$1
    include_directory=$2
    link_input=$3
    shift 3

    # $link_input stays unquoted: it is one path or one -l option.
    # shellcheck disable=SC2086
    if ! "$cc" -Wall -Wextra -Wstrict-prototypes -Werror "$@" \
        -I"$include_directory" -o "$output.bin" "$dump_source" $link_input \
        2> "$output.log"; then
        fail "abi_dump.c does not compile with -I$include_directory $*:"
        sed 's/^/  /' "$output.log" >&2
        return 1
    fi
    "$output.bin" > "$output"
}

# Dump both header sets with the same flags and diff the results.
# Arguments: configuration name, then compiler flags.
compare_configuration() {
    name=$1
    shift

    build_and_dump "$work/$name.debian" "$debian_headers" -lpcsclite "$@" || return 0
    build_and_dump "$work/$name.ours" "$our_headers" "$work/pci.o" "$@" || return 0
    report_dump_difference "$name" "$work/$name.debian" "$work/$name.ours"
}

report_dump_difference() {
    if diff -u "$2" "$3" > "$work/$1.diff"; then
        echo "dump $1: $(wc -l < "$3") lines identical"
    else
        fail "dump $1 differs (- Debian, + ours):"
        sed 's/^/  /' "$work/$1.diff" >&2
    fi
}

check_dumps() {
    # pci.c is built once with default flags. The overrides configuration
    # only compiles when the includer supplies the typedefs it removes, and
    # pci.c does not.
    if ! "$cc" -std=c11 -Wall -Wextra -Werror -I"$our_headers" -c \
        -o "$work/pci.o" "$pci_source" 2> "$work/pci.log"; then
        fail "$pci_source does not compile:"
        sed 's/^/  /' "$work/pci.log" >&2
        return 0
    fi

    compare_configuration default -std=c11

    # <PCSC/winscard.h> with only the parent directory on the include path:
    # our headers must find each other through quoted includes. Debian's use
    # <pcsclite.h> and need -I.../PCSC, so the default Debian dump is the
    # reference here.
    build_and_dump "$work/parent.ours" "$repository/include" "$work/pci.o" \
        -std=c11 -DABI_DUMP_PARENT_INCLUDE &&
        report_dump_difference parent "$work/default.debian" "$work/parent.ours"

    compare_configuration variants -std=c11 -DUNICODE -DNO_LOG -DIFDHANDLERv2
    compare_configuration overrides -std=c11 -DINFINITE=0x7FFFFFFF \
        -DSCARD_ATR_LENGTH=40 "-DBYTE=unsigned char" \
        -DRESPONSECODE_DEFINED_IN_WINTYPES_H -D__COREFOUNDATION_CFPLUGINCOM__ \
        "-DPCSC_API=__attribute__((visibility(\"default\")))"
    # Without __STDC_VERSION__ the PIN structures end in abData[0].
    compare_configuration gnu89 -std=gnu89
}

# Print "NAME ok" or "NAME not usable in #if" for every macro, as seen by
# the preprocessor with the headers in directory $1.
preprocessor_usability() {
    probe="$work/probe.$2.c"
    for header in $header_files; do
        echo "#include <$header>"
    done > "$probe"
    # Line numbers identify the macro in the compiler's error output.
    first_line=$(($(wc -l < "$probe") + 1))
    while read -r name; do
        echo "#if $name"
        echo "#endif"
    done < "$work/debian.macros" >> "$probe"

    "$cc" -E -I"$1" "$probe" > /dev/null 2> "$work/probe.$2.log" || true
    line=$first_line
    while read -r name; do
        if grep -q "probe\.$2\.c:$line:" "$work/probe.$2.log"; then
            echo "$name not usable in #if"
        else
            echo "$name ok"
        fi
        line=$((line + 2))
    done < "$work/debian.macros"
}

check_preprocessor() {
    preprocessor_usability "$debian_headers" debian > "$work/preprocessor.debian"
    preprocessor_usability "$our_headers" ours > "$work/preprocessor.ours"
    report_dump_difference preprocessor "$work/preprocessor.debian" "$work/preprocessor.ours"
}

# glibc headers need __GNUC__, so only the replacement text is compared.
check_non_gnu_macros() {
    for set in debian ours; do
        if [ "$set" = debian ]; then directory=$debian_headers; else directory=$our_headers; fi
        echo "#include <debuglog.h>" |
            "$cc" -E -dM -U__GNUC__ -I"$directory" -x c - 2> /dev/null |
            grep -E '^#define (__FUNCTION__|__attribute__)\b' | sort > "$work/non-gnu.$set"
    done
    if [ ! -s "$work/non-gnu.ours" ]; then
        fail "debuglog.h defines neither __FUNCTION__ nor __attribute__ without __GNUC__"
    fi
    report_dump_difference non-gnu "$work/non-gnu.debian" "$work/non-gnu.ours"
}

# Every function of the headers must keep its C name when called from C++.
check_cplusplus_linkage() {
    functions=$(awk '$1 == "function" { print $2 }' "$work/our.declarations")
    {
        for header in $header_files; do
            echo "#include <$header>"
        done
        echo "void *referenced_functions[] = {"
        for name in $functions; do
            echo "    (void *)&$name,"
        done
        echo "};"
    } > "$work/linkage.cpp"

    if ! "$cxx" -Wall -Wextra -Werror -c -I"$our_headers" -o "$work/linkage.o" \
        "$work/linkage.cpp" 2> "$work/linkage.log"; then
        fail "the headers do not compile as C++:"
        sed 's/^/  /' "$work/linkage.log" >&2
        return 0
    fi
    nm -u "$work/linkage.o" | awk '{ print $2 }' | sort > "$work/linkage.symbols"
    echo "$functions" | sort > "$work/linkage.expected"
    missing=$(comm -23 "$work/linkage.expected" "$work/linkage.symbols")
    if [ -n "$missing" ]; then
        fail "functions that get mangled C++ names when the headers are" \
            "included from C++ (wrap them in extern \"C\"):" $missing
    else
        echo "c++: $(echo "$functions" | wc -w) functions keep their C names"
    fi
}

require_debian_headers
check_names
check_dumps
check_preprocessor
check_non_gnu_macros
check_cplusplus_linkage

if [ "$failures" -ne 0 ]; then
    echo "check-headers: $failures check(s) failed" >&2
    exit 1
fi
echo "check-headers: $our_headers matches $debian_headers"
