#!/bin/sh
# Exported interface: the 19 functions and 3 PCI objects of Debian's libpcsclite.so.1,
# nothing else, SONAME libpcsclite.so.1, and no Swift runtime library needed at run time.
. "$(dirname "$0")/lib.sh"
"$ROOT/Tests/abi/check-exports.sh" "$BUILD/lib/libpcsclite.so.1.0.0" || fail "exported interface differs"

# It must load and work with the Swift toolchain out of sight.
env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$BUILD/lib" /usr/bin/python3 - "$BUILD/lib/libpcsclite.so.1" <<'PY' \
    || fail "the library does not load without the Swift toolchain"
import ctypes, sys
library = ctypes.CDLL(sys.argv[1])
library.pcsc_stringify_error.restype = ctypes.c_char_p
assert library.pcsc_stringify_error(ctypes.c_long(0x80100008)) == b"Insufficient buffer."
PY
ldd "$BUILD/lib/libpcsclite.so.1" | grep -Ei "swift|/opt/" && fail "the library needs Swift toolchain files"
pass "exports, SONAME and run-time dependencies"
