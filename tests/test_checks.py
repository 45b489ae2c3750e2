"""Unit tests of finetune_course.grading.checks, exercise by exercise: each wrong answer a learner
is likely to write gets the message that names its fix, on toy inputs and without training where
possible (weights moved by hand with ``assign``, a ``History`` attached to its model by hand).
tests/test_exercises.py runs the real exercises with plausible wrong answers pasted in."""
from __future__ import annotations

import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import discriminative, recipes
from finetune_course import model as models
from finetune_course.grading import checks
from finetune_course.grading.guards import ExerciseCheckError

from support import _history


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


# --- exercise 2, without training ---------------------------------------------------------

def test_unfrozen_and_recompiled_check_rejects_what_it_can_see_without_training():
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    before = fc.snapshot_weights(base)
    history = _history(loss=[1.0])

    def message(model_, history_=history):
        with pytest.raises(ExerciseCheckError) as error:
            checks.check_unfrozen_and_recompiled(model_, history_, before)
        return str(error.value)

    assert "still None" in message(None)
    assert "`history` is still None" in message(classifier, None)
    base.trainable = False
    assert "still frozen" in message(classifier)
    base.trainable = True
    assert "not compiled" in message(classifier)
    models.compile_classifier(classifier, 1e-3)
    assert "BatchNormalization layers are trainable" in message(classifier)
    fc.unfreeze_all_but_batchnorm(base)
    models.compile_classifier(classifier, 1e-3)
    assert "convolutions moved" in message(classifier)   # compiled, never fitted: nothing moved
    assert "compile the model again" in message(classifier)


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


# --- exercise 8b ------------------------------------------------------------------------------

def _lora_setup(enable=("block3_conv1", "block3_conv2"), rank=2):
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
