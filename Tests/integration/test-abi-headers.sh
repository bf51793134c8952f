#!/bin/sh
# Header ABI: sizes, offsets and every constant of our include/PCSC equal Debian's.
. "$(dirname "$0")/lib.sh"
"$ROOT/Tests/abi/check-headers.sh" || fail "our headers differ from Debian's pcsc-lite 1.9.9 headers"
pass "headers match /usr/include/PCSC"
