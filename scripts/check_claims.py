"""Check that the course's claims hold: run every notebook once per seed and report which fail.

A claim a notebook makes (an ``assert`` in a cell: "fine-tuning at 1e-2 forgets more than at
1e-4", "the frozen base beats training from scratch", ...) only *holds* when it passes on every
one of 10 seeds that were not used while designing it: a claim tuned until it passes on the seeds
it was written against proves nothing about the next learner's run. This script is how a
maintainer checks that, e.g. before a release or after changing a recipe::

    python scripts/check_claims.py --seeds 11 12 13 14 15 16 17 18 19 20
    python scripts/check_claims.py --seeds 11 12 --markdown notebooks/03_fine_tuning_lower_lr.ipynb
    python scripts/check_claims.py --seeds 11 12 --markdown --output docs/claims.md NOTEBOOK...   # the generated page

Each notebook (by default every ``notebooks/*.ipynb`` then every ``solutions/*.ipynb``, sorted,
or the paths given) is executed once per seed in a fresh kernel set up exactly as
``refresh_outputs.py`` does (``python3`` kernel, working directory = the notebook's folder, a
per-cell time limit, ``TF_CPP_MIN_LOG_LEVEL=3``), with ``COURSE_SEED=<seed>`` added to the
kernel's environment: the course's seeding helper ``finetune_course.course_seed()`` reads it. Outputs
are not compared and the notebook is not written back; a run is ``ok`` when every cell runs
(cells tagged ``raises-exception`` may raise, as in ``refresh_outputs.py``).

A line is printed as each run finishes (every notebook on many seeds is a long run), then a table (rows:
notebooks, columns: seeds, ``ok`` or ``FAIL``, and each notebook's total wall time), then for each
failure the notebook, seed, cell index, the failing source line (for an ``AssertionError`` the
``assert`` line) and the exception's one-line message. ``--markdown`` prints the table as
Markdown too, for closing notes; with ``--output PAGE`` it also writes it, with the failures and
how and when it was generated, as a page (``docs/claims.md``, linked from MAINTAINING.md).

Exits 0 if every run is ok, 1 if any failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import format_table, write_page  # noqa: E402
from refresh_outputs import (CELL_TIMEOUT_S, KERNEL_ENV, SEED_VARIABLE, default_notebooks, display_name,  # noqa: E402
                             make_client)

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# IPython marks the line being executed in each frame of a traceback: "----> 3 assert x > 0".
ARROW_LINE = re.compile(r"^\s*-*>\s*\d+\s?(.*)$")
# nbclient puts the cell's source (and any stream output) before the kernel's traceback,
# each closed by a line of exactly 18 dashes.
NBCLIENT_SEPARATOR = "\n------------------\n"


@dataclass(frozen=True)
class Result:
    """One notebook run with one seed.

    ``cell`` is the index of the failing cell (None if ok, or if it failed before any cell ran),
    ``line`` the failing source line ("" if unknown), ``message`` e.g. ``AssertionError: odd seed 3``.
    """

    ok: bool
    cell: int | None = None
    line: str = ""
    message: str = ""
    seconds: float = 0.0


def strip_ansi(text: str) -> str:
    """``text`` without ANSI colour codes (IPython colours its tracebacks)."""
    return ANSI_ESCAPE.sub("", text)


def one_line_message(ename: str, evalue: str) -> str:
    """``ename: first line of evalue``, or just ``ename`` for an empty value (a bare ``assert``)."""
    evalue = strip_ansi(evalue or "").strip()
    first = evalue.splitlines()[0] if evalue else ""
    return f"{ename}: {first}" if first else ename


def failing_line(traceback: str, ename: str, source: str = "") -> str:
    """The source line an error was raised at, found in nbclient's traceback text.

    For an ``AssertionError`` the innermost ``assert`` line marked by IPython's arrow (so an
    assertion in a helper function is found too); otherwise the innermost marked line. Falls
    back to the cell's first ``assert`` line (for an ``AssertionError``) or first line.
    """
    text = strip_ansi(traceback)
    if NBCLIENT_SEPARATOR in text:   # skip the cell source and stream output nbclient puts first
        text = text.rpartition(NBCLIENT_SEPARATOR)[2]
    marked = [match.group(1).strip() for line in text.splitlines() if (match := ARROW_LINE.match(line))]
    marked = [line for line in marked if line]
    if ename == "AssertionError":
        asserts = [line for line in marked if line.startswith("assert")]
        if asserts:
            return asserts[-1]
        asserts = [line.strip() for line in source.splitlines() if line.strip().startswith("assert")]
        if not marked and asserts:
            return asserts[0]
    if marked:
        return marked[-1]
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    return lines[0] if lines else ""


def kernel_env(seed: int) -> dict[str, str]:
    """The environment a kernel for ``seed`` starts with: ours, the course's, ``COURSE_SEED``."""
    return {**os.environ, **KERNEL_ENV, SEED_VARIABLE: str(seed)}


def run_notebook(path: Path, seed: int, timeout: int = CELL_TIMEOUT_S) -> Result:
    """Execute the notebook at ``path`` with ``COURSE_SEED=seed`` in a fresh kernel, at most
    ``timeout`` seconds per cell, without writing it back. Never raises for a failing notebook."""
    path = Path(path)
    start = time.perf_counter()
    current = {"index": None, "source": ""}
    try:
        nb = nbformat.read(path, as_version=4)
        client = make_client(nb, path, record_timing=False)
        client.timeout = timeout

        def remember_cell(cell, cell_index):
            current.update(index=cell_index, source=cell.source)

        client.on_cell_start = remember_cell
        client.execute(env=kernel_env(seed))   # env is handed to the kernel manager's start_kernel
    except CellExecutionError as error:
        return Result(False, current["index"],
                      failing_line(error.traceback, error.ename, current["source"]),
                      one_line_message(error.ename, error.evalue), time.perf_counter() - start)
    except (CellTimeoutError, DeadKernelError) as error:
        first = strip_ansi(str(error)).strip().splitlines()
        reason = first[0] if first else ""
        lines = [line.strip() for line in current["source"].splitlines() if line.strip()]
        return Result(False, current["index"], lines[0] if lines else "",
                      f"{type(error).__name__}: {reason}".rstrip(": "), time.perf_counter() - start)
    except Exception as error:   # unreadable notebook, no such kernel, ...
        return Result(False, current["index"], "", one_line_message(type(error).__name__, str(error)),
                      time.perf_counter() - start)
    return Result(True, seconds=time.perf_counter() - start)


def table_rows(names: list[str], seeds: list[int],
               results: dict[tuple[str, int], Result]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Headers and rows of the results table: ok/FAIL per seed and each notebook's total wall time."""
    headers = ("notebook", *(f"seed {seed}" for seed in seeds), "wall (s)")
    rows = [(name,
             *("ok" if results[name, seed].ok else "FAIL" for seed in seeds),
             f"{sum(results[name, seed].seconds for seed in seeds):.1f}")
            for name in names]
    return headers, rows


def failure_report(names: list[str], seeds: list[int], results: dict[tuple[str, int], Result]) -> str:
    """One block per failed run: notebook, seed, cell, the failing line and the message."""
    blocks = []
    for name in names:
        for seed in seeds:
            result = results[name, seed]
            if result.ok:
                continue
            where = "before any cell ran" if result.cell is None else f"cell {result.cell}"
            block = [f"{name}, seed {seed}, {where}:"]
            if result.line:
                block.append(f"    {result.line}")
            block.append(f"    {result.message}")
            blocks.append("\n".join(block))
    return "\n".join(blocks)


def parse_seed(text: str) -> int:
    """``text`` as a non-negative integer seed; raises ``ValueError`` otherwise."""
    if not re.fullmatch(r"\s*\+?\d+\s*", text):
        raise ValueError(f"invalid seed {text!r}: seeds must be non-negative integers")
    return int(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse and validate the command line (argparse errors exit 2)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Notebooks may come before or after the seeds: words ending in .ipynb given after "
               "--seeds are taken as notebooks.")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: notebooks/*.ipynb solutions/*.ipynb)")
    parser.add_argument("--seeds", nargs="+", required=True, metavar="SEED",
                        help="non-negative integer seeds; each notebook runs once per seed with "
                             f"{SEED_VARIABLE}=SEED in its kernel's environment")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, metavar="S",
                        help=f"time limit per cell in seconds (default: {CELL_TIMEOUT_S})")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown as well")
    parser.add_argument("--output", type=Path, metavar="PAGE",
                        help="with --markdown, also write the table and failures as a generated page")
    args = parser.parse_args(argv)

    # "--seeds 11 12 nb.ipynb": argparse hands the notebook to --seeds; move it back.
    swept = [word for word in args.seeds if word.endswith(".ipynb")]
    args.notebooks = [*args.notebooks, *map(Path, swept)]
    words = [word for word in args.seeds if not word.endswith(".ipynb")]
    if not words:
        parser.error("argument --seeds: expected at least one seed")
    try:
        args.seeds = [parse_seed(word) for word in words]
    except ValueError as error:
        parser.error(f"argument --seeds: {error}")
    duplicates = sorted({seed for seed in args.seeds if args.seeds.count(seed) > 1})
    if duplicates:
        parser.error(f"argument --seeds: seed given more than once: {' '.join(map(str, duplicates))}")

    if args.output and not args.markdown:
        parser.error("--output writes the Markdown table: add --markdown")
    if args.timeout < 1:
        parser.error(f"argument --timeout: must be a positive number of seconds, got {args.timeout}")

    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every notebook once per seed, print progress, the table and the failures; return
    the exit code (0 all ok, 1 any failure)."""
    args = parse_args(argv)
    paths = args.notebooks or default_notebooks()
    names = [display_name(path) for path in paths]
    if not paths:
        print("no notebooks to run", file=sys.stderr)
        return 1

    results: dict[tuple[str, int], Result] = {}
    total = len(paths) * len(args.seeds)
    for path, name in zip(paths, names):
        for seed in args.seeds:
            result = run_notebook(path, seed, args.timeout)
            results[name, seed] = result
            status = "ok" if result.ok else f"FAIL at cell {result.cell} ({result.message})"
            print(f"[{len(results)}/{total}] {name} seed {seed}: {status} ({result.seconds:.1f} s)",
                  flush=True)

    headers, rows = table_rows(names, args.seeds, results)
    failed = sum(not result.ok for result in results.values())
    print()
    print(format_table(rows, markdown=False, headers=headers))
    print(f"\n{total - failed} of {total} runs ok, "
          f"{sum(result.seconds for result in results.values()):.1f} s in all")
    if args.markdown:
        print()
        print(format_table(rows, markdown=True, headers=headers))
    if failed:
        print("\nfailures:")
        print(failure_report(names, args.seeds, results))
    if args.output:
        body = (format_table(rows, markdown=True, headers=headers)
                + f"\n\n{total - failed} of {total} runs ok."
                + (f"\n\nFailures:\n\n```\n{failure_report(names, args.seeds, results)}\n```" if failed else ""))
        write_page(args.output, "Claims check", ["scripts/check_claims.py", *(argv if argv is not None else sys.argv[1:])],
                   f"{len(names)} notebook(s) ({', '.join(names)}), each run once per seed "
                   f"({', '.join(map(str, args.seeds))}) with {SEED_VARIABLE} set; a run is ok when every cell, "
                   "with its assertions, runs. Notebooks and seeds not listed here were not run for this page.",
                   body)
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
