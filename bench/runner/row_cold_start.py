"""Row 3: cold start of a socket-activated daemon, seen by its first client."""
import itertools
import os

from processes import (DEBIAN_PCSCD, BenchError, executable_of, parse_fields, run_program, start_debian_daemon,
                       start_our_daemon)
from report import Line, format_duration, format_ratio, median, paired_ratio, plural
from row_operations import interleave

ACTIVATOR = "systemd-socket-activate"


def cold_start_once(bench, variant, index):
    """Starts a fresh activator, runs the cold-start client once and stops the daemon.

    Returns (establish_ns, reader_ns). Checks that the activator had not yet started the
    daemon before the client connected, and that it had afterwards.
    """
    directory = bench.directory(f"cold-start-{variant}-{index}")
    if variant == "ours":
        daemon = start_our_daemon(bench.registry, bench.build, directory, activated=True)
        library, expected_daemon = bench.our_library, os.path.join(bench.build, "sbin", "pcscd")
    else:
        handler = bench.programs.echo_handler if variant == "debian-echo" else bench.virtual_handler
        daemon = start_debian_daemon(bench.registry, handler, directory, activated=True)
        library, expected_daemon = bench.debian_library, DEBIAN_PCSCD

    try:
        if os.path.basename(executable_of(daemon.pid)) != ACTIVATOR:
            raise BenchError(f"cold start: {daemon.label} was running before the first client connected")
        output = run_program([bench.programs.cold_start], env=library.client_environment(daemon.socket_path),
                             timeout=60, description=f"cold-start against {daemon.label}")
        if os.path.realpath(executable_of(daemon.pid)) != os.path.realpath(expected_daemon):
            raise BenchError(f"cold start: process {daemon.pid} is not {expected_daemon} after the first client")
    finally:
        bench.registry.stop(daemon.process)

    fields = parse_fields(output)
    library.check_loaded(fields["library"])
    return int(fields["establish_ns"]), int(fields["reader_ns"])


def measure_cold_start(bench):
    rounds = bench.settings.cold_start_rounds
    counter = itertools.count()
    variants = {name: (lambda name=name: cold_start_once(bench, name, next(counter)))
                for name in ("ours", "debian", "debian-echo")}
    results = interleave(variants, rounds)

    lines = []
    for position, (label, field) in enumerate((
            ("Cold start: first connect → SCardEstablishContext returns", "establish"),
            ("Cold start: first connect → SCardListReaders lists the reader", "reader"))):
        values = {name: [sample[position] for sample in samples] for name, samples in results.items()}
        for name, samples in values.items():
            bench.record("3", f"{field}, {name} (ns)", samples)
        echo = values["debian-echo"]
        details = (f"{plural(rounds, 'fresh activation')} each; Debian's pcscd with the C echo handler"
                   f" {format_duration(median(echo))} ({format_ratio(paired_ratio(values['ours'], echo))})")
        lines.append(Line("3", label, "ns", median(values["ours"]), median(values["debian"]),
                          paired_ratio(values["ours"], values["debian"]), details))
    return lines
