"""Shared set-up of the rows: iteration counts, the two client libraries, the compiled
benchmark programs and the daemons that stay up between rows."""
import os
import subprocess
from dataclasses import dataclass, field

from processes import BenchError, run_program

BENCH_DIRECTORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH_DIRECTORY)
C_SOURCES = os.path.join(BENCH_DIRECTORY, "c")
ECHO_HANDLER_SOURCE = os.path.join(ROOT, "Tests", "integration", "clients", "fake-echo-ifd.c")

# Operations of pcsc-bench timed in row 1, with the label the table prints.
OPERATIONS = [
    ("transmit-13", "SCardTransmit, 13-byte APDU"),
    ("transmit-255", "SCardTransmit, 255-byte APDU"),
    ("transaction", "SCardBeginTransaction + SCardEndTransaction"),
    ("context", "SCardEstablishContext + SCardReleaseContext"),
    ("list-readers", "SCardListReaders"),
    ("status-change-0", "SCardGetStatusChange, timeout 0"),
    ("connect", "SCardConnect + SCardDisconnect"),
]

# Request and reply sizes of the floor for each operation: the transmit operations use
# their APDU and response sizes (ECHO returns its data field plus 90 00), the others
# the small size.
FLOOR_SIZES = {"transmit-255": (255, 252)}
SMALL_FLOOR_SIZE = (13, 10)


@dataclass(frozen=True)
class Settings:
    """Repetitions and sizes of one benchmark pass."""

    smoke: bool
    operation_rounds: int
    operation_iterations: dict
    cold_start_rounds: int
    event_runs: int
    events_per_run: int
    memory_rounds: int
    memory_clients: int
    memory_concurrency: int
    load_rounds: int
    load_clients: int
    load_transmits: int


# Iteration counts give runs of roughly 0.2-1.5 s per operation, and the whole pass about
# 7 minutes, on a 2-core KVM guest.
FULL = Settings(
    smoke=False,
    operation_rounds=15,
    operation_iterations={
        "transmit-13": 7500, "transmit-255": 7500, "transaction": 6000, "context": 750,
        "list-readers": 7500, "status-change-0": 750, "connect": 4500,
    },
    cold_start_rounds=31,
    event_runs=8,
    events_per_run=3,
    memory_rounds=3,
    memory_clients=200,
    memory_concurrency=10,
    load_rounds=5,
    load_clients=200,
    load_transmits=1000,
)

SMOKE = Settings(
    smoke=True,
    operation_rounds=1,
    operation_iterations={name: 20 for name, _ in OPERATIONS},
    cold_start_rounds=1,
    event_runs=1,
    events_per_run=1,
    memory_rounds=1,
    memory_clients=10,
    memory_concurrency=5,
    load_rounds=1,
    load_clients=10,
    load_transmits=20,
)


@dataclass(frozen=True)
class Library:
    """A libpcsclite.so.1 picked through LD_LIBRARY_PATH."""

    label: str
    directory: str

    def client_environment(self, socket_path, **extra):
        # PCSCLITE_BUSY_POLL is left out too, so the library polls with its default unless
        # a variant sets it.
        env = {key: value for key, value in os.environ.items()
               if key not in ("LD_PRELOAD", "LD_LIBRARY_PATH", "PCSCLITE_BUSY_POLL")}
        env["LD_LIBRARY_PATH"] = self.directory
        env["PCSCLITE_CSOCK_NAME"] = socket_path
        env.update(extra)
        return env

    def check_loaded(self, reported_path):
        """Raises BenchError unless `reported_path` (from dladdr) is this library."""
        if os.path.realpath(os.path.dirname(reported_path)) != os.path.realpath(self.directory):
            raise BenchError(f"{self.label}: the client loaded {reported_path}, not the library in {self.directory}")


def debian_library_directory():
    multiarch = run_program(["gcc", "-print-multiarch"]).strip()
    return f"/usr/lib/{multiarch}"


@dataclass
class Programs:
    """Paths of the compiled benchmark programs."""

    pcsc_bench: str
    socket_floor: str
    cold_start: str
    event_latency: str
    load_cost: str
    load_baseline: str
    echo_handler: str


def compile_programs(directory):
    """Compiles the C programs against Debian's <winscard.h> into `directory`."""
    os.makedirs(directory, exist_ok=True)
    cflags = run_program(["pkg-config", "--cflags", "libpcsclite"]).split()
    libs = run_program(["pkg-config", "--libs", "libpcsclite"]).split()
    common = ["gcc", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-O2"] + cflags

    def build(name, extra_flags=(), link=True, source=None):
        output = os.path.join(directory, name)
        source = source or os.path.join(C_SOURCES, f"{name}.c")
        arguments = common + list(extra_flags) + ["-o", output, source]
        if link:
            arguments += libs + ["-lpthread"]
        run_program(arguments, description=f"compiling {os.path.basename(source)}")
        return output

    return Programs(
        pcsc_bench=build("pcsc-bench"),
        socket_floor=build("socket-floor", link=False),
        cold_start=build("cold-start"),
        event_latency=build("event-latency"),
        load_cost=build("load-cost"),
        load_baseline=build("load-baseline", ["-DBENCH_BASELINE"], link=False,
                            source=os.path.join(C_SOURCES, "load-cost.c")),
        echo_handler=build("libfakeifd.so", ["-shared", "-fPIC", "-Wno-unused-parameter"], link=False,
                           source=ECHO_HANDLER_SOURCE),
    )


@dataclass
class Bench:
    """Everything the rows share during one pass."""

    settings: Settings
    build: str
    work: str
    registry: object
    programs: Programs
    our_library: Library
    debian_library: Library
    virtual_handler: str
    daemons: dict = field(default_factory=dict)
    raw: list = field(default_factory=list)

    def record(self, row, label, values):
        """Keeps the individual runs of one measurement for the raw-data section."""
        self.raw.append((row, label, list(values)))

    def directory(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path


def git_revision():
    try:
        revision = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                  capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return revision or "unknown"
