"""Row 4: card event latency, from a control-socket request to the return of a waiting
SCardGetStatusChange."""
import statistics

from processes import BenchError, parse_fields, run_program
from report import Line, format_duration, median, plural


def event_run(bench, library, daemon, seed):
    """Runs event-latency once; returns the lists of removal and insertion latencies."""
    rounds = bench.settings.events_per_run
    # Each round waits up to 2 × 550 ms before its requests, plus the daemon's latency.
    output = run_program(
        [bench.programs.event_latency, daemon.control_path, str(rounds), str(seed)],
        env=library.client_environment(daemon.socket_path), timeout=30 + 5 * rounds,
        description=f"event-latency with {library.label} against {daemon.label}")
    removals, insertions = [], []
    for line in output.strip().splitlines():
        fields = parse_fields(line)
        library.check_loaded(fields["library"])
        removals.append(int(fields["remove_ns"]))
        insertions.append(int(fields["insert_ns"]))
    if len(insertions) != rounds:
        raise BenchError(f"event-latency against {daemon.label}: {len(insertions)} results, expected {rounds}")
    return removals, insertions


def percentile_90(values):
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def measure_events(bench):
    stacks = {"ours": (bench.our_library, bench.daemons["ours"]),
              "debian": (bench.debian_library, bench.daemons["debian"])}
    samples = {name: {"remove": [], "insert": []} for name in stacks}
    for run in range(bench.settings.event_runs):
        order = list(stacks) if run % 2 == 0 else list(reversed(list(stacks)))
        for name in order:
            library, daemon = stacks[name]
            removals, insertions = event_run(bench, library, daemon, seed=run + 1)
            samples[name]["remove"].extend(removals)
            samples[name]["insert"].extend(insertions)

    lines = []
    for event, label in (("insert", "Card insertion → waiting SCardGetStatusChange returns"),
                         ("remove", "Card removal → waiting SCardGetStatusChange returns")):
        ours, debian = samples["ours"][event], samples["debian"][event]
        bench.record("4", f"{event}, ours (ns)", ours)
        bench.record("4", f"{event}, debian (ns)", debian)
        details = (f"{plural(len(ours), 'event')} each, sent at a random 50-549 ms after the wait began;"
                   f" 90th percentile: ours {format_duration(percentile_90(ours))},"
                   f" Debian's {format_duration(percentile_90(debian))}")
        # Single events at random phases do not pair up, so the ratio is of the medians.
        lines.append(Line("4", label, "ns", median(ours), median(debian), median(ours) / median(debian), details))
    return lines
