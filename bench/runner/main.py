"""Benchmark our PC/SC stack against Debian's pcsc-lite 1.9.9, side by side in one run.

Usage: main.py [--smoke] BUILD
BUILD is the directory `make build` fills (lib/libpcsclite.so.1, lib/libifdvirtual.so,
sbin/pcscd). Prints the machine facts and one results table, writes them to
bench/results/, and exits 1 when a measurement failed or a load run had errors.
Needs root: Debian's pcscd runs in a private mount namespace.
"""
import argparse
import datetime
import os
import shutil
import signal
import sys
import tempfile
import time

from environment import (BENCH_DIRECTORY, FULL, SMOKE, Bench, Library, compile_programs,
                         debian_library_directory, git_revision)
from processes import BenchError, ProcessRegistry, start_debian_daemon, start_our_daemon
from report import load_average, machine_facts, render_facts, render_raw, render_table
from row_cold_start import measure_cold_start
from row_events import measure_events
from row_load import measure_load
from row_load_cost import measure_load_cost
from row_memory import measure_memory, measure_memory_after_load
from row_operations import measure_operations

RESULTS_DIRECTORY = os.path.join(BENCH_DIRECTORY, "results")


def parse_arguments():
    parser = argparse.ArgumentParser(description="Benchmark our PC/SC stack against Debian's pcsc-lite.")
    parser.add_argument("--smoke", action="store_true",
                        help="run every row with tiny iteration counts (about a minute); asserts no speed")
    parser.add_argument("build", help="build directory with lib/libpcsclite.so.1, lib/libifdvirtual.so, sbin/pcscd")
    return parser.parse_args()


def start_shared_daemons(bench):
    """Starts the daemons rows 1, 2, 4, 5 and 7 share: ours, ours without busy polling,
    Debian's with the Swift virtual card handler, and Debian's with the C echo handler (a
    reference for transmits)."""
    bench.daemons["ours"] = start_our_daemon(bench.registry, bench.build, bench.directory("ours"))
    bench.daemons["ours-no-poll"] = start_our_daemon(
        bench.registry, bench.build, bench.directory("ours-no-poll"), extra_arguments=["--busy-poll=0"],
        label="our pcscd without busy polling")
    bench.daemons["debian"] = start_debian_daemon(bench.registry, bench.virtual_handler, bench.directory("debian"))
    bench.daemons["debian-echo"] = start_debian_daemon(
        bench.registry, bench.programs.echo_handler, bench.directory("debian-echo"), has_control_socket=False,
        label="Debian's pcscd with the C echo handler")


def run_rows(bench):
    """Runs every row; returns the table lines in row order and the load error count."""
    lines = []
    timings = []

    def timed(name, function):
        started = time.monotonic()
        print(f"... {name}", file=sys.stderr, flush=True)
        result = function()
        timings.append((name, time.monotonic() - started))
        return result

    start_shared_daemons(bench)
    lines += timed("rows 1 and 2: operations and floor", lambda: measure_operations(bench))
    load_line, load_errors = timed("row 7: load", lambda: measure_load(bench))
    memory_after_load = measure_memory_after_load(bench)
    lines += timed("row 4: card events", lambda: measure_events(bench))
    lines += timed("row 5: library load cost", lambda: measure_load_cost(bench))
    for daemon in list(bench.daemons.values()):
        bench.registry.stop(daemon.process)
    bench.daemons.clear()

    lines += timed("row 6: daemon memory", lambda: measure_memory(bench))
    lines.append(memory_after_load)
    lines += timed("row 3: cold start", lambda: measure_cold_start(bench))
    lines.append(load_line)

    for name, seconds in timings:
        print(f"    {name}: {seconds:.0f} s", file=sys.stderr)
    lines.sort(key=lambda line: int(line.row))
    return lines, load_errors


def write_results(smoke, facts, table, raw):
    os.makedirs(RESULTS_DIRECTORY, exist_ok=True)
    kind = "Smoke pass (tiny iteration counts, not a measurement)" if smoke else "Full run"
    document = (f"# PC/SC benchmark: ours against Debian's pcsc-lite\n\n{kind}, `bench/run.sh"
                f"{' --smoke' if smoke else ''} BUILD`.\n\n## Machine\n\n{render_facts(facts)}\n\n"
                f"## Results\n\n{table}\n\n## Individual runs\n\n{raw}\n")
    names = ["smoke-latest.md"] if smoke else [
        "latest.md", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ.md")]
    paths = [os.path.join(RESULTS_DIRECTORY, name) for name in names]
    for path in paths:
        with open(path, "w") as output:
            output.write(document)
    return paths


def print_daemon_logs(work):
    for directory, _, files in os.walk(work):
        for name in files:
            if name.endswith(".log"):
                path = os.path.join(directory, name)
                with open(path, errors="replace") as log:
                    tail = log.readlines()[-20:]
                if tail:
                    print(f"----- {path} (last {len(tail)} lines)\n{''.join(tail)}", file=sys.stderr)


def main():
    arguments = parse_arguments()
    build = os.path.abspath(arguments.build)
    settings = SMOKE if arguments.smoke else FULL
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(f"bench: stopped by signal {number}"))

    load_before = load_average()
    work = tempfile.mkdtemp(prefix="pcsc-bench.")
    registry = ProcessRegistry()
    status = 0
    try:
        bench = Bench(
            settings=settings, build=build, work=work, registry=registry,
            programs=compile_programs(os.path.join(work, "bin")),
            our_library=Library("our library", os.path.join(build, "lib")),
            debian_library=Library("Debian's library", debian_library_directory()),
            virtual_handler=os.path.join(build, "lib", "libifdvirtual.so"))
        lines, load_errors = run_rows(bench)

        facts = machine_facts(git_revision(), load_before)
        table = render_table(lines)
        print(f"\n{render_facts(facts)}\n\n{table}\n")
        for path in write_results(settings.smoke, facts, table, render_raw(bench.raw)):
            print(f"Results written to {path}")
        if load_errors:
            print(f"FAIL: the load test had {load_errors} errors (see row 7)", file=sys.stderr)
            status = 1
    except BenchError as error:
        print(f"FAIL: {error}", file=sys.stderr)
        print_daemon_logs(work)
        status = 1
    finally:
        registry.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
