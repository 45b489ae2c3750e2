"""Generate student exercises from the solution notebooks, the nbgrader way.

For every ``solutions/NAME.ipynb`` this writes ``exercises/NAME.ipynb``,
cleared by nbgrader's own ``ClearSolutions`` and ``ClearHiddenTests``
preprocessors (``nbgrader generate_assignment`` runs the same two):

* every region from a ``### BEGIN SOLUTION`` line to the matching
  ``### END SOLUTION`` line (both included) becomes a stub indented like the
  BEGIN line: ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` in code
  cells, ``YOUR ANSWER HERE`` in markdown (and raw) cells;
* a cell with ``nbgrader.solution: true`` metadata but no markers is replaced
  by the stub entirely (nbgrader does this too);
* every region from a line containing ``BEGIN HIDDEN TESTS`` to the line
  containing ``END HIDDEN TESTS`` (both included) is removed;
* an Open-in-Colab link to ``solutions/NAME.ipynb`` in a markdown cell (the
  badge written by ``scripts/colab.py``) is pointed at ``exercises/NAME.ipynb``,
  so the exercise's badge opens the exercise, not its solution;
* outputs, execution counts and nbclient's ``execution`` timing metadata are
  cleared; all other cell metadata (``nbgrader``, ``tags``, ...) is kept, and
  so is the notebook metadata except Jupyter's ``celltoolbar`` UI setting
  (nbgrader drops it too).

Stricter than nbgrader, a solution notebook is rejected with an error naming
the notebook and cell when a BEGIN or END marker is unmatched, when a marker
line is not exactly ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (it would
leak the solution), or when a cell with solution markers lacks
``nbgrader.solution: true`` / a cell with hidden tests lacks
``nbgrader.grade: true`` (nbgrader finds these cells by their metadata).

Usage::

    python scripts/make_exercises.py            # (re)write exercises/
    python scripts/make_exercises.py --check    # write nothing; exit 1 if out of date

Files are only rewritten when their content changes; output is byte-for-byte
reproducible. Exercises without a solution notebook are deleted (``--check``
reports them as extra).

Exit codes: 0 success, 1 exercises out of date (``--check``), 2 a solution
notebook is invalid (nothing is written then).
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
COLAB_SOLUTION_LINK = re.compile(r"(https://colab\.research\.google\.com/github/\S+?/)solutions/([^/)\s]+\.ipynb\))")


class SolutionNotebookError(ValueError):
    """A solution notebook whose markers or nbgrader metadata are invalid."""


def check_solution_markers(source: str) -> bool:
    """Whether ``source`` has solution regions; ``ValueError`` on an unmatched or nested marker
    (nbgrader would then clear the rest of the cell, or nothing, without a word).

    A marker line is one whose stripped text equals the marker (nbgrader's rule)."""
    begin_line, found = None, False
    for number, line in enumerate(source.split("\n"), start=1):
        if line.strip() == BEGIN_SOLUTION:
            if begin_line is not None:
                raise ValueError(f"nested {BEGIN_SOLUTION!r} on line {number}")
            begin_line, found = number, True
        elif line.strip() == END_SOLUTION:
            if begin_line is None:
                raise ValueError(f"{END_SOLUTION!r} on line {number} has no {BEGIN_SOLUTION!r}")
            begin_line = None
        elif begin_line is None and ("BEGIN SOLUTION" in line or "END SOLUTION" in line):
            raise ValueError(f"line {line.strip()!r} looks like a solution marker but is not exactly "
                             f"{BEGIN_SOLUTION!r} or {END_SOLUTION!r}, so the solution would leak")
    if begin_line is not None:
        raise ValueError(f"{BEGIN_SOLUTION!r} on line {begin_line} has no {END_SOLUTION!r}")
    return found


def check_hidden_test_markers(source: str) -> bool:
    """Whether ``source`` has hidden-test regions; ``ValueError`` on an unmatched or nested marker.

    A marker line is any line containing ``BEGIN HIDDEN TESTS`` or ``END HIDDEN TESTS``
    (nbgrader's rule)."""
    begin_line, found = None, False
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN_HIDDEN_TESTS in line:
            if begin_line is not None:
                raise ValueError(f"nested {BEGIN_HIDDEN_TESTS!r} on line {number}")
            begin_line, found = number, True
        elif END_HIDDEN_TESTS in line:
            if begin_line is None:
                raise ValueError(f"{END_HIDDEN_TESTS!r} on line {number} has no {BEGIN_HIDDEN_TESTS!r}")
            begin_line = None
    if begin_line is not None:
        raise ValueError(f"{BEGIN_HIDDEN_TESTS!r} on line {begin_line} has no {END_HIDDEN_TESTS!r}")
    return found


def make_exercise(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the exercise version of a solution notebook (left unchanged).

    The solution and hidden-test regions are cleared by nbgrader's own ``ClearSolutions`` and
    ``ClearHiddenTests`` preprocessors, after the stricter checks above. ``name`` labels error
    messages. Raises ``SolutionNotebookError`` naming the notebook and cell index when markers or
    nbgrader metadata are wrong.
    """
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    for index, cell in enumerate(solution.cells):
        nbgrader = cell.metadata.get("nbgrader", {})
        try:
            if check_solution_markers(cell.source) and not nbgrader.get("solution", False):
                raise ValueError(
                    "has solution markers but no 'nbgrader' metadata with 'solution: true' "
                    "(mark it as an nbgrader 'Autograded answer' or 'Manually graded answer' cell)"
                )
            if check_hidden_test_markers(cell.source) and not nbgrader.get("grade", False):
                raise ValueError(
                    "has hidden-test markers but no 'nbgrader' metadata with 'grade: true' "
                    "(mark it as an nbgrader 'Autograder tests' cell)"
                )
        except ValueError as error:
            raise SolutionNotebookError(f"{name}, cell {index}: {error}") from None
    exercise = copy.deepcopy(solution)
    exercise.metadata.pop("celltoolbar", None)
    resources = {"language": "python"}
    exercise, resources = ClearSolutions(code_stub={"python": CODE_STUB}, text_stub=TEXT_STUB,
                                         enforce_metadata=True).preprocess(exercise, resources)
    exercise, resources = ClearHiddenTests(enforce_metadata=True).preprocess(exercise, resources)
    for cell in exercise.cells:
        if cell.cell_type == "markdown":
            cell.source = COLAB_SOLUTION_LINK.sub(r"\1exercises/\2", cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)  # nbclient's per-cell timestamps
    return exercise


def render(nb: nbformat.NotebookNode) -> str:
    """Serialise ``nb`` exactly like ``nbformat.write`` (v4 JSON, sorted keys, final newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def build_exercises(solutions_dir: Path, exercises_dir: Path) -> dict[Path, str]:
    """Map each exercise path to its expected file text, one per solution notebook.

    Every solution is checked first; ``SolutionNotebookError`` lists all
    problems found, one per line.
    """
    expected, problems = {}, []
    for solution_path in sorted(solutions_dir.glob("*.ipynb")):
        try:
            solution = nbformat.read(solution_path, as_version=4)
            exercise = make_exercise(solution, name=str(solution_path))
        except SolutionNotebookError as error:
            problems.append(str(error))
            continue
        expected[exercises_dir / solution_path.name] = render(exercise)
    if problems:
        raise SolutionNotebookError("\n".join(problems))
    return expected


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if an exercise is missing, stale or extra")
    parser.add_argument("--solutions", type=Path, default=REPO_ROOT / "solutions", metavar="DIR")
    parser.add_argument("--exercises", type=Path, default=REPO_ROOT / "exercises", metavar="DIR")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with ``--check`` verify) the exercises; return the exit code.

    ``argv`` defaults to ``sys.argv[1:]``; pass ``[]`` to use the repo's
    ``solutions/`` and ``exercises/`` folders.
    """
    args = parse_args(argv)
    try:
        expected = build_exercises(args.solutions, args.exercises)
    except SolutionNotebookError as error:
        print(f"error: invalid solution notebook(s):\n{error}", file=sys.stderr)
        return 2

    missing = [path for path in expected if not path.exists()]
    stale = [path for path, text in expected.items()
             if path.exists() and path.read_text(encoding="utf-8") != text]
    extra = sorted(set(args.exercises.glob("*.ipynb")) - set(expected))

    if args.check:
        problems = ([f"missing: {path}" for path in missing] + [f"stale:   {path}" for path in stale]
                    + [f"extra:   {path} (no solution notebook)" for path in extra])
        if problems:
            print("Exercises are out of date; run python scripts/make_exercises.py", file=sys.stderr)
            print("\n".join(problems), file=sys.stderr)
            return 1
        print(f"{len(expected)} exercise(s) up to date")
        return 0

    if missing:
        args.exercises.mkdir(parents=True, exist_ok=True)
    for path in missing + stale:
        path.write_text(expected[path], encoding="utf-8", newline="\n")
        print(f"wrote {path}")
    for path in extra:
        path.unlink()
        print(f"removed {path} (no solution notebook)")
    print(f"{len(expected)} exercise(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
