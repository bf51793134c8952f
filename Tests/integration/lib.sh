# Shared helpers for the integration tests. Source it from a test script:
#   . "$(dirname "$0")/lib.sh"
# Every test gets its own temporary directory ($WORK) and stops what it started, by PID.

set -eu

BUILD=${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/pcsc-test.XXXXXX)
STARTED_PIDS=""

cleanup() {
    status=$?
    for pid in $STARTED_PIDS; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $STARTED_PIDS; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ] && [ -d "$WORK" ]; then
        for file in "$WORK"/*.log; do
            [ -f "$file" ] || continue
            echo "----- $file (last 40 lines)" >&2
            tail -n 40 "$file" >&2
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() {
    echo "ok: $*"
}

# Waits up to $2 seconds (default 10) for the UNIX socket $1 to accept connections.
wait_for_socket() {
    socket=$1
    limit=${2:-10}
    /usr/bin/python3 - "$socket" "$limit" <<'PY' || fail "nothing listens on $socket after ${limit}s"
import socket, sys, time
path, limit = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
    finally:
        s.close()
sys.exit(1)
PY
}

# Starts our pcscd on $WORK/pcscd.comm with the given extra options (for example
# --virtual-readers=1). Sets OUR_SOCKET, OUR_CONTROL and OUR_PID. With virtual readers
# it also waits for the control socket.
start_our_pcscd() {
    OUR_SOCKET=$WORK/pcscd.comm
    OUR_CONTROL=$WORK/virtual.ctl
    PCSCLITE_CSOCK_NAME=$OUR_SOCKET "$BUILD/sbin/pcscd" --foreground --debug \
        --virtual-control="$OUR_CONTROL" "$@" >"$WORK/our-pcscd.log" 2>&1 &
    OUR_PID=$!
    STARTED_PIDS="$STARTED_PIDS $OUR_PID"
    wait_for_socket "$OUR_SOCKET"
    case " $* " in
    *" --virtual-readers=0 "*) ;;
    *" --virtual-readers="*) wait_for_socket "$OUR_CONTROL" ;;
    esac
}

# Writes the reader.conf entry of virtual card reader $1 for start_debian_pcscd, with
# the bytes of $2 as its FRIENDLYNAME (pcscd appends the reader and slot numbers).
write_debian_reader_conf() {
    mkdir -p "$WORK/debian/conf"
    cat >"$WORK/debian/conf/virtual-$1" <<CONF
FRIENDLYNAME "$2"
DEVICENAME virtual:$WORK/debian/control-$1
LIBPATH $BUILD/lib/libifdvirtual.so
CHANNELID $1
CONF
}

# Starts Debian's pcscd 1.9.9 on $WORK/debian/pcscd.comm, in a private mount namespace
# (so its pid file and built-in paths cannot touch a system daemon), with the virtual
# card IFD handler as its readers. $1 = number of virtual card readers (default 1).
# Reader <n> is named "Virtual Card Reader <n>" unless write_debian_reader_conf wrote its
# entry before. Sets DEBIAN_SOCKET and DEBIAN_PID, and waits for the control socket of
# each reader, $WORK/debian/control-<n> (reader 0 in its own numbering). To start it
# again, call stop_pid "$DEBIAN_PID" and remove $WORK/debian first.
start_debian_pcscd() {
    count=${1:-1}
    index=0
    while [ "$index" -lt "$count" ]; do
        if [ ! -e "$WORK/debian/conf/virtual-$index" ]; then
            write_debian_reader_conf "$index" "Virtual Card Reader $index"
        fi
        index=$((index + 1))
    done
    DEBIAN_SOCKET=$WORK/debian/pcscd.comm
    mkdir -p /run/pcscd
    unshare -m sh -c "mount -t tmpfs tmpfs /run/pcscd && exec systemd-socket-activate -l '$DEBIAN_SOCKET' /usr/sbin/pcscd --foreground --debug -c '$WORK/debian/conf'" \
        >"$WORK/debian-pcscd.log" 2>&1 &
    DEBIAN_PID=$!
    STARTED_PIDS="$STARTED_PIDS $DEBIAN_PID"
    # Connecting makes systemd-socket-activate exec pcscd, which then loads the handler.
    wait_for_socket "$DEBIAN_SOCKET"
    index=0
    while [ "$index" -lt "$count" ]; do
        wait_for_socket "$WORK/debian/control-$index"
        index=$((index + 1))
    done
}

# Stops a process started by this test, by PID, waits for it and forgets it, so the
# cleanup never signals a PID that the system may have reused.
stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    remaining=""
    for pid in $STARTED_PIDS; do
        [ "$pid" = "$1" ] || remaining="$remaining $pid"
    done
    STARTED_PIDS=$remaining
}

# Sends one line of the virtual reader control protocol to socket $1 and prints the reply;
# fails when the reply is an error.
control() {
    "$ROOT/scripts/virtual-control" "$@"
}

# Compiles a C test program against our headers and library: $1 source, $2 output.
compile_c_client() {
    gcc -Wall -Wextra -Werror -O1 -I"$ROOT/include/PCSC" -o "$2" "$1" \
        -L"$BUILD/lib" -Wl,-rpath,"$BUILD/lib" -lpcsclite -lpthread
}
