#!/bin/sh
# Java's javax.smartcardio (OpenJDK 17, Debian's openjdk-17-jdk-headless) against our
# pcscd with one virtual reader, once with Debian's libpcsclite.so.1 and once with ours.
# Debian builds the JVM's libj2pcsc.so linked against libpcsclite.so.1 (it ignores the
# property sun.security.smartcardio.library), so LD_LIBRARY_PATH picks our library.
# The session is Tests/integration/clients/SmartCardIOSession.java: reader list, connect,
# ATR, SELECT, GET CHALLENGE, a 250-byte ECHO, exclusive access, a control command, card
# removal and insertion. Each run gets a fresh daemon.
. "$(dirname "$0")/lib.sh"

SESSION=$ROOT/Tests/integration/clients/SmartCardIOSession.java
DEBIAN_LIBRARY=/usr/lib/x86_64-linux-gnu/libpcsclite.so.1
OUR_LIBRARY=$BUILD/lib/libpcsclite.so.1
failed=""

[ -x "$BUILD/sbin/pcscd" ] || fail "missing $BUILD/sbin/pcscd: build it first (make build)"
[ -e "$OUR_LIBRARY" ] || fail "missing $OUR_LIBRARY: build it first (make build)"
command -v javac >/dev/null || fail "javac not found: install openjdk-17-jdk-headless (make deps)"

mkdir -p "$WORK/java"
javac -d "$WORK/java" "$SESSION" || fail "javac could not compile $SESSION"

# Runs the session with LD_LIBRARY_PATH $2 and expects the library $1 to be loaded.
run_session() {
    rm -f "$WORK/pcscd.comm" "$WORK/virtual.ctl"
    start_our_pcscd --virtual-readers=1
    status=0
    PCSCLITE_CSOCK_NAME="$OUR_SOCKET" LD_LIBRARY_PATH="$2" timeout 120 \
        java -cp "$WORK/java" SmartCardIOSession "$OUR_CONTROL" "$1" || status=$?
    stop_pid "$OUR_PID"
    return "$status"
}

echo "--- Debian's libpcsclite"
run_session "$DEBIAN_LIBRARY" "" || failed="$failed debian-library"
echo "--- our libpcsclite"
run_session "$OUR_LIBRARY" "$BUILD/lib" || failed="$failed our-library"

[ -z "$failed" ] || fail "javax.smartcardio sessions failed:$failed"
pass "javax.smartcardio against our pcscd with Debian's and our libpcsclite"
