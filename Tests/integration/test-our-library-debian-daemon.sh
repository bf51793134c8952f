#!/bin/sh
# Our libpcsclite.so.1 against Debian's real pcscd 1.9.9, which serves the virtual card
# through our IFD handler (reader.conf.d entry in a private configuration directory).
. "$(dirname "$0")/lib.sh"

start_debian_pcscd 1
compile_c_client "$ROOT/Tests/integration/clients/select-aid.c" "$WORK/select-aid"
PCSCLITE_CSOCK_NAME=$DEBIAN_SOCKET "$WORK/select-aid" >"$WORK/client.out" 2>&1 \
    || { cat "$WORK/client.out"; fail "select-aid with our library failed against Debian's pcscd"; }
cat "$WORK/client.out"
grep -q "^reader: Virtual Card Reader 0 00 00$" "$WORK/client.out" || fail "reader missing"
grep -q "^ATR: 3B 9C 96 80" "$WORK/client.out" || fail "ATR missing"
grep -q "^SELECT <.* 90 00$" "$WORK/client.out" || fail "SELECT answer missing"
pass "our library against Debian's pcscd with the virtual card IFD handler"
