"""Tests of the review quiz (quiz.py)."""
import pathlib
import sys

import keras
import pytest

from finetune_course import checks


def test_quiz_questions_are_complete_and_checked():
    from finetune_course import quiz

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import quiz_key   # the key in the clear: maintainers only, not in the package

    assert set(quiz_key.ANSWERS) == set(quiz.QUESTIONS) == set(quiz_key.WHY)
    for qid, question in quiz.QUESTIONS.items():
        answer = quiz_key.ANSWERS[qid]
        assert answer in question.choices and set(quiz_key.WHY[qid]) == set(question.choices), qid
        assert not hasattr(question, "answer")   # the key is not readable from the kernel
        assert quiz.check(qid, answer.lower()) is True
        for wrong in set(question.choices) - {answer}:
            with pytest.raises(checks.ExerciseCheckError, match=f"Not {wrong}"):
                quiz.check(qid, wrong)
    with pytest.raises(ValueError, match="Unknown question 'nope'.*why_lower_lr"):
        quiz.check("nope", "A")
    for malformed in (3, "AB", "", "Z"):
        with pytest.raises(checks.ExerciseCheckError, match="not one of the choices"):
            quiz.check("recompile", malformed)
    with pytest.raises(checks.ExerciseCheckError, match="still None"):
        quiz.check("recompile", None)


def test_quiz_staircase_answer_is_what_keras_computes():
    from finetune_course import quiz

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import quiz_key

    schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, staircase=True)
    values = [float(f"{float(schedule(step)):.7g}") for step in (0, 1000, 2000, 3000)]
    question = quiz.QUESTIONS["staircase_values"]
    assert [float(v) for v in question.choices["A"].split(", ")] == values   # the schedule's own values
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    with pytest.raises(TypeError):   # ... but the question calls optimizer.learning_rate(step)
        optimizer.learning_rate(1000)
    assert quiz_key.ANSWERS["staircase_values"] == "B" and "TypeError" in question.choices["B"]
