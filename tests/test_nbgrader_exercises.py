"""Real nbgrader: every generated exercise, untouched, fails its checks (`nbgrader validate --invert`)."""
from pathlib import Path

import pytest

from test_nbgrader_solutions import nbgrader_validate

pytestmark = pytest.mark.slow   # executes every exercise: skipped by -m "not slow"

EXERCISES = sorted((Path(__file__).resolve().parents[1] / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("path", EXERCISES, ids=lambda path: path.stem)
def test_nbgrader_validate_invert_finds_the_untouched_exercise_failing(path):
    output = nbgrader_validate(path, "--invert")
    assert "Success! The notebook does not pass any tests." in output, output[-3000:]
