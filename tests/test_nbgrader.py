"""Real nbgrader's command line, end to end, on the review quiz (the quickest exercise to run):
`nbgrader validate` passes its solution and `nbgrader validate --invert` finds its untouched
exercise failing every check. Every exercise, untouched, and every right answer of the wrong-
and right-answer catalogue are judged by nbgrader's own Validator in tests/test_exercises.py, on
the run that test makes anyway."""
import pytest

from support import ROOT, nbgrader_validate

pytestmark = pytest.mark.slow   # executes notebooks: skipped by -m "not slow"

QUIZ = "10_review_quiz.ipynb"


def test_nbgrader_validate_passes_the_solution():
    output = nbgrader_validate(ROOT / "solutions" / QUIZ)
    assert "Success! Your notebook passes all the tests." in output, output[-3000:]


def test_nbgrader_validate_invert_finds_the_untouched_exercise_failing():
    output = nbgrader_validate(ROOT / "exercises" / QUIZ, "--invert")
    assert "Success! The notebook does not pass any tests." in output, output[-3000:]
