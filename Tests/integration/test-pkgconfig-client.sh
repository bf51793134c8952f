#!/bin/sh
# A C program built with pkg-config against our installed library, run against our
# daemon with a virtual reader: lists readers, connects, transmits SELECT, reads answers.
. "$(dirname "$0")/lib.sh"

prefix=$WORK/prefix
PREFIX=$prefix "$ROOT/scripts/install.sh" "$BUILD" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs libpcsclite) || fail "pkg-config does not find libpcsclite in $PKG_CONFIG_PATH"
case $flags in
*"-I$prefix/include/PCSC"*"-L$prefix/lib"*) pass "pkg-config flags point into the install prefix: $flags" ;;
*) fail "unexpected pkg-config flags: $flags" ;;
esac

# shellcheck disable=SC2086
gcc -Wall -Werror -o "$WORK/select-aid" "$ROOT/Tests/integration/clients/select-aid.c" $flags
resolved=$(LD_LIBRARY_PATH=$prefix/lib ldd "$WORK/select-aid" | awk '/libpcsclite/ {print $3}')
[ "$resolved" = "$prefix/lib/libpcsclite.so.1" ] || fail "the program loads $resolved, not the installed library"
pass "the program loads $resolved"

start_our_pcscd --virtual-readers=1
PCSCLITE_CSOCK_NAME=$OUR_SOCKET LD_LIBRARY_PATH=$prefix/lib "$WORK/select-aid" >"$WORK/client.out" 2>&1 \
    || { cat "$WORK/client.out"; fail "select-aid failed against our daemon"; }
cat "$WORK/client.out"
grep -q "^reader: swift-pcsc Virtual CCID Reader" "$WORK/client.out" || fail "virtual reader not listed"
grep -q "^ATR: 3B 9C 96 80" "$WORK/client.out" || fail "ATR missing"
grep -q "^SELECT <.* 90 00$" "$WORK/client.out" || fail "SELECT answer missing"
pass "C client via pkg-config: list, connect, SELECT, GET CHALLENGE"
