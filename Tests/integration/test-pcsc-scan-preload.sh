#!/bin/sh
# Debian's pcsc_scan -r with our library preloaded lists the virtual reader of our daemon.
. "$(dirname "$0")/lib.sh"

start_our_pcscd --virtual-readers=2
output=$(PCSCLITE_CSOCK_NAME=$OUR_SOCKET LD_PRELOAD=$BUILD/lib/libpcsclite.so.1 timeout 20 pcsc_scan -r 2>&1) \
    || fail "pcsc_scan -r failed: $output"
echo "$output"
echo "$output" | grep -q "^0: swift-pcsc Virtual CCID Reader .* 00 00$" || fail "reader 0 missing"
echo "$output" | grep -q "^1: swift-pcsc Virtual CCID Reader .* 01 00$" || fail "reader 1 missing"

# The preload must really be used: pcsc_scan's libpcsclite.so.1 mapping is ours.
maps=$(PCSCLITE_CSOCK_NAME=$OUR_SOCKET LD_PRELOAD=$BUILD/lib/libpcsclite.so.1 LD_DEBUG=libs timeout 20 pcsc_scan -r 2>&1 >/dev/null | grep "calling init: .*libpcsclite" || true)
echo "$maps" | grep -q "$BUILD/lib/libpcsclite.so.1" || fail "pcsc_scan did not load our library: $maps"
pass "pcsc_scan -r with LD_PRELOAD lists both virtual readers"
