"""Real nbgrader: `nbgrader validate` passes every solution notebook.

(tests/test_exercises_nbgrader.py checks the other half: every generated exercise fails its checks
untouched, `nbgrader validate --invert`.) scripts/make_exercises.py clears the solutions with
nbgrader's own ClearSolutions and ClearHiddenTests, and tests/test_make_exercises.py checks
exercises/ is what it writes."""
import pytest

from support import ROOT, nbgrader_validate

pytestmark = pytest.mark.slow   # executes every solution: skipped by -m "not slow"

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda path: path.stem)
def test_nbgrader_validate_passes_the_solution(path):
    output = nbgrader_validate(path)
    assert "Success! Your notebook passes all the tests." in output, output[-3000:]
