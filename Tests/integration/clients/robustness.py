#!/usr/bin/python3
"""Attacks on a running pcscd through its socket and control socket, each followed by a
check that the daemon still serves a well-behaved client.

Usage: robustness.py SOCKET CONTROL PID CASE...
Cases: reused-descriptor, thread-growth, control-pipeline, control-limit,
       reconnect-guessing, process-name, descriptor-exhaustion
Exits non-zero after the first failed check.
"""
import os
import socket
import struct
import sys
import threading
import time

VERSION, ESTABLISH, CONNECT, RECONNECT, DISCONNECT = 0x11, 0x01, 0x04, 0x05, 0x06
WAIT, GET_SIZE, GET_ARRAY = 0x13, 0x16, 0x17
INVALID_HANDLE = 0x80100003

path, control_path, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Client:
    def __init__(self, minor=4, timeout=5.0):
        self.socket = socket.socket(socket.AF_UNIX)
        self.socket.settimeout(timeout)
        self.socket.connect(path)
        if minor is not None:
            reply = self.exchange(VERSION, struct.pack("<iiI", 4, minor, 0), 12)
            if struct.unpack("<iiI", reply)[2] != 0:
                fail("version 4:%d rejected" % minor)

    def send(self, command, body=b""):
        self.socket.sendall(struct.pack("<II", len(body), command) + body)

    def receive(self, count):
        data = b""
        while len(data) < count:
            chunk = self.socket.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def exchange(self, command, body, reply_size):
        self.send(command, body)
        return self.receive(reply_size)

    def establish(self):
        _, context, rv = struct.unpack("<III", self.exchange(ESTABLISH, struct.pack("<III", 0, 0, 0), 12))
        return context

    def connect(self, context, reader):
        body = struct.pack("<I", context) + reader.ljust(128, b"\0") + struct.pack("<IIiII", 2, 3, 0, 0, 0)
        fields = struct.unpack("<I128sIIiII", self.exchange(CONNECT, body, 152))
        return fields[4], fields[6]

    def close(self):
        self.socket.close()


def first_reader():
    client = Client(minor=6)
    client.send(GET_SIZE)
    count = struct.unpack("<I", client.receive(4))[0]
    client.send(GET_ARRAY)
    array = client.receive(count * 184)
    client.close()
    return array[:128].split(b"\0")[0]


def healthy(what):
    try:
        client = Client()
        if client.establish() == 0:
            fail(what + ": a new client got no context")
        client.close()
    except OSError as error:
        fail("%s: a new client failed: %r" % (what, error))
    try:
        os.kill(pid, 0)
    except OSError:
        fail(what + ": the daemon died")
    print("ok   " + what)


def control(line, timeout=5.0):
    connection = socket.socket(socket.AF_UNIX)
    connection.settimeout(timeout)
    connection.connect(control_path)
    connection.sendall((line + "\n").encode())
    reply = connection.recv(4096).decode().strip()
    connection.close()
    return reply


def threads_of_daemon():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def churn(reader, seconds):
    client = Client()
    context = client.establish()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        card, rv = client.connect(context, reader)
        if rv == 0:
            client.exchange(DISCONNECT, struct.pack("<iII", card, 0, 0), 12)
    client.close()


def case_reused_descriptor(reader):
    """An event signal held for a 4:6 client that then closes must not reach the next
    client that gets the same descriptor number."""
    for round in range(20):
        waiter = Client(minor=6)
        waiter.establish()
        waiter.send(WAIT)
        churner = Client()
        context = churner.establish()
        card, rv = churner.connect(context, reader)
        waiter.close()
        fresh = Client(minor=None)
        reply = fresh.exchange(VERSION, struct.pack("<iiI", 4, 4, 0), 12)
        if struct.unpack("<iiI", reply) != (4, 6, 0):
            fail("round %d: a new client read %s instead of its version reply" % (round, reply.hex()))
        fresh.close()
        if rv == 0:
            churner.exchange(DISCONNECT, struct.pack("<iII", card, 0, 0), 12)
        churner.close()
        time.sleep(0.3)
    healthy("signals of closed connections never reach new clients")


def case_thread_growth(reader):
    """4:6 clients that register and never read, while cards are connected in a loop."""
    stop = threading.Event()
    waiters = []
    for _ in range(30):
        client = Client(minor=6)
        client.establish()
        waiters.append(client)

    def register(client):
        try:
            while not stop.is_set():
                client.send(WAIT)
                time.sleep(0.002)
        except OSError:
            pass

    threads = [threading.Thread(target=register, args=(client,)) for client in waiters]
    for thread in threads:
        thread.start()
    churn(reader, 3)
    peak = threads_of_daemon()
    stop.set()
    for thread in threads:
        thread.join()
    for client in waiters:
        client.close()
    if peak > 80:
        fail("the daemon ran %d threads for 30 waiting clients" % peak)
    healthy("30 clients that never read their signals: %d daemon threads" % peak)


def case_control_pipeline(reader):
    """A control client that sends requests without reading replies blocks no other client."""
    flooder = socket.socket(socket.AF_UNIX)
    flooder.connect(control_path)
    flooder.setblocking(False)
    try:
        for _ in range(20000):
            flooder.send(b"list\n")
    except BlockingIOError:
        pass
    started = time.monotonic()
    reply = control("list", timeout=3)
    if not reply.startswith("ok"):
        fail("control reply while another client floods: " + reply)
    flooder.close()
    healthy("a flooding control client blocks nobody (other reply after %.3f s)" % (time.monotonic() - started))


def case_control_limit(reader):
    """Control connections are limited, so they cannot use up the descriptors."""
    held = []
    refused = 0
    for _ in range(40):
        connection = socket.socket(socket.AF_UNIX)
        # Blocking connect: it waits for room in the listen queue instead of EAGAIN.
        connection.connect(control_path)
        held.append(connection)
    time.sleep(0.3)
    for connection in held:
        connection.setblocking(False)
        try:
            if connection.recv(200).startswith(b"error too many control connections"):
                refused += 1
        except BlockingIOError:
            pass
    for connection in held:
        connection.close()
    if refused < 20:
        fail("only %d of 40 control connections were refused" % refused)
    time.sleep(0.2)
    if not control("list").startswith("ok"):
        fail("the control socket does not answer after the flood")
    healthy("control connections limited (%d of 40 refused)" % refused)


def case_reconnect_guessing(reader):
    """RECONNECT with another connection's card handle closes the connection after more
    than 8 attempts, like the other card commands."""
    owner = Client()
    context = owner.establish()
    card, rv = owner.connect(context, reader)
    intruder = Client()
    intruder.establish()
    body = struct.pack("<iIIIII", card, 2, 3, 0, 0, 0)
    for attempt in range(8):
        rv = struct.unpack("<iIIIII", intruder.exchange(RECONNECT, body, 24))[5]
        if rv != INVALID_HANDLE:
            fail("RECONNECT attempt %d with a foreign handle gave 0x%08X" % (attempt, rv))
    intruder.send(RECONNECT, body)
    try:
        data = intruder.socket.recv(24)
        if data:
            fail("the 9th RECONNECT with a foreign handle got a reply")
    except (ConnectionResetError, socket.timeout):
        pass
    intruder.close()
    owner.close()
    healthy("RECONNECT handle guessing closes the connection")


def case_process_name(reader):
    """Control characters in a client's process name do not reach the log raw."""
    with open("/proc/self/comm", "w") as comm:
        comm.write("evil\x1b[2Jname")
    client = Client()
    client.establish()
    client.close()
    with open("/proc/self/comm", "w") as comm:
        comm.write("python3")
    healthy("process name with control characters")


def case_descriptor_exhaustion(reader):
    """More clients than descriptors: the daemon refuses the extra ones without spinning."""
    held = []
    for _ in range(100):
        try:
            connection = socket.socket(socket.AF_UNIX)
            connection.settimeout(2)
            connection.connect(path)
            held.append(connection)
        except OSError:
            break
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    before = int(fields[11]) + int(fields[12])
    time.sleep(1)
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    used = (int(fields[11]) + int(fields[12]) - before) / os.sysconf("SC_CLK_TCK")
    for connection in held:
        connection.close()
    if used > 0.5:
        fail("the daemon used %.2f s of CPU in 1 s while out of descriptors" % used)
    time.sleep(0.5)
    healthy("out of descriptors: %.2f s of CPU in 1 s, then recovered" % used)


reader = first_reader()
cases = {
    "reused-descriptor": case_reused_descriptor,
    "thread-growth": case_thread_growth,
    "control-pipeline": case_control_pipeline,
    "control-limit": case_control_limit,
    "reconnect-guessing": case_reconnect_guessing,
    "process-name": case_process_name,
    "descriptor-exhaustion": case_descriptor_exhaustion,
}
for name in sys.argv[4:]:
    cases[name](reader)
