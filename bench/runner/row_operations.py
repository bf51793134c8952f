"""Rows 1 and 2: per-call times of seven PC/SC operations for the four pairings of
library and daemon, and the UNIX-socket round trip they are measured against."""
from environment import FLOOR_SIZES, OPERATIONS, SMALL_FLOOR_SIZE
from processes import BenchError, parse_fields, run_program
from report import Line, format_duration, format_ratio, median, paired_ratio, plural

RUN_TIMEOUT = 300


def time_operation(bench, operation, library, daemon, **extra_environment):
    """Runs pcsc-bench once and returns its nanoseconds per operation."""
    iterations = bench.settings.operation_iterations[operation]
    output = run_program(
        [bench.programs.pcsc_bench, operation, str(iterations)],
        env=library.client_environment(daemon.socket_path, **extra_environment), timeout=RUN_TIMEOUT,
        description=f"pcsc-bench {operation} with {library.label} against {daemon.label}")
    fields = parse_fields(output.strip().splitlines()[-1])
    if "ns_per_op" not in fields or "library" not in fields:
        raise BenchError(f"pcsc-bench {operation}: unexpected output '{output.strip()}'")
    library.check_loaded(fields["library"])
    return float(fields["ns_per_op"])


def time_floor(bench, operation):
    request, reply = FLOOR_SIZES.get(operation, SMALL_FLOOR_SIZE)
    iterations = bench.settings.operation_iterations[operation]
    output = run_program([bench.programs.socket_floor, str(request), str(reply), str(iterations)],
                         timeout=RUN_TIMEOUT)
    return float(parse_fields(output)["ns_per_op"])


def interleave(variants, rounds):
    """Runs every variant once per round and returns their results by name.

    The order is reversed on every other round, so no variant always runs right after
    the same neighbour.
    """
    results = {name: [] for name in variants}
    names = list(variants)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            results[name].append(variants[name]())
    return results


def operation_variants(bench, operation):
    ours, debian = bench.our_library, bench.debian_library
    our_daemon, debian_daemon = bench.daemons["ours"], bench.daemons["debian"]
    variants = {
        "floor": lambda: time_floor(bench, operation),
        "ours": lambda: time_operation(bench, operation, ours, our_daemon),
        "debian": lambda: time_operation(bench, operation, debian, debian_daemon),
        "our library": lambda: time_operation(bench, operation, ours, debian_daemon),
        "our daemon": lambda: time_operation(bench, operation, debian, our_daemon),
        "ours without polling": lambda: time_operation(
            bench, operation, ours, bench.daemons["ours-no-poll"], PCSCLITE_BUSY_POLL="0"),
    }
    if operation.startswith("transmit"):
        echo_daemon = bench.daemons["debian-echo"]
        variants["debian-echo"] = lambda: time_operation(
            bench, operation, debian, echo_daemon, BENCH_ECHO_REPLY="command")
    return variants


def describe_pairings(results):
    debian = results["debian"]
    parts = [
        f"our lib + Debian's daemon {format_duration(median(results['our library']))}"
        f" ({format_ratio(paired_ratio(results['our library'], debian))})",
        f"Debian's lib + our daemon {format_duration(median(results['our daemon']))}"
        f" ({format_ratio(paired_ratio(results['our daemon'], debian))})",
        f"ours without busy polling {format_duration(median(results['ours without polling']))}"
        f" ({format_ratio(paired_ratio(results['ours without polling'], debian))})",
        f"×floor: ours {paired_ratio(results['ours'], results['floor']):.1f},"
        f" Debian's {paired_ratio(debian, results['floor']):.1f}",
    ]
    if "debian-echo" in results:
        parts.append(f"Debian's stack with the C echo handler {format_duration(median(results['debian-echo']))}")
    return "; ".join(parts)


def measure_operations(bench):
    """Returns the row 1 lines (one per operation) and the row 2 floor lines."""
    lines = []
    small_floor, large_floor = [], []
    for operation, label in OPERATIONS:
        results = interleave(operation_variants(bench, operation), bench.settings.operation_rounds)
        for name, values in results.items():
            bench.record("1", f"{operation}, {name} (ns per call)", values)
        (large_floor if operation in FLOOR_SIZES else small_floor).extend(results["floor"])

        lines.append(Line("1", label, "ns", median(results["ours"]), median(results["debian"]),
                          paired_ratio(results["ours"], results["debian"]), describe_pairings(results)))

    for (request, reply), values in ((SMALL_FLOOR_SIZE, small_floor), (FLOOR_SIZES["transmit-255"], large_floor)):
        lines.append(Line(
            "2", f"Floor: UNIX socket round trip, {request}-byte request, {reply}-byte reply", "ns",
            median(values), median(values), None,
            f"two processes on a socketpair, one write and one read per direction; {plural(len(values), 'run')}"))
    return lines
