"""Row 5: instructions a process executes to load libpcsclite.so.1 and make one call,
counted by callgrind (deterministic, so one run per variant)."""
import os

from processes import BenchError, parse_fields, run_program
from report import Line, format_ratio

MODES = [
    ("stringify", "Library load + pcsc_stringify_error (callgrind Ir)"),
    ("establish", "Library load + SCardEstablishContext + SCardReleaseContext (callgrind Ir)"),
]


def callgrind_total(bench, program, mode, env, name):
    """Runs `program mode` under callgrind and returns the total instruction count (Ir)."""
    output_file = os.path.join(bench.directory("callgrind"), f"callgrind.{name}.{mode}.out")
    run_program(["valgrind", "--tool=callgrind", f"--callgrind-out-file={output_file}", program, mode],
                env=env, timeout=600, description=f"callgrind {os.path.basename(program)} {mode} ({name})")
    with open(output_file) as profile:
        for line in profile:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise BenchError(f"{output_file} has no totals line")


def measure_load_cost(bench):
    # The establish mode needs a daemon; both libraries talk to Debian's, so only the
    # library differs (callgrind counts the client process alone).
    socket_path = bench.daemons["debian"].socket_path
    libraries = {"ours": bench.our_library, "debian": bench.debian_library}
    for library in libraries.values():
        output = run_program([bench.programs.load_cost, "library"], env=library.client_environment(socket_path))
        library.check_loaded(parse_fields(output)["library"])

    lines = []
    for mode, label in MODES:
        baseline = callgrind_total(bench, bench.programs.load_baseline, mode,
                                   bench.debian_library.client_environment(socket_path), "baseline")
        totals = {name: callgrind_total(bench, bench.programs.load_cost, mode,
                                        library.client_environment(socket_path), name)
                  for name, library in libraries.items()}
        for name, total in totals.items():
            bench.record("5", f"{mode}, {name} (Ir)", [total])
        bench.record("5", f"{mode}, C program without a PC/SC library (Ir)", [baseline])

        ours, debian = totals["ours"] - baseline, totals["debian"] - baseline
        details = (f"totals include {baseline / 1e6:.2f} M Ir for the C program itself;"
                   f" without it: ours {ours / 1e6:.2f} M, Debian's {debian / 1e6:.2f} M"
                   f" ({format_ratio(ours / debian)})")
        lines.append(Line("5", label, "Ir", totals["ours"], totals["debian"],
                          totals["ours"] / totals["debian"], details))
    return lines
