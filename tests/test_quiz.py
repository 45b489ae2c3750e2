"""Tests of the review quiz (quiz.py)."""
import sys

import keras
import pytest

from finetune_course.grading import quiz
from finetune_course.grading.guards import ExerciseCheckError
from support import ROOT, SCRIPTS


def test_quiz_questions_are_complete_and_checked():
    from finetune_course.grading import quiz

    sys.path.insert(0, str(ROOT / "tests"))
    import quiz_key   # the key in the clear: maintainers only, not in the package

    assert set(quiz_key.ANSWERS) == set(quiz.QUESTIONS) == set(quiz_key.WHY)
    for qid, question in quiz.QUESTIONS.items():
        answer = quiz_key.ANSWERS[qid]
        assert answer in question.choices and set(quiz_key.WHY[qid]) == set(question.choices), qid
        assert not hasattr(question, "answer")   # the key is not readable from the kernel
        assert quiz.check(qid, answer.lower()) is True
        for wrong in set(question.choices) - {answer}:
            with pytest.raises(ExerciseCheckError, match=f"Not {wrong}"):
                quiz.check(qid, wrong)
    with pytest.raises(ValueError, match="Unknown question 'nope'.*why_lower_lr"):
        quiz.check("nope", "A")
    for malformed in (3, "AB", "", "Z"):
        with pytest.raises(ExerciseCheckError, match="not one of the choices"):
            quiz.check("recompile", malformed)
    with pytest.raises(ExerciseCheckError, match="still None"):
        quiz.check("recompile", None)


def _key():
    sys.path.insert(0, str(ROOT / "tests"))
    import quiz_key
    return quiz_key


def test_quiz_staircase_answer_is_what_keras_computes():
    from finetune_course.grading import quiz

    quiz_key = _key()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, staircase=True)
    values = [float(f"{float(schedule(step)):.7g}") for step in (0, 1000, 2000, 3000)]
    assert values == [0.001, 0.00096, 0.0009216, 0.000884736]
    question = quiz.QUESTIONS["staircase_values"]
    right = quiz_key.ANSWERS["staircase_values"]
    assert [float(v) for v in question.choices[right].split(", ")] == values
    for letter, choice in question.choices.items():   # no wrong choice is the same list
        if letter != right:
            assert [float(v) for v in choice.split(", ")] != values, letter


def test_quiz_typeerror_answer_is_what_keras_does():
    from finetune_course.grading import quiz

    quiz_key = _key()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, staircase=True)
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    with pytest.raises(TypeError):   # the question calls optimizer.learning_rate(step)
        optimizer.learning_rate(1000)
    question = quiz.QUESTIONS["learning_rate_call"]
    assert "TypeError" in question.choices[quiz_key.ANSWERS["learning_rate_call"]]


def _strategy_scores(questions, answers):
    """What each answer-free strategy scores: always the longest choice, always the shortest,
    always one letter."""
    picks = {
        "longest choice": lambda q: max(q.choices, key=lambda c: len(q.choices[c])),
        "shortest choice": lambda q: min(q.choices, key=lambda c: len(q.choices[c])),
    }
    for letter in "ABCD":
        picks[f"always {letter}"] = lambda q, letter=letter: letter
    return {name: sum(pick(q) == answers[qid] for qid, q in questions.items()) for name, pick in picks.items()}


def test_no_answer_free_strategy_passes_the_quiz():
    from finetune_course.grading import quiz

    quiz_key = _key()
    chance = sum(1 / len(q.choices) for q in quiz.QUESTIONS.values())
    scores = _strategy_scores(quiz.QUESTIONS, quiz_key.ANSWERS)
    too_good = {name: score for name, score in scores.items() if score > chance + 2}
    assert not too_good, (f"answering without reading scores {too_good} of {len(quiz.QUESTIONS)} (chance "
                          f"{chance:.2f}): move right answers to other letters, or write wrong choices as long")
    assert all(len(q.choices) == 4 for q in quiz.QUESTIONS.values())


def test_the_strategy_test_catches_a_quiz_that_can_be_passed_without_reading():
    from finetune_course.grading import quiz

    giveaway = {f"q{i}": quiz.Question("?", {"A": "no", "B": "the right one, explained at length", "C": "no",
                                              "D": "nope"}, "", "") for i in range(10)}
    scores = _strategy_scores(giveaway, {qid: "B" for qid in giveaway})
    assert scores["longest choice"] == scores["always B"] == 10 and scores["shortest choice"] == 0


def test_each_lesson_is_asked_at_least_once():
    from finetune_course.grading import quiz

    asked = {q.lesson for q in quiz.QUESTIONS.values()}
    assert {"1", "2", "3", "4", "5", "6", "6b", "7", "8", "9"} <= asked


def test_quiz_is_sealed_and_its_notebook_is_up_to_date():
    sys.path.insert(0, str(SCRIPTS))
    import seal_quiz

    assert seal_quiz.main(["--check"]) == 0, "run `python scripts/seal_quiz.py`"


# --- the key is sealed ------------------------------------------------------------------------

def test_quiz_key_is_sealed_and_matches_the_maintainers_key():
    quiz_key = _key()
    for qid, question in quiz.QUESTIONS.items():
        answer = quiz_key.ANSWERS[qid]
        assert quiz.seal(qid, answer, quiz_key.WHY[qid]) == (question.answer_digest, question.sealed_why), qid
        assert not hasattr(question, "answer")
        # the digest names exactly one choice, the key's, and a wrong letter's digest differs
        assert [c for c in question.choices if quiz._digest(qid, c) == question.answer_digest] == [answer], qid
        # the explanations open with the right letter only: with another letter they are noise
        for wrong in set(question.choices) - {answer}:
            with pytest.raises(ValueError):   # not valid JSON (UnicodeDecodeError is a ValueError)
                quiz._unseal(qid, wrong, question.sealed_why)
        flat = repr(question)
        assert quiz_key.WHY[qid][answer] not in flat   # the right explanation is not readable either


def test_quiz_questions_keep_the_seed_quiz_points():
    assert "TypeError" in " ".join(quiz.QUESTIONS["learning_rate_call"].choices.values())
    assert "0.000884736" in " ".join(quiz.QUESTIONS["staircase_values"].choices.values())
    assert "Adam" in quiz.QUESTIONS["nan_few_batches"].text
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=76, decay_rate=0.5, staircase=True)
    with pytest.raises(TypeError):
        keras.optimizers.Adam(learning_rate=schedule).learning_rate(1000)


