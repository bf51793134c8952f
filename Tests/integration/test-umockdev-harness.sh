#!/bin/sh
# The umockdev emulation itself (C libusb probe) and the Swift libusb layer (usb-probe)
# against it: enumeration, descriptors, exchanges, hotplug, unplug and close latency.
. "$(dirname "$0")/lib.sh"
"$ROOT/Tests/umockdev/check-harness.sh" || fail "the umockdev harness checks failed"
"$ROOT/Tests/umockdev/check-libusb-swift.sh" || fail "the Swift libusb layer checks failed"
pass "umockdev harness and Swift libusb layer"
