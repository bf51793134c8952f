#!/usr/bin/python3
"""Minimal pcsc-lite protocol client for socket and daemon tests: version exchange,
SCardEstablishContext and SCardReleaseContext over a raw UNIX socket.

Used as a module: session(path, timeout) returns None on success, or a text saying what
failed (connection refused, reset, closed, timed out, wrong return code).
"""
import socket
import struct

VERSION, ESTABLISH, RELEASE = 0x11, 0x01, 0x02


def exchange(connection, command, body, reply_size):
    connection.sendall(struct.pack("<II", len(body), command) + body)
    reply = b""
    while len(reply) < reply_size:
        chunk = connection.recv(reply_size - len(reply))
        if not chunk:
            raise ConnectionError("connection closed by the daemon")
        reply += chunk
    return reply


def session(path, timeout=5.0, minor=4):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    try:
        connection.connect(path)
        major, reply_minor, rv = struct.unpack("<iiI", exchange(connection, VERSION, struct.pack("<iiI", 4, minor, 0), 12))
        if rv != 0:
            return "version 4:%d rejected: rv 0x%08X" % (minor, rv)
        _, context, rv = struct.unpack("<III", exchange(connection, ESTABLISH, struct.pack("<III", 0, 0, 0), 12))
        if rv != 0 or context == 0:
            return "establish failed: rv 0x%08X" % rv
        _, rv = struct.unpack("<II", exchange(connection, RELEASE, struct.pack("<II", context, 0), 8))
        if rv != 0:
            return "release failed: rv 0x%08X" % rv
        return None
    except socket.timeout:
        return "timed out"
    except OSError as error:
        return "%s" % error
    finally:
        connection.close()
