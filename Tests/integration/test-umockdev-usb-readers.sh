#!/bin/sh
# The libusb path for real, without hardware: umockdev presents emulated USB CCID readers
# (TPDU level with T=1 on the host, short APDU, extended APDU) to our pcscd, which finds
# them, powers the cards, exchanges APDUs, follows card and hotplug events, and survives
# an unplug in the middle of a transfer. Both client libraries are used.
. "$(dirname "$0")/lib.sh"

harness=$ROOT/Tests/umockdev/ccid_harness.py
for library in ours debian; do
    cat >"$WORK/inner.sh" <<INNER
#!/bin/sh
# Runs inside the umockdev testbed: start pcscd there, then the client session.
export PCSCLITE_CSOCK_NAME=$WORK/pcscd-$library.comm
"$BUILD/sbin/pcscd" --foreground --debug >"$WORK/pcscd-$library.log" 2>&1 &
daemon=\$!
for _ in \$(seq 100); do [ -S "\$PCSCLITE_CSOCK_NAME" ] && break; sleep 0.05; done
if [ "$library" = ours ]; then export LD_LIBRARY_PATH="$BUILD/lib"; fi
LD_PRELOAD= /usr/bin/python3 "$ROOT/Tests/integration/clients/umockdev-session.py"
status=\$?
kill \$daemon
wait \$daemon
exit \$status
INNER
    chmod +x "$WORK/inner.sh"
    timeout 120 /usr/bin/python3 "$harness" --reader tpdu --reader short --reader extended -- "$WORK/inner.sh" \
        || fail "USB reader session with the $library library failed (see $WORK/pcscd-$library.log)"
    pass "emulated USB readers with the $library client library"
done
