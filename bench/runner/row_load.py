"""Row 7: many concurrent client processes sending transmits, full stacks."""
import os
import selectors
import subprocess
import time

from processes import BenchError, parse_fields
from report import Line, format_value, median, paired_ratio, plural

READY_TIMEOUT = 120
RUN_TIMEOUT = 600


def wait_until_ready(clients):
    """Reads each client's "ready" line; returns the clients that printed something else
    or exited before it (they failed to connect)."""
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.stdout, selectors.EVENT_READ, client)
    failed, pending = [], set(clients)
    deadline = time.monotonic() + READY_TIMEOUT
    while pending:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BenchError(f"{len(pending)} load clients did not connect within {READY_TIMEOUT} s")
        for key, _ in selector.select(remaining):
            client = key.data
            line = client.stdout.readline()
            selector.unregister(client.stdout)
            pending.discard(client)
            if line.strip() != b"ready":
                failed.append(client)
    selector.close()
    return failed


def load_run(bench, library, daemon, index, extra_environment=None):
    """Starts the clients, releases them together and returns (transmits per second,
    errors). A client that fails to connect counts all its transmits as errors."""
    settings = bench.settings
    env = library.client_environment(daemon.socket_path, **(extra_environment or {}))
    arguments = [bench.programs.pcsc_bench, "load", str(settings.load_transmits)]
    start_signal, release = os.pipe()
    error_path = os.path.join(bench.directory("load"), f"{index}.stderr")
    clients = []
    try:
        with open(error_path, "wb") as error_log:
            for _ in range(settings.load_clients):
                clients.append(bench.registry.start(arguments, env=env, stdin=start_signal,
                                                    stdout=subprocess.PIPE, stderr=error_log))
        os.close(start_signal)
        start_signal = None
        failed = wait_until_ready(clients)

        started = time.monotonic_ns()
        os.close(release)
        release = None
        return collect(bench, library, clients, failed, started, error_path)
    finally:
        for descriptor in (start_signal, release):
            if descriptor is not None:
                os.close(descriptor)
        for client in clients:
            bench.registry.stop(client)


def collect(bench, library, clients, failed, started, error_path):
    transmits = bench.settings.load_transmits
    errors = transmits * len(failed)
    succeeded, last_end = 0, started
    for client in clients:
        output, _ = client.communicate(timeout=RUN_TIMEOUT)
        if client in failed:
            continue
        fields = parse_fields(output.decode())
        if "errors" not in fields:
            errors += transmits
            continue
        library.check_loaded(fields["library"])
        errors += int(fields["errors"])
        succeeded += int(fields["transmits"]) - int(fields["errors"])
        last_end = max(last_end, int(fields["end_ns"]))
    if errors and os.path.getsize(error_path):
        with open(error_path) as log:
            print(f"load run errors ({error_path}):\n" + "".join(log.readlines()[:10]))
    rate = succeeded / ((last_end - started) / 1e9) if last_end > started else 0.0
    return rate, errors


def measure_load(bench):
    settings = bench.settings
    stacks = {"ours": (bench.our_library, bench.daemons["ours"], {}),
              "debian": (bench.debian_library, bench.daemons["debian"], {}),
              "ours without polling": (bench.our_library, bench.daemons["ours-no-poll"], {"PCSCLITE_BUSY_POLL": "0"})}
    rates = {name: [] for name in stacks}
    errors = {name: 0 for name in stacks}
    for index in range(settings.load_rounds):
        order = list(stacks) if index % 2 == 0 else list(reversed(list(stacks)))
        for name in order:
            library, daemon, environment = stacks[name]
            rate, run_errors = load_run(bench, library, daemon, f"{name}-{index}".replace(" ", "-"), environment)
            rates[name].append(rate)
            errors[name] += run_errors
    for name, values in rates.items():
        bench.record("7", f"{name} (transmits per second)", values)

    label = f"Load: {settings.load_clients} client processes × {settings.load_transmits} transmits, aggregate rate"
    details = (f"throughput, so higher is better; errors: ours {errors['ours']}, Debian's {errors['debian']};"
               f" ours without busy polling {format_value(median(rates['ours without polling']), 'per_s')}"
               f" ({paired_ratio(rates['ours without polling'], rates['debian']):.2f}×,"
               f" errors {errors['ours without polling']});"
               f" {plural(settings.load_rounds, 'run')} each, 13-byte ECHO on one shared reader")
    line = Line("7", label, "per_s", median(rates["ours"]), median(rates["debian"]),
                paired_ratio(rates["ours"], rates["debian"]), details)
    return line, sum(errors.values())
