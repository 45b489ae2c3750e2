"""Tests of the training recipes the lessons repeat (recipes.py)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import model, recipes
from finetune_course.internals import speed

from support import _bn_layers


def test_source_accuracy_of_shipped_base():
    assert recipes.source_accuracy(fc.load_pretrained_base()) > 0.85
    assert recipes.source_accuracy(model.build_base()) < 0.3  # an untrained base does not know it


def test_freeze_all_but_batchnorm():
    base = fc.load_pretrained_base()
    base.trainable = False
    assert fc.unfreeze_all_but_batchnorm(base) is base
    frozen = {layer.name for layer in base.layers if not layer.trainable}
    assert frozen == {layer.name for layer in _bn_layers(base)}
    assert base.trainable
    bn_params = sum(layer.count_params() for layer in _bn_layers(base))
    assert fc.parameter_counts(base)["non_trainable"] == bn_params


def test_train_head_leaves_the_base_untouched_and_trains_the_head(trained_head, task):
    classifier, history = trained_head["classifier"], trained_head["history"]
    assert fc.get_base(classifier) is trained_head["base"]
    assert not trained_head["base"].trainable
    changes = fc.weight_change(trained_head["base_before"], trained_head["base"])
    assert all(change == 0.0 for change in changes.values())  # bit-identical, BatchNorm statistics too
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    changes = fc.weight_change(trained_head["classifier_before"], classifier)
    moved = {path for path, change in changes.items() if change > 0}
    assert moved == {"classifier/head/kernel", "classifier/head/bias"}  # the head, and only the head
    assert recipes.accuracy(classifier, task.val) > 0.3


def test_train_from_scratch_reuses_one_compiled_model_without_changing_results(task):
    """Reusing the compiled scratch model must give exactly what a freshly compiled one gives,
    also when an earlier call trained it with another seed (weights and Adam state reset)."""
    recipes.train_from_scratch(task, epochs=1, learning_rate=1e-2, seed=5, validate=False)
    reused, history = recipes.train_from_scratch(task, epochs=2, learning_rate=3e-3, seed=7, validate=False)
    fc.environment.seed_model_and_shuffle(7)   # what the recipe seeds: initial weights, shuffle
    fresh = model.compile_classifier(model.build_classifier(model.build_base()), 3e-3)
    fresh_history = recipes.fit(fresh, task, 2, validate=False, seed=7)
    assert history.history["loss"] == fresh_history.history["loss"]
    for a, b in zip(reused.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    again, _ = recipes.train_from_scratch(task, epochs=2, learning_rate=3e-3, seed=7, validate=False)
    assert reused is not again  # each call returns its own model


def test_fit_head_on_features_matches_fitting_the_whole_frozen_model(task):
    """Training the head on features computed once is the same computation as ``fit`` on the
    whole model with the base frozen (up to float rounding)."""
    fast, fast_history = recipes.train_head(task, epochs=2, learning_rate=1e-2, seed=3)
    fc.environment.seed_model_and_shuffle(3)
    base = fc.load_pretrained_base()
    base.trainable = False
    slow = model.compile_classifier(model.build_classifier(base), 1e-2)
    slow_history = recipes.fit(slow, task, 2, seed=3)
    np.testing.assert_allclose(fast_history.history["val_loss"], slow_history.history["val_loss"], rtol=1e-4)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_copy_classifier_copies_weights_and_trainable_flags(trained_head):
    original = trained_head["classifier"]
    fc.unfreeze_all_but_batchnorm(fc.get_base(original))
    try:
        copy = fc.copy_classifier(original)
        assert copy is not original and fc.get_base(copy) is not fc.get_base(original)
        assert fc.layer_rows(copy) == fc.layer_rows(original)
        for a, b in zip(copy.get_weights(), original.get_weights()):
            np.testing.assert_array_equal(a, b)
    finally:
        fc.get_base(original).trainable = False


def test_continue_head_trains_a_copy_and_leaves_the_original_alone(trained_head, task):
    original = trained_head["classifier"]
    before = fc.snapshot_weights(original)
    copy, history = recipes.continue_head(original, task, epochs=1, learning_rate=1e-2, seed=0, validate=False)
    assert fc.max_weight_change(before, original) == 0.0
    moved = {p for p, c in fc.weight_change(fc.snapshot_weights(original), copy).items() if c > 0}
    assert moved == {"classifier/head/kernel", "classifier/head/bias"}
    assert len(history.history["loss"]) == 1


def test_fine_tuned_copy_matches_a_freshly_compiled_fine_tune(trained_head, task):
    """The shared compiled fine-tuner (a LayerwiseAdam, shared with train_discriminative) must give
    exactly what recompiling a copy with a plain Adam gives, also after an earlier call at another
    learning rate and one with per-layer rates (weights, Adam state, rate and multipliers reset)."""
    original = trained_head["classifier"]
    before = fc.snapshot_weights(original)
    recipes.fine_tuned_copy(original, task, epochs=1, learning_rate=1e-2, seed=5, validate=False)
    recipes.train_discriminative(task, 1, 1e-2, {"block1_conv1": 0.5}, seed=5, validate=False)
    reused, history = recipes.fine_tuned_copy(original, task, epochs=2, learning_rate=1e-3, seed=7,
                                              validate=False)
    assert fc.max_weight_change(before, original) == 0.0
    fresh = fc.copy_classifier(original)
    fc.unfreeze_all_but_batchnorm(fc.get_base(fresh))
    model.compile_classifier(fresh, 1e-3)
    fresh_history = recipes.fit(fresh, task, 2, validate=False, seed=7)   # the recipe's shuffle
    assert history.history["loss"] == fresh_history.history["loss"]
    for a, b in zip(reused.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert fc.layer_rows(reused) == fc.layer_rows(fresh)  # BatchNorm frozen, the rest trainable


def test_recipe_models_trace_their_train_step_once_and_fit_the_same():
    """The recipes' compiled models have their optimizer and metrics built before the first fit.
    Otherwise Keras 3 on TensorFlow creates those variables inside the first trace of the train step
    and TensorFlow traces it a second time, which costs as much as the first. Either way, fit
    must compute and report the same."""
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    recipe_model, _ = speed.compiled_model.__wrapped__(("head", 3, 2))   # a fresh one, not the cached
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="head")])
    plain.set_weights(recipe_model.get_weights())
    model.compile_classifier(plain, 1e-3)
    histories, traces = {}, {}
    for name, toy in (("plain", plain), ("recipe", recipe_model)):
        traces[name], step = [], toy.train_step
        toy.train_step = lambda data, step=step, seen=traces[name]: seen.append(1) or step(data)
        histories[name] = toy.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0).history
    assert (len(traces["plain"]), len(traces["recipe"])) == (2, 1)   # Python in a step runs only when traced
    assert histories["plain"] == histories["recipe"]
    for a, b in zip(plain.get_weights(), recipe_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_backward_pass_work_counts_what_the_gradients_need():
    # One conv on a 4x4x1 input, 2 filters of 3x3: only the kernel's gradient is needed (the input
    # is no weight), 4*4 output positions x 3*3*1*2 kernel weights = 288 multiply-adds.
    tiny = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3, padding="same")])
    assert fc.backward_pass_work(tiny) == {"conv_gradients": 1, "multiply_adds": 288}
    tiny.trainable = False
    assert fc.backward_pass_work(tiny) == {"conv_gradients": 0, "multiply_adds": 0}
    work = {}
    for n in (7, 21):
        base = fc.load_pretrained_base()
        fc.unfreeze_last(base, n)
        work[n] = fc.backward_pass_work(base)
    assert work[7]["conv_gradients"] < work[21]["conv_gradients"]       # block 3 only: 2 convs, 1 input gradient
    assert work[7]["multiply_adds"] < work[21]["multiply_adds"] / 2   # the big early maps are skipped
    with pytest.raises(ValueError, match="fixed input shape"):
        fc.backward_pass_work(keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3)]))


@pytest.mark.slow
def test_lora_copy_is_the_lessons_keras_and_leaves_the_original_alone(trained_head, task):
    classifier = trained_head["classifier"]
    original = fc.snapshot_weights(classifier)
    fc.set_seeds(5)   # as a lesson starts: TensorFlow's global seed is part of the dataset's shuffle seed
    tuned, history = recipes.lora_copy(classifier, task, 2, 1e-3, rank=2, seed=5, validate=False)
    assert fc.max_weight_change(original, classifier) == 0.0 and len(history.history["loss"]) == 2

    # The lesson's cells: copy, unfreeze with BatchNorm frozen, seed, enable LoRA, compile, fit.
    by_hand = fc.copy_classifier(classifier)
    base = fc.get_base(by_hand)
    fc.unfreeze_all_but_batchnorm(base)
    keras.utils.set_random_seed(5)
    for layer in base.layers:
        if isinstance(layer, keras.layers.Conv2D):
            layer.enable_lora(2)
    by_hand.compile(optimizer=keras.optimizers.Adam(1e-3),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    by_hand.fit(fc.as_dataset(task.train, recipes.BATCH_SIZE, seed=5), epochs=2, shuffle=False, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(tuned.get_weights(), by_hand.get_weights()))

    moved = fc.weight_change(fc.snapshot_weights(fc.get_base(by_hand)), fc.get_base(tuned))
    assert max(moved.values()) == 0.0
    kernels = {path: w for path, w in fc.snapshot_weights(fc.get_base(tuned)).items() if path.endswith("/kernel")}
    common = [path for path in kernels if path in original]
    assert len(common) == 6 and all(np.array_equal(kernels[path], original[path]) for path in common)
