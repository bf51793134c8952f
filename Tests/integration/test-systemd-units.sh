#!/bin/sh
# Our systemd units under real systemd: a minimal Debian 12 root file system
# (debootstrap, cached in $PCSC_ROOTFS_CACHE, default /var/cache/swift-pcsc/bookworm)
# boots with systemd-nspawn; the units and binaries are installed with scripts/install.sh
# inside it, and the test checks: the socket listens while the service is inactive, a
# client activates the service, `systemctl stop` then a new client re-activates it,
# auto-exit leaves the socket listening, `systemctl reload` rescans, logs reach the
# journal through its native protocol. The root file system is used with
# --volatile=overlay, so the cache stays clean.
. "$(dirname "$0")/lib.sh"

cache=${PCSC_ROOTFS_CACHE:-/var/cache/swift-pcsc/bookworm}
if [ ! -x "$cache/usr/lib/systemd/systemd" ]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    echo "Creating the Debian 12 root file system in $cache from $mirror (about a minute, once)"
    mkdir -p "$(dirname "$cache")"
    rm -rf "$cache.partial"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libusb-1.0-0 \
        bookworm "$cache.partial" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
        || fail "debootstrap failed (see $WORK/debootstrap.log)"
    mv "$cache.partial" "$cache"
fi

compile_c_client "$ROOT/Tests/integration/clients/select-aid.c" "$WORK/select-aid"
mkdir -p "$WORK/bin"
cp "$WORK/select-aid" "$WORK/bin/"

systemd-nspawn --quiet -b -D "$cache" --volatile=overlay --register=no --keep-unit --console=passive \
    --bind-ro="$ROOT:/opt/swift-pcsc/src" --bind-ro="$BUILD:/opt/swift-pcsc/build" \
    --bind-ro="$WORK/bin:/opt/swift-pcsc/bin" >"$WORK/nspawn.log" 2>&1 &
nspawn=$!
STARTED_PIDS="$STARTED_PIDS $nspawn"

# The container's PID 1 is the child of nspawn that runs systemd. Before it, nspawn has a
# short-lived helper child of its own, so match the name, not just the parent.
container=""
for _ in $(seq 300); do
    container=$(pgrep -P "$nspawn" -x systemd | head -n 1 || true)
    [ -n "$container" ] && break
    kill -0 "$nspawn" 2>/dev/null || fail "systemd-nspawn exited before the container started"
    sleep 0.1
done
[ -n "$container" ] || fail "systemd-nspawn did not start systemd within 30 s"

inside() {
    nsenter -t "$container" -a -- "$@"
}

for _ in $(seq 150); do
    state=$(inside systemctl is-system-running 2>/dev/null || true)
    case $state in running | degraded) break ;; esac
    sleep 0.2
done
echo "container system state: $state"
case $state in
running | degraded) ;;
*) fail "the container did not finish booting within 30 s (state '$state', PID 1 $container)" ;;
esac

inside sh -c 'PREFIX=/usr/local /opt/swift-pcsc/src/scripts/install.sh /opt/swift-pcsc/build' >/dev/null \
    || fail "install.sh failed inside the container"
# systemd's default start limit (5 starts in 10 s) would stop the quick cycles below.
inside sh -c '
    mkdir -p /etc/systemd/system/pcscd.socket.d /etc/systemd/system/pcscd.service.d
    printf "[Unit]\nStartLimitIntervalSec=0\n" >/etc/systemd/system/pcscd.socket.d/test.conf
    printf "[Unit]\nStartLimitIntervalSec=0\n" >/etc/systemd/system/pcscd.service.d/test.conf
    printf "PCSCD_ARGS=--virtual-readers=1 --auto-exit=2 --info\n" >/etc/default/pcscd
    cp /usr/local/lib/systemd/system/pcscd.socket /usr/local/lib/systemd/system/pcscd.service /etc/systemd/system/
    systemctl daemon-reload
    systemctl enable --now pcscd.socket' >/dev/null 2>&1 || fail "enabling pcscd.socket failed"

is_active() {
    inside systemctl is-active "$1" 2>/dev/null || true
}

client() {
    inside env LD_LIBRARY_PATH=/usr/local/lib /opt/swift-pcsc/bin/select-aid >"$WORK/client.out" 2>&1
}

[ "$(is_active pcscd.socket)" = active ] || fail "pcscd.socket is not listening"
[ "$(is_active pcscd.service)" = inactive ] || fail "pcscd.service runs before any client"
inside test -S /run/pcscd/pcscd.comm || fail "/run/pcscd/pcscd.comm is missing"
pass "socket listening, service inactive"

client || { cat "$WORK/client.out"; fail "the first client failed"; }
[ "$(is_active pcscd.service)" = active ] || fail "the client did not activate pcscd.service"
pass "a client activated the service (Type=notify reached active)"

inside systemctl stop pcscd.service
[ "$(is_active pcscd.service)" = inactive ] || fail "systemctl stop left the service running"
[ "$(is_active pcscd.socket)" = active ] || fail "stopping the service stopped the socket"
client || { cat "$WORK/client.out"; fail "a client after systemctl stop failed"; }
[ "$(is_active pcscd.service)" = active ] || fail "the client did not re-activate pcscd.service"
pass "systemctl stop, then a new client re-activated it"

inside systemctl reload pcscd.service || fail "systemctl reload failed"
sleep 0.5
inside journalctl -u pcscd.service --no-pager >"$WORK/journal.txt" 2>&1 || true
grep -q "rescanning readers" "$WORK/journal.txt" || { cat "$WORK/journal.txt"; fail "reload did not reach the daemon"; }
pass "systemctl reload rescanned readers"

for _ in $(seq 60); do
    [ "$(is_active pcscd.service)" = inactive ] && break
    sleep 0.1
done
[ "$(is_active pcscd.service)" = inactive ] || fail "the service did not exit after 2 s idle"
[ "$(is_active pcscd.socket)" = active ] || fail "auto-exit took the socket down"
inside test -S /run/pcscd/pcscd.comm || fail "auto-exit removed the socket file"
inside test ! -e /run/pcscd/pcscd.pid || fail "a pid file was written under socket activation"
result=$(inside systemctl show -p Result --value pcscd.service)
[ "$result" = success ] || fail "the service ended with result $result"
client || { cat "$WORK/client.out"; fail "a client after auto-exit failed"; }
pass "auto-exit left the socket listening, and the next client re-activated it"

# The checks match the native protocol's entries only, because a line that the daemon
# could not send there reaches the journal through standard error (_TRANSPORT=stdout),
# also with priority 6.
inside journalctl -u pcscd.service _TRANSPORT=journal SYSLOG_IDENTIFIER=pcscd -o verbose --no-pager \
    >"$WORK/journal.txt" 2>&1 || true
grep -q "MESSAGE=pcscd .* started on /run/pcscd/pcscd.comm (socket from systemd)" "$WORK/journal.txt" \
    || { cat "$WORK/journal.txt"; fail "the start message is not in the journal as a native entry"; }
grep -q "PRIORITY=6" "$WORK/journal.txt" || fail "journal entries carry no info priority"
inside journalctl -u pcscd.service _TRANSPORT=stdout -o verbose --no-pager >"$WORK/journal.txt" 2>&1 || true
if grep -q "MESSAGE=pcscd .* started" "$WORK/journal.txt"; then
    cat "$WORK/journal.txt"
    fail "the start message reached the journal through standard error"
fi
inside journalctl -u pcscd.service --no-pager >"$WORK/journal.txt" 2>&1 || true
if grep -q "Cannot send" "$WORK/journal.txt"; then
    cat "$WORK/journal.txt"
    fail "the daemon could not send to the journal or to \$NOTIFY_SOCKET"
fi
pass "log lines reach the journal natively with priorities, and no notification failed"

inside systemctl poweroff >/dev/null 2>&1 || true
for _ in $(seq 100); do
    kill -0 "$nspawn" 2>/dev/null || break
    sleep 0.1
done
