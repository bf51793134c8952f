#!/bin/sh
# Runs the conformance program (Tests/conformance/conformance.c) in the four pairings of
# library and daemon and compares each output with the reference pairing, Debian's
# libpcsclite 1.9.9 against Debian's pcscd 1.9.9:
#
#   debian-lib+debian-daemon   the reference
#   our-lib+debian-daemon      LD_LIBRARY_PATH=$BUILD/lib
#   debian-lib+our-daemon      $BUILD/sbin/pcscd --virtual-readers=1
#   our-lib+our-daemon
#
# The program is built once against Debian's headers with -lpcsclite, so the same binary
# runs in every pairing; LD_LIBRARY_PATH selects the library. Every pairing gets a fresh
# daemon, so event counters start from the same value. Differences listed in
# Tests/conformance/expected-differences.txt (check name, pairing, reason) are reported
# but accepted. Any other difference, a missing line, a failed run or a pairing that
# cannot run (for example because $BUILD lacks our library or daemon) fails the test.
#
# Usage: BUILD=build Tests/integration/test-conformance-pairings.sh
# Set CONFORMANCE_KEEP=DIR to keep the outputs in DIR.
. "$(dirname "$0")/lib.sh"

PROGRAM=$WORK/conformance
EXPECTED=$ROOT/Tests/conformance/expected-differences.txt
RUN_TIMEOUT=40

gcc -std=c11 -Wall -Wextra -Werror -O1 $(pkg-config --cflags libpcsclite) \
    -o "$PROGRAM" "$ROOT/Tests/conformance/conformance.c" -lpcsclite -lpthread \
    || fail "cannot compile the conformance program against Debian's headers"

# Prints the path of the libpcsclite.so.1 the program loads with the environment "$@".
loaded_library() {
    env "$@" ldd "$PROGRAM" | awk '$1 == "libpcsclite.so.1" { print $3 }'
}

# Starts the daemon $1 (debian or our) fresh; sets SOCKET and CONTROL_SOCKET.
start_daemon() {
    case $1 in
    debian)
        rm -rf "$WORK/debian"
        start_debian_pcscd 1
        SOCKET=$DEBIAN_SOCKET
        CONTROL_SOCKET=$WORK/debian/control-0
        DAEMON_PID=$DEBIAN_PID
        ;;
    our)
        [ -x "$BUILD/sbin/pcscd" ] || { echo "missing $BUILD/sbin/pcscd" >&2; return 1; }
        rm -f "$WORK/pcscd.comm" "$WORK/virtual.ctl"
        start_our_pcscd --virtual-readers=1
        SOCKET=$OUR_SOCKET
        CONTROL_SOCKET=$OUR_CONTROL
        DAEMON_PID=$OUR_PID
        ;;
    esac
}

# Runs one pairing: $1 library (debian or our), $2 daemon (debian or our). Writes
# $WORK/<pairing>.out and .err and returns non-zero when the pairing could not run.
run_pairing() {
    pairing=$1-lib+$2-daemon
    output=$WORK/$pairing.out
    : >"$output"
    : >"$WORK/$pairing.err"

    if [ "$1" = our ]; then
        library_environment="LD_LIBRARY_PATH=$BUILD/lib"
        wanted=$(realpath "$BUILD/lib/libpcsclite.so.1" 2>/dev/null || echo "$BUILD/lib/libpcsclite.so.1")
    else
        library_environment="LD_LIBRARY_PATH="
        wanted=$(realpath /usr/lib/x86_64-linux-gnu/libpcsclite.so.1)
    fi
    loaded=$(loaded_library "$library_environment")
    if [ -z "$loaded" ] || [ "$(realpath "$loaded")" != "$wanted" ]; then
        echo "$pairing: the program would load '${loaded:-nothing}' instead of $wanted" >"$WORK/$pairing.err"
        return 1
    fi

    start_daemon "$2" 2>>"$WORK/$pairing.err" || return 1
    status=0
    env "$library_environment" PCSCLITE_CSOCK_NAME="$SOCKET" timeout "$RUN_TIMEOUT" \
        "$PROGRAM" --control "$CONTROL_SOCKET" --reader 0 >"$output" 2>>"$WORK/$pairing.err" || status=$?
    cp "$WORK/$2-pcscd.log" "$WORK/$pairing.daemon.log" 2>/dev/null || true
    stop_pid "$DAEMON_PID"
    if [ "$status" -ne 0 ]; then
        echo "$pairing: the conformance program exited with status $status" >>"$WORK/$pairing.err"
        return 1
    fi
}

# Compares $WORK/<pairing>.out with the reference by check name and prints every
# difference. Returns non-zero when a difference is not listed in $EXPECTED.
compare_with_reference() {
    /usr/bin/python3 - "$WORK/debian-lib+debian-daemon.out" "$WORK/$1.out" "$1" "$EXPECTED" <<'PY'
import sys

reference_path, output_path, pairing, expected_path = sys.argv[1:5]

def read_checks(path):
    checks = {}
    order = []
    for line in open(path, encoding="utf-8", errors="replace"):
        number, _, rest = line.rstrip("\n").partition(" ")
        name, _, value = rest.partition(": ")
        checks[name] = value
        order.append(name)
    return checks, order

expected = {}
for line in open(expected_path, encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    fields = line.split(None, 2)
    if len(fields) < 3:
        sys.exit(f"{expected_path}: each line needs a check name, a pairing and a reason: {line!r}")
    expected[(fields[0], fields[1])] = fields[2]

reference, order = read_checks(reference_path)
output, output_order = read_checks(output_path)
order += [name for name in output_order if name not in reference]

unexpected = 0
missing = [name for name in order if name not in output]
if missing:
    # A run that stopped early lacks every later check; name the first one only.
    print(f"  MISSING   {len(missing)} of {len(reference)} checks, the first is {missing[0]}")
    unexpected += 1
for name in order:
    if name in missing:
        continue
    want = reference.get(name, "(missing)")
    got = output[name]
    if want == got:
        continue
    reason = expected.get((name, pairing))
    if reason:
        print(f"  expected  {name}: reference '{want}', {pairing} '{got}' ({reason})")
    else:
        print(f"  DIFFERENT {name}: reference '{want}', {pairing} '{got}'")
        unexpected += 1
sys.exit(1 if unexpected else 0)
PY
}

failed=""
run_pairing debian debian || {
    cat "$WORK/debian-lib+debian-daemon.err" >&2
    fail "the reference pairing (Debian's library and daemon) did not run to the end"
}
count=$(wc -l <"$WORK/debian-lib+debian-daemon.out")
echo "reference debian-lib+debian-daemon: $count checks"

for pairing in "our debian" "debian our" "our our"; do
    set -- $pairing
    name=$1-lib+$2-daemon
    if ! run_pairing "$1" "$2"; then
        echo "FAIL $name could not run to the end:"
        sed 's/^/  /' "$WORK/$name.err"
        failed="$failed $name"
    fi
    if compare_with_reference "$name" >"$WORK/$name.diff"; then
        echo "ok   $name: no unexpected difference in $(wc -l <"$WORK/$name.out") checks"
        cat "$WORK/$name.diff"
    else
        echo "FAIL $name differs from the reference:"
        cat "$WORK/$name.diff"
        case " $failed " in *" $name "*) ;; *) failed="$failed $name" ;; esac
    fi
done

if [ -n "${CONFORMANCE_KEEP:-}" ]; then
    mkdir -p "$CONFORMANCE_KEEP"
    cp "$WORK"/*.out "$WORK"/*.err "$WORK"/*.diff "$WORK"/*.daemon.log "$CONFORMANCE_KEEP"/ 2>/dev/null || true
fi

[ -z "$failed" ] || fail "pairings with differences or failures:$failed"
pass "all four pairings match the reference"
