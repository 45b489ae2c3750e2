"""Exercises 1-4: the solution regions are the lesson's Keras, and their checks judge behaviour.

The checks are tested here without training: weights are moved by hand (``assign``) where a
check looks at which weights ``fit`` moved, and a ``History`` is attached to its model by hand
where a check asks that it came from fitting that model. tests/test_exercises.py runs the real
exercises with plausible wrong answers pasted in.
"""
from __future__ import annotations

import re
from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import recipes
from finetune_course.grading import checks
from finetune_course.grading.guards import ExerciseCheckError

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ["01_frozen_feature_extraction", "02_recompile_gotcha", "03_fine_tuning_lower_lr",
             "04_selective_unfreezing"]
REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def solution_regions(name: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    return "\n".join(region for cell in nb.cells if cell.cell_type == "code"
                     for region in REGION.findall(cell.source))


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_region_is_plain_keras(name):
    region = solution_regions(name)
    assert region.strip(), f"{name} has no solution region"
    for helper in ("fc.", "recipes.", "checks.", "finetune_course", "diagnostics."):
        assert helper not in region, f"{name}: a course helper ({helper}) inside the solution region"
    for call in ("compile(", ".fit("):
        assert call in region, f"{name}: the solution region should contain {call}"


def fitted_history(model, losses=(2.0, 1.0)):
    """A History as ``model.fit`` leaves it, without training."""
    history = keras.callbacks.History()
    history.set_model(model)
    history.history = {"loss": list(losses)}
    history.epoch = list(range(len(losses)))
    return history


def message_of(check, *args, **kwargs) -> str:
    with pytest.raises(ExerciseCheckError) as error:
        check(*args, **kwargs)
    return str(error.value)


@pytest.fixture(scope="module")
def task():
    return fc.load_target(labels_per_class=3, seed=0)


# --- exercise 1 -------------------------------------------------------------------------------

def frozen_classifier(head: keras.layers.Layer, loss) -> tuple[keras.Model, dict]:
    base = fc.load_pretrained_base()
    base.trainable = False
    model = keras.Sequential([base, head])
    model.compile(optimizer="adam", loss=loss)
    return model, fc.snapshot_weights(base)


def test_ex1_rejects_a_history_from_another_model(task):
    model, before = frozen_classifier(keras.layers.Dense(10), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    other, _ = frozen_classifier(keras.layers.Dense(10), "sparse_categorical_crossentropy")
    assert "still None" in message_of(checks.check_frozen_head_trained, model, None, before, task)
    message = message_of(checks.check_frozen_head_trained, model, fitted_history(other), before, task)
    assert "comes from training another model" in message
    unattached = keras.callbacks.History()
    unattached.history = {"loss": [2.0, 1.0]}
    assert "another model" in message_of(checks.check_frozen_head_trained, model, unattached, before, task)
    assert "not finite" in message_of(checks.check_frozen_head_trained, model,
                                      fitted_history(model, (2.0, float("nan"))), before, task)


def test_ex1_rejects_a_loss_that_does_not_match_the_head(task):
    softmax, before = frozen_classifier(keras.layers.Dense(10, activation="softmax"),
                                        keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    message = message_of(checks.check_frozen_head_trained, softmax, fitted_history(softmax), before, task)
    assert "outputs probabilities" in message and "from_logits=True" in message
    assert "Dense(10)" not in message   # names the mismatch, not the line to type
    logits, before = frozen_classifier(keras.layers.Dense(10), "sparse_categorical_crossentropy")
    assert "outputs logits" in message_of(checks.check_frozen_head_trained, logits, fitted_history(logits),
                                          before, task)
    # softmax with a loss that expects probabilities is a consistent pair: the check goes on, to the
    # accuracy of this untrained head, judged on validation
    matched, before = frozen_classifier(keras.layers.Dense(10, activation="softmax"), "sparse_categorical_crossentropy")
    message = message_of(checks.check_frozen_head_trained, matched, fitted_history(matched), before, task)
    assert "Validation accuracy" in message and "undertrained" in message


def test_ex1_rejects_a_base_that_moved(task):
    model, before = frozen_classifier(keras.layers.Dense(10), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    kernel = fc.get_base(model).get_layer("block1_conv1").kernel
    kernel.assign(kernel + 0.5)
    message = message_of(checks.check_frozen_head_trained, model, fitted_history(model), before, task)
    assert "changed during training" in message and "0.5" in message


# --- exercise 2 -------------------------------------------------------------------------------

def test_ex2_asks_for_the_history_of_this_model():
    base = fc.load_pretrained_base()
    model = fc.build_classifier(base)
    before = fc.snapshot_weights(base)
    other = fc.build_classifier(fc.load_pretrained_base())
    assert "still None" in message_of(checks.check_unfrozen_recompiled_and_fitted, None, None, before)
    assert "`history` is still None" in message_of(checks.check_unfrozen_recompiled_and_fitted, model, None, before)
    assert "another model" in message_of(checks.check_unfrozen_recompiled_and_fitted, model,
                                         fitted_history(other), before)
    base.trainable = False
    assert "still frozen" in message_of(checks.check_unfrozen_recompiled_and_fitted, model,
                                        fitted_history(model), before)


# --- exercise 3 -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def task3():
    return fc.load_target(labels_per_class=3, val_per_class=10, seed=0)


def fine_tuned_by_hand(reference, scale: float, rate: float = 1e-3, batchnorm_trainable: bool = False):
    """A copy of ``reference`` whose base kernels moved by ``scale`` times their own size,
    compiled at ``rate``, one optimizer step recorded."""
    tuned = fc.copy_classifier(reference)
    base = fc.get_base(tuned)
    base.trainable = True
    rng = np.random.default_rng(0)
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = batchnorm_trainable
        elif isinstance(layer, keras.layers.Conv2D):
            k = keras.ops.convert_to_numpy(layer.kernel)
            layer.kernel.assign(k + scale * np.abs(k).mean() * rng.standard_normal(k.shape).astype("float32"))
    tuned.compile(optimizer=keras.optimizers.Adam(learning_rate=rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    tuned.optimizer.build(tuned.trainable_variables)
    tuned.optimizer.iterations.assign(1)
    return tuned


@pytest.fixture(scope="module")
def reference(task3):
    frozen, _ = recipes.train_head(task3, epochs=5, learning_rate=1e-2, seed=0, validate=False)
    return frozen


def test_ex3_asks_for_every_value_and_two_rates(reference, task3):
    tuned = fine_tuned_by_hand(reference, 0.05)
    check = checks.check_rate_chosen_on_validation
    for args in ((None, 1e-3, {}), (tuned, None, {}), (tuned, 1e-3, None)):
        assert "still None" in message_of(check, *args, reference, task3)
    assert "at least two rates" in message_of(check, tuned, 1e-3, {1e-3: 0.1}, reference, task3)


def test_ex3_rejects_a_rate_that_changes_nothing(reference, task3):
    check = checks.check_rate_chosen_on_validation
    still = fine_tuned_by_hand(reference, 0.0)
    assert "Not one weight" in message_of(check, still, 1e-3, {1e-3: 0.1, 1e-4: 0.2}, reference, task3)
    tiny = fine_tuned_by_hand(reference, 1e-5, rate=1e-8)   # what 10 epochs at 1e-8 do (about 5e-6)
    message = message_of(check, tiny, 1e-8, {1e-8: 0.1, 1e-9: 0.2}, reference, task3)
    assert "barely moved" in message and "larger learning rates" in message


def test_ex3_rejects_batchnorm_that_trains(reference, task3):
    tuned = fine_tuned_by_hand(reference, 0.05, batchnorm_trainable=True)
    message = message_of(checks.check_rate_chosen_on_validation, tuned, 1e-3, {1e-3: 0.1, 1e-4: 0.2},
                         reference, task3)
    assert "BatchNormalization layers in `tuned` are trainable" in message


def test_ex3_names_a_clone_whose_weights_were_never_copied(reference, task3):
    clone = keras.models.clone_model(reference)   # the same layers, newly initialised: no set_weights
    base = fc.get_base(clone)
    base.trainable = True
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    clone.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    clone.optimizer.build(clone.trainable_variables)
    clone.optimizer.iterations.assign(1)
    message = message_of(checks.check_rate_chosen_on_validation, clone, 1e-3, {1e-3: 0.1, 1e-4: 0.2},
                         reference, task3)
    assert "starts from random weights" in message and "set_weights" in message
    assert "BatchNormalization" not in message.split(":")[0]


def test_ex3_the_choice_must_be_the_validation_minimum(reference, task3):
    check = checks.check_rate_chosen_on_validation
    tuned = fine_tuned_by_hand(reference, 0.05)
    measured = recipes.cross_entropy(tuned, task3.val)
    message = message_of(check, tuned, 1e-4, {1e-3: measured, 1e-4: measured}, reference, task3)
    assert "not `chosen_rate`" in message
    message = message_of(check, tuned, 1e-3, {1e-3: measured + 0.5, 1e-4: 9.0}, reference, task3)
    assert "validation split (`task.val`)" in message and "test split is read once" in message
    message = message_of(check, tuned, 1e-3, {1e-3: measured, 1e-4: measured / 2}, reference, task3)
    assert "choose the rate whose model does best on the validation split" in message
    # a random perturbation of the kernels does not lower the validation loss: no gain
    message = message_of(check, tuned, 1e-3, {1e-3: measured, 1e-4: measured + 1}, reference, task3)
    assert "did not lower the validation loss enough" in message and "source task" in message


# --- exercise 4 -------------------------------------------------------------------------------

def unfrozen_by_hand(n: int, frozen_by: str = "slice", batchnorm_frozen: bool = True, move=("block2", "block3")):
    """A compiled classifier with flags set for ``n`` and the convolutions named ``move*`` moved by hand
    (as ``fit`` would move the trainable ones)."""
    base = fc.load_pretrained_base()
    model = fc.build_classifier(base)
    before = fc.snapshot_weights(base)
    base.trainable = True
    frozen = base.layers[:-n] if frozen_by == "slice" else [l for l in base.layers if l.name.startswith("block1")]
    for layer in frozen:
        layer.trainable = False
    for layer in base.layers:
        if batchnorm_frozen and isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    fc.compile_classifier(model, 1e-3)
    for layer in base.layers:
        if isinstance(layer, keras.layers.Conv2D) and layer.name.startswith(move):
            layer.kernel.assign(layer.kernel + 0.01)
    return model, before


def test_ex4_checks_which_layers_moved_and_does_not_give_n_away():
    check = checks.check_last_blocks_fine_tuned
    model, before = unfrozen_by_hand(14)
    assert "still None" in message_of(check, model, fitted_history(model), None, before)
    assert "whole number" in message_of(check, model, fitted_history(model), "14", before)
    assert check(model, fitted_history(model), 14, before) == 69120

    model, before = unfrozen_by_hand(7, move=("block3",))
    message = message_of(check, model, fitted_history(model), 7, before)
    assert "block2_conv1, block2_conv2 did not move" in message
    assert "14" not in message   # the answer is counted by the learner, not given

    model, before = unfrozen_by_hand(18, move=("block1_conv2", "block2", "block3"))
    message = message_of(check, model, fitted_history(model), 18, before)
    assert "block1_conv2 moved but should stay frozen" in message and "14" not in message

    model, before = unfrozen_by_hand(14, move=())
    assert "Not one base weight moved" in message_of(check, model, fitted_history(model), 14, before)


def test_ex4_rejects_flags_set_another_way_and_trainable_batchnorm():
    check = checks.check_last_blocks_fine_tuned
    model, before = unfrozen_by_hand(7, frozen_by="name")   # right layers, N does not select them
    assert "not because of `N` = 7" in message_of(check, model, fitted_history(model), 7, before)
    model, before = unfrozen_by_hand(14, batchnorm_frozen=False)
    assert "BatchNormalization layers are trainable" in message_of(check, model, fitted_history(model), 14, before)
