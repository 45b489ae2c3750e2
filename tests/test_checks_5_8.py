"""Unit tests of the checks of exercises 5 to 8 and of the quiz's sealed key: each wrong answer a
learner is likely to write gets the message that names its fix, on toy inputs (no notebook run).
The notebook-level wrong answers are in tests/test_exercises.py."""
from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from finetune_course import discriminative
from finetune_course.grading import checks, quiz
from finetune_course.grading.guards import ExerciseCheckError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quiz_key  # noqa: E402  the key in the clear: maintainers only, not in the package


def _halving(steps_per_epoch=38):
    return keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=2 * steps_per_epoch,
                                                       decay_rate=0.5, staircase=True)


# --- exercise 5 -------------------------------------------------------------------------------

def test_schedule_rate_read_from_the_schedule_passes():
    rate = float(_halving()(4 * 38))
    assert rate != 0.00025   # float32: not the round number
    assert checks.check_schedule(38, _halving(), rate, train_images=1200, batch_size=32) == rate


@pytest.mark.parametrize("typed", [0.00025, 1e-3 * 0.5 ** 2, 2.5e-4])
def test_schedule_rate_typed_in_fails(typed):
    with pytest.raises(ExerciseCheckError, match="Don't type it"):
        checks.check_schedule(38, _halving(), typed, train_images=1200, batch_size=32)


def test_schedule_rate_of_the_wrong_epoch_fails():
    with pytest.raises(ExerciseCheckError, match="counts optimizer steps, not epochs"):
        checks.check_schedule(38, _halving(), float(_halving()(5)), train_images=1200, batch_size=32)


# --- exercise 8: the update sizes are measured ---------------------------------------------------

RATES = {"head": 1e-3, "block3": 1e-3 / 2.6, "block2": 1e-3 / 2.6 ** 2, "block1": 1e-3 / 2.6 ** 3}


def _toy():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, name="block1_conv1"),
                             keras.layers.Dense(5, name="block2_conv1"), keras.layers.Dense(5, name="block3_conv1"),
                             keras.layers.Dense(10, name="head")])


def _compiled(rates, optimizer_class=keras.optimizers.Adam, multi=None):
    model = _toy()
    optimizers = {group: optimizer_class(learning_rate=rate) for group, rate in rates.items()}
    multi = multi or keras.optimizers.MultiOptimizer
    optimizer = multi(lambda variable: optimizers[variable.path.split("/")[-2].split("_")[0]])
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return optimizer, model


needs_multi = pytest.mark.skipif(not hasattr(keras.optimizers, "MultiOptimizer"), reason="Keras < 3.15")


@needs_multi
def test_per_layer_rates_pass_and_weights_are_put_back(capsys):
    optimizer, model = _compiled(RATES)
    before = [w.copy() for w in model.get_weights()]
    steps = checks.check_per_layer_rates(optimizer, model)
    assert all(np.isclose(steps[g], RATES[g], rtol=2e-3) for g in RATES)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert "Well done" in capsys.readouterr().out
    with pytest.raises(ExerciseCheckError, match="already taken 1 steps"):
        checks.check_per_layer_rates(optimizer, model)   # the check measures the first step only


@needs_multi
@pytest.mark.parametrize("rates, phrase", [
    ({g: 1e-3 for g in RATES}, "all of them train at one rate"),
    ({"head": RATES["block1"], "block3": RATES["block2"], "block2": RATES["block3"], "block1": RATES["head"]},
     "Lower groups should learn more slowly"),
    ({**RATES, "block2": RATES["block3"]}, "largest change in block2"),
])
def test_per_layer_rates_wrong_rates_fail(rates, phrase):
    optimizer, model = _compiled(rates)
    with pytest.raises(ExerciseCheckError, match=phrase):
        checks.check_per_layer_rates(optimizer, model)


@needs_multi
def test_per_layer_rates_wrong_optimizer_or_setup_fails():
    optimizer, model = _compiled(RATES, keras.optimizers.SGD)
    with pytest.raises(ExerciseCheckError, match="not Adam"):
        checks.check_per_layer_rates(optimizer, model)
    with pytest.raises(ExerciseCheckError, match="still None"):
        checks.check_per_layer_rates(None, model)
    optimizer, model = _compiled(RATES)
    with pytest.raises(ExerciseCheckError, match="not compiled with your `optimizer`"):
        checks.check_per_layer_rates(keras.optimizers.Adam(), model)
    optimizer, model = _compiled({g: r for g, r in RATES.items() if g != "head"})   # no optimizer for the head
    with pytest.raises(ExerciseCheckError, match="the head's included"):
        checks.check_per_layer_rates(optimizer, model)


def test_the_fallback_for_keras_without_multi_optimizer_takes_the_same_steps():
    optimizer, model = _compiled(RATES, multi=discriminative.AdamMultiOptimizer)
    steps = checks.check_per_layer_rates(optimizer, model)
    assert all(np.isclose(steps[g], RATES[g], rtol=2e-3) for g in RATES)
    with pytest.raises(ValueError, match="supports Adam only"):
        _, toy = _compiled(RATES, keras.optimizers.SGD, multi=discriminative.AdamMultiOptimizer)
        toy.train_on_batch(np.zeros((2, 6), "float32"), np.zeros(2))


# --- the quiz: the key is sealed -------------------------------------------------------------------

def test_quiz_key_is_sealed_and_matches_the_maintainers_key():
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
    schedule = _halving()
    with pytest.raises(TypeError):
        keras.optimizers.Adam(learning_rate=schedule).learning_rate(1000)


# --- exercise 8b ------------------------------------------------------------------------------

def _lora_setup(enable=("block3_conv1", "block3_conv2"), rank=2):
    import finetune_course as fc

    task = fc.load_target(3, val_per_class=5, seed=0)
    model = fc.build_classifier(fc.load_pretrained_base())
    before = fc.snapshot_weights(model)
    base = fc.get_base(model)
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name.startswith("block3_conv")
    for name in enable:
        base.get_layer(name).enable_lora(rank)
    return task, model, before


def test_lora_check_says_when_rank_is_still_none():
    task, model, before = _lora_setup()
    with pytest.raises(ExerciseCheckError, match="`RANK` is still None"):
        checks.check_lora_top_block(model, None, None, before, task.val, 1.0)


def test_lora_check_names_a_missing_layer_a_wrong_rank_and_layers_outside_the_block():
    task, model, before = _lora_setup(enable=("block3_conv1",))
    with pytest.raises(ExerciseCheckError, match="block3_conv2 has no LoRA"):
        checks.check_lora_top_block(model, None, 2, before, task.val, 1.0)
    task, model, before = _lora_setup(rank=2)
    with pytest.raises(ExerciseCheckError, match="rank 2, but `RANK` is 4"):
        checks.check_lora_top_block(model, None, 4, before, task.val, 1.0)
    task, model, before = _lora_setup(enable=("block2_conv2", "block3_conv1", "block3_conv2"))
    with pytest.raises(ExerciseCheckError, match="LoRA is enabled on block2_conv2"):
        checks.check_lora_top_block(model, None, 2, before, task.val, 1.0)


def test_lora_check_sees_untrained_factors_and_a_loss_that_did_not_fall():
    task, model, before = _lora_setup()
    with pytest.raises(ExerciseCheckError, match="did not move during training"):
        checks.check_lora_top_block(model, None, 2, before, task.val, 1.0)
    layer = model.get_layer("base").get_layer("block3_conv2")
    layer.lora_kernel_b.assign(np.full(layer.lora_kernel_b.shape, 1e-3, "float32"))   # moved, a little
    with pytest.raises(ExerciseCheckError, match="not below the frozen model's 0.000"):
        checks.check_lora_top_block(model, None, 2, before, task.val, 0.0)


def test_lora_check_refuses_a_moved_kernel_and_accepts_a_true_merge(tmp_path):
    import finetune_course as fc

    task, model, before = _lora_setup()
    layer = model.get_layer("base").get_layer("block3_conv2")
    layer.lora_kernel_b.assign(np.full(layer.lora_kernel_b.shape, 1e-3, "float32"))
    with pytest.raises(ExerciseCheckError, match="`merged` is still None"):
        checks.check_lora_top_block(model, None, 2, before, task.val, 1e9)
    with pytest.raises(ExerciseCheckError, match="still has LoRA enabled"):
        checks.check_lora_top_block(model, model, 2, before, task.val, 1e9)
    plain = fc.build_classifier(fc.build_base())
    with pytest.raises(ExerciseCheckError, match="predicts differently"):
        checks.check_lora_top_block(model, plain, 2, before, task.val, 1e9)
    model.save_weights(tmp_path / "lora.weights.h5")
    plain.load_weights(tmp_path / "lora.weights.h5")
    assert checks.check_lora_top_block(model, plain, 2, before, task.val, 1e9) < 1e9
    original = next(w for w in layer.weights if w.path.endswith("/kernel"))
    original.assign(original + 1e-3)
    with pytest.raises(ExerciseCheckError, match="original kernel of block3_conv2 moved"):
        checks.check_lora_top_block(model, plain, 2, before, task.val, 1e9)
