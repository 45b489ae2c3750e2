"""Tests for scripts/make_exercises.py (nbgrader-style exercise generation)."""

import importlib.util

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from support import SCRIPTS

SCRIPT = SCRIPTS / "make_exercises.py"
_spec = importlib.util.spec_from_file_location("make_exercises", SCRIPT)
make_exercises = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_exercises)


def nbgrader(grade_id, *, solution=False, grade=False, locked=False, points=None):
    """Cell metadata as nbgrader's "Create Assignment" toolbar writes it."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def solution_notebook():
    """A small solution notebook exercising every kind of cell."""
    return new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "celltoolbar": "Create Assignment"},
        cells=[
            new_markdown_cell("# Title\n\nNo markers here.", id="intro"),
            new_code_cell(
                "import math\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint(answer)",
                id="answer", execution_count=3,
                outputs=[new_output("stream", name="stdout", text="42\n")],
                metadata={**nbgrader("answer", solution=True), "tags": ["keep-me"]},
            ),
            new_code_cell(
                "def area(r):\n    \"\"\"Disk area.\"\"\"\n    ### BEGIN SOLUTION\n"
                "    return math.pi * r ** 2\n    ### END SOLUTION",
                id="area", metadata=nbgrader("area", solution=True),
            ),
            new_markdown_cell(
                "Why?\n\n### BEGIN SOLUTION\nBecause it is.\n### END SOLUTION",
                id="why", metadata=nbgrader("why", solution=True, grade=True, points=1),
            ),
            new_code_cell(
                "assert answer == 42\n### BEGIN HIDDEN TESTS\nassert area(1) == math.pi\n"
                "### END HIDDEN TESTS\nprint('ok')",
                id="tests", execution_count=4,
                outputs=[new_output("stream", name="stdout", text="ok\n")],
                metadata={**nbgrader("tests", grade=True, locked=True, points=2),
                          "execution": {"iopub.execute_input": "2024-01-01T00:00:00Z"}},
            ),
            new_code_cell("print('hello')", id="plain", execution_count=5,
                          outputs=[new_output("stream", name="stdout", text="hello\n")]),
        ],
    )


EXPECTED_SOURCES = [
    "# Title\n\nNo markers here.",
    "import math\n# YOUR CODE HERE\nraise NotImplementedError()\nprint(answer)",
    "def area(r):\n    \"\"\"Disk area.\"\"\"\n    # YOUR CODE HERE\n    raise NotImplementedError()",
    "Why?\n\nYOUR ANSWER HERE",
    "assert answer == 42\nprint('ok')",
    "print('hello')",
]


@pytest.fixture
def dirs(tmp_path):
    """Return (solutions, exercises, argv) with one solution notebook written."""
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(solution_notebook(), solutions / "lesson.ipynb")
    return solutions, exercises, ["--solutions", str(solutions), "--exercises", str(exercises)]


def write_single_cell(solutions, cell):
    nbformat.write(new_notebook(cells=[cell]), solutions / "lesson.ipynb")


def test_exercise_text_outputs_and_metadata(dirs):
    solutions, exercises, argv = dirs
    assert make_exercises.main(argv) == 0

    solution = nbformat.read(solutions / "lesson.ipynb", as_version=4)
    exercise = nbformat.read(exercises / "lesson.ipynb", as_version=4)
    assert [cell.source for cell in exercise.cells] == EXPECTED_SOURCES
    for cell in exercise.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    expected_metadata = [dict(cell.metadata) for cell in solution.cells]
    del expected_metadata[4]["execution"]  # nbclient timings are dropped
    assert [dict(cell.metadata) for cell in exercise.cells] == expected_metadata
    assert exercise.cells[1].metadata.tags == ["keep-me"]
    assert exercise.cells[4].metadata.nbgrader == solution.cells[4].metadata.nbgrader
    assert [cell.id for cell in exercise.cells] == [cell.id for cell in solution.cells]
    assert exercise.metadata == {key: value for key, value in solution.metadata.items()
                                 if key != "celltoolbar"}


def test_regeneration_is_byte_identical_and_check_passes(dirs, capsys):
    _, exercises, argv = dirs
    assert make_exercises.main(argv) == 0
    first = (exercises / "lesson.ipynb").read_bytes()
    capsys.readouterr()
    assert make_exercises.main(argv) == 0
    assert "wrote" not in capsys.readouterr().out
    assert (exercises / "lesson.ipynb").read_bytes() == first
    assert make_exercises.main(argv + ["--check"]) == 0


def test_check_writes_nothing_and_reports_missing(dirs, capsys):
    _, exercises, argv = dirs
    assert make_exercises.main(argv + ["--check"]) == 1
    assert "missing" in capsys.readouterr().err
    assert not exercises.exists()


def test_check_fails_after_editing_a_solution(dirs, capsys):
    solutions, exercises, argv = dirs
    make_exercises.main(argv)
    solution = nbformat.read(solutions / "lesson.ipynb", as_version=4)
    solution.cells[-1].source = "print('changed')"
    nbformat.write(solution, solutions / "lesson.ipynb")
    capsys.readouterr()

    assert make_exercises.main(argv + ["--check"]) == 1
    assert f"stale:   {exercises / 'lesson.ipynb'}" in capsys.readouterr().err
    make_exercises.main(argv)
    assert make_exercises.main(argv + ["--check"]) == 0


def test_extra_exercise_fails_check_and_is_removed(dirs, capsys):
    _, exercises, argv = dirs
    make_exercises.main(argv)
    nbformat.write(new_notebook(), exercises / "orphan.ipynb")
    capsys.readouterr()

    assert make_exercises.main(argv + ["--check"]) == 1
    assert "extra:   " in capsys.readouterr().err
    assert make_exercises.main(argv) == 0
    assert not (exercises / "orphan.ipynb").exists()
    assert make_exercises.main(argv + ["--check"]) == 0


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1", "'### BEGIN SOLUTION' on line 1 has no '### END SOLUTION'"),
    ("x = 1\n### END SOLUTION", "'### END SOLUTION' on line 2 has no '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n## BEGIN SOLUTION\ny = 2\n## END SOLUTION",
     "'## BEGIN SOLUTION' looks like a solution marker"),
])
def test_bad_solution_markers(dirs, capsys, source, message):
    solutions, exercises, argv = dirs
    write_single_cell(solutions, new_code_cell(source, metadata=nbgrader("a", solution=True)))
    for mode in ([], ["--check"]):
        assert make_exercises.main(argv + mode) == 2
        err = capsys.readouterr().err
        assert f"{solutions / 'lesson.ipynb'}, cell 0:" in err and message in err
    assert not exercises.exists()


@pytest.mark.parametrize("source, message", [
    ("### BEGIN HIDDEN TESTS\nassert True", "'BEGIN HIDDEN TESTS' on line 1 has no 'END HIDDEN TESTS'"),
    ("assert True\n### END HIDDEN TESTS", "'END HIDDEN TESTS' on line 2 has no 'BEGIN HIDDEN TESTS'"),
])
def test_unmatched_hidden_test_markers(dirs, capsys, source, message):
    solutions, _, argv = dirs
    write_single_cell(solutions, new_code_cell(source, metadata=nbgrader("t", grade=True, points=1)))
    assert make_exercises.main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("cell, message", [
    (new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
     "has solution markers but no 'nbgrader' metadata with 'solution: true'"),
    (new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", metadata=nbgrader("a", grade=True)),
     "has solution markers but no 'nbgrader' metadata with 'solution: true'"),
    (new_code_cell("### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"),
     "has hidden-test markers but no 'nbgrader' metadata with 'grade: true'"),
    (new_code_cell("### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS",
                   metadata=nbgrader("t", solution=True)),
     "has hidden-test markers but no 'nbgrader' metadata with 'grade: true'"),
])
def test_markers_need_nbgrader_metadata(dirs, capsys, cell, message):
    solutions, _, argv = dirs
    write_single_cell(solutions, cell)
    for mode in ([], ["--check"]):
        assert make_exercises.main(argv + mode) == 2
        err = capsys.readouterr().err
        assert f"{solutions / 'lesson.ipynb'}, cell 0:" in err and message in err


def test_solution_cell_without_markers_is_cleared_like_nbgrader():
    nb = new_notebook(cells=[
        new_code_cell("x = 1", metadata=nbgrader("a", solution=True)),
        new_markdown_cell("An answer.", metadata=nbgrader("b", solution=True, grade=True, points=1)),
    ])
    exercise = make_exercises.make_exercise(nb)
    assert [cell.source for cell in exercise.cells] == [make_exercises.CODE_STUB, make_exercises.TEXT_STUB]
    assert nb.cells[0].source == "x = 1"  # the solution is not modified
