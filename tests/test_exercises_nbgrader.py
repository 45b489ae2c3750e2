"""Real nbgrader: every generated exercise, untouched, fails its checks (`nbgrader validate --invert`)."""
import pytest

from support import ROOT, nbgrader_validate

pytestmark = pytest.mark.slow   # executes every exercise: skipped by -m "not slow"

EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("path", EXERCISES, ids=lambda path: path.stem)
def test_nbgrader_validate_invert_finds_the_untouched_exercise_failing(path):
    output = nbgrader_validate(path, "--invert")
    assert "Success! The notebook does not pass any tests." in output, output[-3000:]
