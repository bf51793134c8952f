"""Row 6: daemon resident memory (VmRSS) idle with one reader, and after many short
client sessions."""
import os
import subprocess
import time

from processes import DEBIAN_PCSCD, BenchError, executable_of, memory_of, start_debian_daemon, start_our_daemon
from report import Line, format_ratio, format_value, median, paired_ratio

# Time a fresh daemon gets to finish start-up work, and a used one to reap its client
# threads, before its memory is read.
SETTLE_SECONDS = 2.0
SESSION_TIMEOUT = 120
VARIANTS = ("ours", "debian", "debian-echo")


def check_daemon(daemon, expected):
    if os.path.realpath(executable_of(daemon.pid)) != os.path.realpath(expected):
        raise BenchError(f"process {daemon.pid} of {daemon.label} is not {expected}")


def run_sessions(bench, library, daemon, **extra_environment):
    """Runs the configured number of one-session client processes, a batch at a time."""
    settings = bench.settings
    env = library.client_environment(daemon.socket_path, **extra_environment)
    remaining = settings.memory_clients
    while remaining > 0:
        batch = [bench.registry.start([bench.programs.pcsc_bench, "session", "1"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for _ in range(min(settings.memory_concurrency, remaining))]
        remaining -= len(batch)
        for client in batch:
            try:
                _, errors = client.communicate(timeout=SESSION_TIMEOUT)
            except subprocess.TimeoutExpired as error:
                bench.registry.stop(client)
                raise BenchError(f"a client session against {daemon.label} timed out") from error
            bench.registry.forget(client)
            if client.returncode != 0:
                raise BenchError(f"a client session against {daemon.label} failed: {errors.decode().strip()}")


def memory_once(bench, variant, index):
    """Returns the Memory of a fresh daemon idle and after the client sessions."""
    directory = bench.directory(f"memory-{variant}-{index}")
    extra = {}
    if variant == "ours":
        daemon = start_our_daemon(bench.registry, bench.build, directory)
        library, expected = bench.our_library, os.path.join(bench.build, "sbin", "pcscd")
    elif variant == "debian":
        daemon = start_debian_daemon(bench.registry, bench.virtual_handler, directory)
        library, expected = bench.debian_library, DEBIAN_PCSCD
    else:
        daemon = start_debian_daemon(bench.registry, bench.programs.echo_handler, directory,
                                     has_control_socket=False)
        library, expected, extra = bench.debian_library, DEBIAN_PCSCD, {"BENCH_ECHO_REPLY": "command"}

    try:
        time.sleep(SETTLE_SECONDS)
        check_daemon(daemon, expected)
        idle = memory_of(daemon.pid)
        run_sessions(bench, library, daemon, **extra)
        time.sleep(SETTLE_SECONDS)
        used = memory_of(daemon.pid)
    finally:
        bench.registry.stop(daemon.process)
    return idle, used


def describe(samples, field):
    """Formats the median of one Memory field for each variant."""
    values = {name: median([getattr(sample, field) for sample in runs]) for name, runs in samples.items()}
    return (f"ours {format_value(values['ours'], 'KiB')}, Debian's {format_value(values['debian'], 'KiB')},"
            f" C echo handler {format_value(values['debian-echo'], 'KiB')}")


def measure_memory(bench):
    results = {name: [] for name in VARIANTS}
    for index in range(bench.settings.memory_rounds):
        for name in results:
            results[name].append(memory_once(bench, name, index))

    lines = []
    for position, label in ((0, "Daemon RSS, idle, one reader"),
                            (1, f"Daemon RSS after {bench.settings.memory_clients} client sessions")):
        samples = {name: [sample[position] for sample in runs] for name, runs in results.items()}
        resident = {name: [memory.resident for memory in runs] for name, runs in samples.items()}
        for name, values in resident.items():
            bench.record("6", f"{label}, {name} (VmRSS KiB)", values)
        ours, debian, echo = resident["ours"], resident["debian"], resident["debian-echo"]

        details = (f"Debian's pcscd with the C echo handler instead of the Swift one:"
                   f" {format_value(median(echo), 'KiB')} ({format_ratio(paired_ratio(ours, echo))});"
                   f" anonymous (RssAnon): {describe(samples, 'anonymous')}")
        if position == 1:
            details += (f"; peak (VmHWM): {describe(samples, 'peak')};"
                        f" {bench.settings.memory_concurrency} sessions at a time")
        lines.append(Line("6", label, "KiB", median(ours), median(debian), paired_ratio(ours, debian), details))
    return lines


def measure_memory_after_load(bench):
    """Reads the memory of the long-running daemons after the load test (row 7)."""
    time.sleep(SETTLE_SECONDS)
    ours = memory_of(bench.daemons["ours"].pid)
    debian = memory_of(bench.daemons["debian"].pid)
    bench.record("6", "VmRSS after load, ours and Debian's (KiB)", [ours.resident, debian.resident])
    details = (f"the daemons of rows 1, 2 and 7 after all their runs; anonymous (RssAnon): ours"
               f" {format_value(ours.anonymous, 'KiB')}, Debian's {format_value(debian.anonymous, 'KiB')};"
               f" peak (VmHWM): ours {format_value(ours.peak, 'KiB')}, Debian's {format_value(debian.peak, 'KiB')}")
    return Line("6", "Daemon RSS after the load test (row 7)", "KiB", ours.resident, debian.resident,
                ours.resident / debian.resident, details)
