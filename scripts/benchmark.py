"""Time each course notebook and measure its kernel's peak memory.

Each notebook (by default ``notebooks/*.ipynb`` then ``solutions/*.ipynb``,
or the paths given) is executed in a fresh kernel, set up exactly as
``refresh_outputs.py`` does, and is NOT written back. The table shows, per
notebook, the wall time (from asking for a kernel to the last cell's reply: kernel start-up
included, its shutdown after the last cell not), the slowest cell (kernel
time from ``execute_input`` to ``execute_reply``, as recorded by nbclient's
``record_timing``) and the peak resident memory of the kernel process
(``VmHWM`` from ``/proc/PID/status``, Linux only), then the total wall time.

On a shared machine the CPU's speed drifts (here by up to 2x within minutes), so
before each notebook a fixed pure-Python loop is timed too: the "CPU probe"
column. Compare runs only at similar probe times.

Usage::

    python scripts/benchmark.py                 # plain-text table
    python scripts/benchmark.py --markdown      # the table as Markdown too
    python scripts/benchmark.py --markdown --output docs/benchmark.md   # the generated page MAINTAINING.md links
    python scripts/benchmark.py --repeat 3      # each notebook 3 times; the median run

Exits 1 if any notebook fails.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refresh_outputs import NotebookFailed, default_notebooks, display_name, make_client, run_client  # noqa: E402

HEADERS = ("notebook", "wall (s)", "slowest cell (s)", "peak RSS (MiB)", "CPU probe (ms)")
PROBE_LOOPS = 1_000_000


def cpu_probe_ms(repeats: int = 3) -> float:
    """Milliseconds a fixed pure-Python loop of ``PROBE_LOOPS`` steps takes, fastest of
    ``repeats``: how fast one core of this machine is right now."""
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}.")
    best = math.inf
    for _ in range(repeats):
        start, total = time.perf_counter(), 0
        for i in range(PROBE_LOOPS):
            total += i * i
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def peak_rss_mib(pid: int | None) -> float | None:
    """Peak resident set size of process ``pid`` so far (``VmHWM``), or None if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # the value is in kB
    except (OSError, ValueError):
        pass
    return None


def cell_seconds(cell: nbformat.NotebookNode) -> float | None:
    """Kernel execution time of ``cell`` from nbclient's timing metadata, if recorded."""
    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"])
        end = datetime.fromisoformat(timing["shell.execute_reply"])
    except KeyError:
        return None
    return (end - start).total_seconds()


def benchmark(path: Path) -> tuple[float, float | None, int | None, float | None, float]:
    """Execute ``path`` without saving; return (wall s, slowest cell s, its index, peak MiB,
    CPU probe ms taken just before).

    The kernel's PID comes from jupyter_client's local provisioner
    (``client.km.provisioner.pid``); its ``VmHWM`` is read after every code
    cell, while the kernel is alive, and the last reading is the peak.
    Raises ``NotebookFailed``.
    """
    nb = nbformat.read(path, as_version=4)
    client = make_client(nb, path, record_timing=True)
    peak = {"mib": None, "last_cell_done": None}

    def read_peak(**_):
        pid = getattr(client.km.provisioner, "pid", None)
        peak["mib"] = peak_rss_mib(pid) or peak["mib"]
        peak["last_cell_done"] = time.perf_counter()

    client.on_cell_executed = read_peak
    probe = cpu_probe_ms()
    start = time.perf_counter()
    run_client(client, path)
    # From asking for a kernel to the last cell's reply: what a learner waits for. Shutting the
    # kernel down afterwards (TensorFlow's exit handlers) is left out.
    wall = (peak["last_cell_done"] or time.perf_counter()) - start

    timings = [(seconds, index) for index, cell in enumerate(nb.cells)
               if (seconds := cell_seconds(cell)) is not None]
    slowest, slowest_index = max(timings, default=(None, None))
    return wall, slowest, slowest_index, peak["mib"], probe


def format_table(rows: list[tuple[str, ...]], markdown: bool, headers: tuple[str, ...] = HEADERS) -> str:
    """Render string rows under ``headers`` (by default this script's ``HEADERS``) as Markdown or
    as aligned plain text (the first column left-aligned, the others right-aligned)."""
    if markdown:
        lines = [headers, ("---",) + ("---:",) * (len(headers) - 1), *rows]
        return "\n".join("| " + " | ".join(row) + " |" for row in lines)
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                  for i, (cell, width) in enumerate(zip(row, widths))).rstrip()
        for row in [headers, *rows]
    )


def write_page(path: Path, title: str, argv: list[str], covers: str, body: str) -> Path:
    """Write a generated Markdown page: ``title``, how it was generated (the command, from
    ``argv``) and when, on which versions and machine, what it ``covers``, then ``body``."""
    import importlib.metadata
    import os
    import platform

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    command = " ".join(["python", *argv])
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# {title}\n\n"
            f"Generated by `{command}` on {stamp}, with Python {platform.python_version()}, "
            f"TensorFlow {version('tensorflow')} and Keras {version('keras')}, on {os.cpu_count()} CPU cores "
            f"({platform.machine()}). Do not edit it by hand: run the command again.\n\n"
            f"Covers: {covers}\n\n{body.rstrip()}\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    """Benchmark the notebooks, print the table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/*.ipynb solutions/*.ipynb)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--output", type=Path, metavar="PAGE",
                        help="with --markdown, also write the table as a generated page (e.g. docs/benchmark.md)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run each notebook N times and report the median run (by wall time): on a "
                             "shared machine one run's timings can be 20-40%% off")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    if args.output and not args.markdown:
        parser.error("--output writes the Markdown table: add --markdown")

    rows, failures, total = [], [], 0.0
    for path in args.notebooks or default_notebooks():
        name = display_name(path)
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            runs = sorted((benchmark(path) for _ in range(args.repeat)), key=lambda run: run[0])
            wall, slowest, index, peak, probe = runs[(len(runs) - 1) // 2]   # the median run (the lower one if N is even)
        except NotebookFailed as error:
            failures.append(str(error))
            rows.append((name, "FAILED", "", "", ""))
            continue
        total += wall
        rows.append((
            name,
            f"{wall:.1f}",
            "n/a" if slowest is None else f"{slowest:.1f} (cell {index})",
            "n/a" if peak is None else f"{peak:.0f}",
            f"{probe:.0f}",
        ))
    rows.append(("total", f"{total:.1f}", "", "", ""))

    print(format_table(rows, args.markdown))
    if args.output:
        names = [row[0] for row in rows[:-1]]
        write_page(args.output, "Notebook timings", ["scripts/benchmark.py", *(argv if argv is not None else sys.argv[1:])],
                   f"{len(names)} notebook(s), {args.repeat} run(s) each (the median shown): {', '.join(names)}. "
                   "Wall times depend on the machine and its load; the CPU probe column says how fast the CPU was.",
                   format_table(rows, markdown=True) + "".join(f"\n\nerror: {f}" for f in failures))
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
