#!/usr/bin/python3
"""Socket activation as systemd does it, re-spawning the service on demand.

Usage: socket-activator.py [--log FILE] SOCKET -- COMMAND [ARG...]

Listens on the UNIX stream socket SOCKET. Whenever a client is waiting and the service
is not running, starts COMMAND with the socket as fd 3 and LISTEN_FDS=1 / LISTEN_PID
set, like a systemd socket unit with Accept=no. When the service exits, the socket stays
open here, so clients that connect in between wait in its queue for the next instance.
systemd-socket-activate starts the service only once, which is why tests of repeated
activation need this.

Each start and exit is logged as one line ("start PID", "exit PID STATUS SECONDS") to
--log (default: standard error). Stops on SIGTERM or SIGINT, ending a running service.
"""
import os
import select
import signal
import socket
import sys
import time


def main():
    arguments = sys.argv[1:]
    log_path = None
    if arguments[:1] == ["--log"]:
        log_path = arguments[1]
        arguments = arguments[2:]
    if len(arguments) < 3 or arguments[1] != "--":
        sys.exit(__doc__)
    path, command = arguments[0], arguments[2:]
    log = open(log_path, "a", buffering=1) if log_path else sys.stderr

    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o666)
    listener.listen(128)

    stopping = False
    child = None

    def stop(number, frame):
        nonlocal stopping
        stopping = True
        if child:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    while not stopping:
        try:
            readable, _, _ = select.select([listener], [], [], 0.5)
        except InterruptedError:
            continue
        if not readable or stopping:
            continue
        started = time.monotonic()
        child = os.fork()
        if child == 0:
            os.dup2(listener.fileno(), 3)
            os.set_inheritable(3, True)
            environment = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
            os.execvpe(command[0], command, environment)
        print("start %d" % child, file=log)
        while True:
            try:
                _, status = os.waitpid(child, 0)
                break
            except InterruptedError:
                continue
        print("exit %d %d %.3f" % (child, os.waitstatus_to_exitcode(status), time.monotonic() - started), file=log)
        child = None

    listener.close()
    os.unlink(path)


if __name__ == "__main__":
    main()
