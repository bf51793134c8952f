"""Medians, ratios, the results table and the machine facts printed above it."""
import datetime
import os
import platform
import shutil
import statistics
import subprocess
from dataclasses import dataclass


@dataclass
class Line:
    """One line of the results table. Values are in `unit`: "ns", "Ir", "KiB" or "per_s"."""

    row: str
    measurement: str
    unit: str
    ours: float
    theirs: float
    ratio: float
    details: str = ""


def median(values):
    return statistics.median(values)


def paired_ratio(ours, theirs):
    """Returns the median of the per-round ratios ours[i] / theirs[i] of interleaved runs.

    Runs of one round follow each other within seconds, so slow drift of the machine
    cancels in each ratio even when it moves the absolute medians.
    """
    return median([mine / other for mine, other in zip(ours, theirs)])


def format_value(value, unit):
    if value is None:
        return "—"
    if unit == "ns":
        return format_duration(value)
    if unit == "Ir":
        return f"{value / 1e6:.2f} M Ir"
    if unit == "KiB":
        return f"{value / 1024:.1f} MiB"
    if unit == "per_s":
        return f"{value:,.0f}/s".replace(",", " ")
    return f"{value:g} {unit}"


def format_duration(nanoseconds):
    if nanoseconds < 1e3:
        return f"{nanoseconds:.0f} ns"
    if nanoseconds < 1e6:
        return f"{nanoseconds / 1e3:.1f} µs"
    if nanoseconds < 1e9:
        return f"{nanoseconds / 1e6:.1f} ms"
    return f"{nanoseconds / 1e9:.2f} s"


def format_ratio(ratio):
    if ratio is None:
        return "—"
    # Two significant digits for small ratios, so 0.0014 does not print as 0.00.
    return f"{ratio:.2g}×" if ratio < 0.1 else f"{ratio:.2f}×"


def render_table(lines):
    header = ["#", "Measurement", "Ours", "Debian's", "Ours/Debian's", "Details"]
    rows = [[line.row, line.measurement, format_value(line.ours, line.unit), format_value(line.theirs, line.unit),
             format_ratio(line.ratio), line.details] for line in lines]
    text = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    text += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(text)


def command_output(arguments):
    try:
        return subprocess.run(arguments, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def load_average():
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def machine_facts(revision, load_before):
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/etc/debian_version") as version:
        debian = version.read().strip()
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    swift_version = command_output([swift, "--version"]).splitlines()
    pcsc_lite = ", ".join(f"{package} {command_output(['dpkg-query', '-W', '-f', '${Version}', package])}"
                          for package in ("pcscd", "libpcsclite1", "libpcsclite-dev"))
    return [
        ("Date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", f"{cpu}, {os.cpu_count()} cores, {virtualisation()}"),
        ("Memory", f"{physical_memory_gib():.1f} GiB"),
        ("Kernel", f"Linux {platform.release()}"),
        ("Debian", debian),
        ("Swift", swift_version[0] if swift_version else "unknown"),
        ("pcsc-lite", pcsc_lite or "unknown"),
        ("Load average (1, 5, 15 min)", f"{load_before} before the run, {load_average()} after it"),
        ("Revision", revision),
    ]


def virtualisation():
    """Describes the hypervisor (from lscpu) and container (from systemd-detect-virt), if any."""
    hypervisor = ""
    for line in command_output(["lscpu"]).splitlines():
        if line.startswith("Hypervisor vendor:"):
            hypervisor = line.split(":", 1)[1].strip()
    container = command_output(["systemd-detect-virt", "--container"])
    parts = [f"{hypervisor} guest" if hypervisor else "no hypervisor reported"]
    if container and container != "none":
        parts.append(f"in a {container} container")
    return " ".join(parts)


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def physical_memory_gib():
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def render_facts(facts):
    return "\n".join(f"- {name}: {value}" for name, value in facts)


def render_raw(raw):
    """Lists every individual run, so a reader can see the spread behind each median."""
    text = []
    for row, label, values in raw:
        formatted = ", ".join(f"{value:.6g}" for value in values)
        text.append(f"- row {row}, {label}: {formatted}")
    return "\n".join(text)
