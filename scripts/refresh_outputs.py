"""Re-execute course notebooks in place so their stored outputs are fresh.

Each notebook (by default every ``notebooks/*.ipynb`` and
``solutions/*.ipynb``, or the paths given) runs top to bottom in a fresh
``python3`` kernel whose working directory is the notebook's folder, with a
600 s limit per cell and ``TF_CPP_MIN_LOG_LEVEL=3`` in the kernel's
environment. The kernel is started with
``--IPKernelApp.capture_fd_output=False`` so that text written by C/C++ code
straight to file descriptors 1/2 (TensorFlow's log lines) goes to this
script's terminal instead of into the stored outputs.

Only cells tagged ``raises-exception`` may raise; any other error marks the
notebook as failed (it is then not written back) and the script exits 1
after trying the remaining notebooks. Finally the exercises are regenerated
with ``make_exercises.main([])``.

Usage::

    python scripts/refresh_outputs.py                       # everything
    python scripts/refresh_outputs.py solutions/01_intro.ipynb
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_exercises  # noqa: E402  (sibling script)

REPO_ROOT = make_exercises.REPO_ROOT
KERNEL_NAME = "python3"
CELL_TIMEOUT_S = 600
KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}
# The course's seed switch (finetune_course.environment.SEED_VARIABLE; a test checks they agree).
SEED_VARIABLE = "COURSE_SEED"
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]


class NotebookFailed(Exception):
    """A notebook raised outside a ``raises-exception`` cell, timed out or lost its kernel."""


def default_notebooks() -> list[Path]:
    """Every ``notebooks/*.ipynb``, then every ``solutions/*.ipynb``, sorted by name."""
    return [path for folder in ("notebooks", "solutions")
            for path in sorted((REPO_ROOT / folder).glob("*.ipynb"))]


def display_name(path: Path) -> str:
    """``path`` relative to the repository root when it lies inside it."""
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def make_client(nb: nbformat.NotebookNode, path: Path, **options) -> NotebookClient:
    """A ``NotebookClient`` for ``nb`` (read from ``path``) set up the course's way.

    ``options`` are extra ``NotebookClient`` traits, e.g. ``record_timing``.
    ``extra_arguments`` is passed by nbclient to the kernel manager's
    ``start_kernel`` and ends up on the kernel's command line.
    """
    return NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT_S,
        extra_arguments=list(KERNEL_ARGUMENTS),
        resources={"metadata": {"path": str(path.resolve().parent)}},  # the kernel's cwd
        **options,
    )


def run_client(client: NotebookClient, path: Path) -> None:
    """Execute all cells of ``client``'s notebook in a fresh kernel.

    Raises ``NotebookFailed`` naming the notebook, the failing cell's index
    and the first line of its source.
    """
    current = {"index": None, "source": ""}

    def remember_cell(cell, cell_index):
        current.update(index=cell_index, source=cell.source)

    client.on_cell_start = remember_cell
    try:
        # env is handed to start_kernel. Stored outputs are the default seed's, so a COURSE_SEED
        # set in this shell is not passed on (scripts/check_claims.py runs other seeds).
        env = {name: value for name, value in os.environ.items() if name != SEED_VARIABLE}
        client.execute(env={**env, **KERNEL_ENV})
    except Exception as error:
        if isinstance(error, CellExecutionError):
            reason = f"{error.ename}: {error.evalue}"
        else:
            reason = f"{type(error).__name__}: {error}"
        head = current["source"].strip().split("\n")[0]
        raise NotebookFailed(
            f"{display_name(path)}: cell {current['index']} failed ({reason})\n    {head}"
        ) from error


def refresh(path: Path) -> None:
    """Re-execute the notebook at ``path`` and write it back (only if it succeeded)."""
    nb = nbformat.read(path, as_version=4)
    run_client(make_client(nb, path, record_timing=False), path)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # stale timings would only churn diffs
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    """Refresh the notebooks, regenerate the exercises; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to refresh (default: notebooks/*.ipynb solutions/*.ipynb)")
    paths = parser.parse_args(argv).notebooks or default_notebooks()

    failures = []
    for path in paths:
        start = time.perf_counter()
        try:
            refresh(path)
            status = "ok"
        except NotebookFailed as error:
            failures.append(str(error))
            status = "FAILED"
        print(f"{status:6} {time.perf_counter() - start:7.1f}s  {display_name(path)}", flush=True)

    exercises_status = make_exercises.main([])
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures or exercises_status else 0


if __name__ == "__main__":
    sys.exit(main())
