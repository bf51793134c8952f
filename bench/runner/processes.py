"""Start and stop the daemons and client programs the benchmark measures.

Every process the runner starts is recorded in a ProcessRegistry and stopped by PID
(SIGTERM, then SIGKILL after a timeout), never by name.
"""
import os
import shlex
import signal
import socket
import stat
import subprocess
import time
from dataclasses import dataclass

DEBIAN_PCSCD = "/usr/sbin/pcscd"
DEBIAN_PCSCD_RUN_DIRECTORY = "/run/pcscd"


class BenchError(Exception):
    """A measurement could not be taken: a program failed, timed out or printed unexpected output."""


class ProcessRegistry:
    """The processes the runner started and has not yet stopped."""

    def __init__(self):
        self.processes = []

    def start(self, arguments, *, env=None, stdin=None, stdout=None, stderr=None, pass_fds=()):
        process = subprocess.Popen(
            arguments, env=env, stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=pass_fds)
        self.processes.append(process)
        return process

    def stop(self, process, timeout=10):
        """Sends SIGTERM to `process` by PID, waits, and sends SIGKILL if it is still running."""
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def forget(self, process):
        """Drops a process that has already exited and been waited for."""
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self):
        for process in list(self.processes):
            self.stop(process, timeout=5)


def check_running(process, waiting_for):
    """Raises BenchError when `process` (if given) has already exited."""
    if process is not None and process.poll() is not None:
        raise BenchError(
            f"process {process.pid} exited with status {process.returncode} while waiting for {waiting_for}")


def wait_for_connection(path, limit=10.0, process=None):
    """Waits until something accepts connections on the UNIX socket `path`, failing early
    when `process` exits.

    Each attempt is a real connection, so on a socket-activated socket the first one
    starts the daemon.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        check_running(process, f"connections on {path}")
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(path)
            return
        except OSError:
            time.sleep(0.02)
        finally:
            probe.close()
    raise BenchError(f"nothing accepts connections on {path} after {limit:.0f} s")


def wait_for_socket_file(path, limit=10.0, process=None):
    """Waits until `path` exists as a socket file, without connecting to it, failing early
    when `process` exits."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        check_running(process, f"socket file {path}")
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                return
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    raise BenchError(f"socket file {path} did not appear within {limit:.0f} s")


@dataclass
class Daemon:
    """A running pcscd with one virtual card reader."""

    label: str
    socket_path: str
    control_path: str
    log_path: str
    process: subprocess.Popen

    @property
    def pid(self):
        return self.process.pid


def start_our_daemon(registry, build, directory, *, activated=False, extra_arguments=(), label="our pcscd"):
    """Starts our pcscd with one virtual reader and its control socket in `directory`,
    with `extra_arguments` after the usual ones.

    With `activated`, systemd-socket-activate owns the socket and starts pcscd on the first
    connection, and this function returns as soon as the socket file exists. Otherwise it
    returns when the daemon accepts connections and the control socket exists.
    """
    os.makedirs(directory, exist_ok=True)
    socket_path = os.path.join(directory, "pcscd.comm")
    control_path = os.path.join(directory, "virtual.ctl")
    log_path = os.path.join(directory, "pcscd.log")
    arguments = [os.path.join(build, "sbin", "pcscd"), "--foreground", "--virtual-readers=1",
                 f"--virtual-control={control_path}"] + list(extra_arguments)
    if activated:
        arguments = ["systemd-socket-activate", "-l", socket_path] + arguments
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=socket_path)

    with open(log_path, "wb") as log:
        process = registry.start(arguments, env=env, stdout=log, stderr=subprocess.STDOUT)
    daemon = Daemon(label, socket_path, control_path, log_path, process)
    if activated:
        wait_for_socket_file(socket_path, process=process)
    else:
        wait_for_connection(socket_path, process=process)
        wait_for_socket_file(control_path, process=process)
    return daemon


def write_reader_configuration(directory, handler_path, control_path):
    """Writes a reader.conf.d directory with one reader served by the IFD handler."""
    configuration = os.path.join(directory, "conf")
    os.makedirs(configuration, exist_ok=True)
    with open(os.path.join(configuration, "virtual-0"), "w") as entry:
        entry.write('FRIENDLYNAME "Virtual Card Reader 0"\n')
        entry.write(f"DEVICENAME virtual:{control_path}\n")
        entry.write(f"LIBPATH {handler_path}\n")
        entry.write("CHANNELID 0\n")
    return configuration


def start_debian_daemon(registry, handler_path, directory, *, activated=False, has_control_socket=True,
                        label="Debian's pcscd"):
    """Starts Debian's pcscd 1.9.9 on a socket in `directory`, serving one reader through
    the IFD handler at `handler_path`.

    pcscd 1.9.9 ignores PCSCLITE_CSOCK_NAME and writes /run/pcscd/pcscd.pid, so it runs in
    a private mount namespace with a tmpfs on /run/pcscd, and systemd-socket-activate
    hands it the socket. unshare, sh and the activator exec each other, so the PID
    returned is pcscd's once it runs. With `activated` the function returns as soon as
    the socket file exists. Otherwise it connects once to start pcscd and, with
    `has_control_socket`, waits for the virtual card handler's control socket, which the
    handler creates when pcscd opens the reader.
    """
    os.makedirs(directory, exist_ok=True)
    os.makedirs(DEBIAN_PCSCD_RUN_DIRECTORY, exist_ok=True)
    socket_path = os.path.join(directory, "pcscd.comm")
    control_path = os.path.join(directory, "virtual.ctl")
    log_path = os.path.join(directory, "pcscd.log")
    configuration = write_reader_configuration(directory, handler_path, control_path)

    command = (f"mount -t tmpfs tmpfs {DEBIAN_PCSCD_RUN_DIRECTORY} && exec systemd-socket-activate"
               f" -l {shlex.quote(socket_path)} {DEBIAN_PCSCD} --foreground -c {shlex.quote(configuration)}")
    with open(log_path, "wb") as log:
        process = registry.start(["unshare", "-m", "sh", "-c", command], stdout=log, stderr=subprocess.STDOUT)
    daemon = Daemon(label, socket_path, control_path, log_path, process)
    wait_for_socket_file(socket_path, process=process)
    if not activated:
        wait_for_connection(socket_path, process=process)
        if has_control_socket:
            wait_for_socket_file(control_path, process=process)
    return daemon


@dataclass(frozen=True)
class Memory:
    """Memory figures of a process in KiB, from /proc/PID/status."""

    resident: int
    peak: int
    anonymous: int


def memory_of(pid):
    """Reads VmRSS, VmHWM and RssAnon of process `pid`."""
    fields = {}
    try:
        status = open(f"/proc/{pid}/status")
    except FileNotFoundError as error:
        raise BenchError(f"process {pid} has exited") from error
    with status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon"):
                fields[name] = int(value.split()[0])
    if len(fields) != 3:
        raise BenchError(f"/proc/{pid}/status lacks one of VmRSS, VmHWM, RssAnon")
    return Memory(fields["VmRSS"], fields["VmHWM"], fields["RssAnon"])


def executable_of(pid):
    """Returns the path of the program process `pid` runs."""
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except FileNotFoundError as error:
        raise BenchError(f"process {pid} has exited") from error


def run_program(arguments, *, env=None, timeout=120, description=None):
    """Runs a program to completion and returns its standard output.

    Raises BenchError with the program's error output when it fails or times out.
    """
    description = description or " ".join(arguments)
    try:
        result = subprocess.run(arguments, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{description}: timed out after {timeout} s") from error
    if result.returncode != 0:
        raise BenchError(
            f"{description}: exit status {result.returncode}\n{result.stderr.strip()}\n{result.stdout.strip()}")
    return result.stdout


def parse_fields(line):
    """Parses a line of `key=value` tokens into a dictionary of strings."""
    fields = {}
    for token in line.split():
        key, equals, value = token.partition("=")
        if equals:
            fields[key] = value
    return fields
