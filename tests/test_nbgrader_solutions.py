"""Real nbgrader: `nbgrader validate` passes every solution notebook.

(tests/test_nbgrader_exercises.py checks the other half: every generated exercise fails its checks
untouched, `nbgrader validate --invert`.) scripts/make_exercises.py clears the solutions with
nbgrader's own ClearSolutions and ClearHiddenTests, and tests/test_make_exercises.py checks
exercises/ is what it writes."""
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow   # executes every solution: skipped by -m "not slow"

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def nbgrader_validate(path: Path, *options: str) -> str:
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", *options, str(path)],
                          cwd=path.parent, capture_output=True, text=True, timeout=600)
    return done.stdout + done.stderr


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda path: path.stem)
def test_nbgrader_validate_passes_the_solution(path):
    output = nbgrader_validate(path)
    assert "Success! Your notebook passes all the tests." in output, output[-3000:]
