"""Feedback for the exercises: each check says what is wrong and how to fix it.

A failed check raises :class:`ExerciseCheckError` (an ``AssertionError``, so nbgrader
counts the graded cell as failed) whose message is written for the learner. A passing
check prints one line saying what was verified.
"""
from __future__ import annotations

import math

import keras
import numpy as np

from .. import lr_finder
from ..data import TARGET_CLASSES, Split
from ..model import get_base
from ..trainability import (lora_layers, max_weight_change, snapshot_weights, trainability_changed_since_compile,
                           weight_change)
from .guards import (ExerciseCheckError, fail, require_base, require_fitted, require_history,  # noqa: F401
                     require_model, require_same_base, require_unfrozen)


# --- what several checks measure --------------------------------------------------------------

def _loss_from_logits(model) -> bool | None:
    """Whether the compiled loss expects logits: True, False, or None when it cannot tell."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return False if "crossentropy" in loss else None
    config = loss.get_config() if isinstance(loss, keras.losses.Loss) else {}
    return config.get("from_logits") if isinstance(config.get("from_logits"), bool) else None


def _layers_moved(base, before: dict) -> set[str]:
    """Names of the base's layers at least one of whose weights changed since ``before``."""
    changes = weight_change(before, snapshot_weights(base))
    return {layer.name for layer in base.layers
            if any(changes[weight.path] > 0 for weight in layer.weights)}


# --- exercise 1: a frozen base and a new head -------------------------------------------------

def check_frozen_head_trained(model, history, base_before: dict, task, min_accuracy: float = 0.8) -> float:
    """Exercise 1: a frozen pretrained base with a new 10-class head, compiled with a loss that
    matches the head's outputs, and trained by ``model.fit``. Judged on the validation split;
    once it passes, the test split is read once, to report. Returns the test accuracy."""
    model = require_model(model)
    require_history(history)
    base = require_base(model, "Your model does not contain the pretrained base: put `base` (from the set-up cell) "
                        "first, e.g. `keras.Sequential([base, <your head>])`.")
    require_same_base(base, base_before, "The base in your model is not the one the snapshot was taken of: use the "
                      "`base` loaded in the set-up cell, don't load or build a new one.")
    values = require_fitted(history, model)
    trainable_layers = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    if base.trainable or trainable_layers:
        fail("The base is still trainable" + (f" (e.g. layer {trainable_layers[0]!r})" if trainable_layers else "")
             + ": freeze it before `compile`, so that `fit` trains only the head.")
    moved = max_weight_change(base_before, snapshot_weights(base))
    if moved > 0:
        fail(f"The base's weights changed during training (largest change {moved:.3g}), although its flag now "
             "says frozen: it was trainable when `fit` built its train step, and a flag changed after that "
             "needs a new `compile`. Re-run the set-up cell, freeze the base first, then build, compile and fit.")
    outputs = model.output_shape[-1]
    if outputs != len(TARGET_CLASSES):
        fail(f"The head has {outputs} outputs; the target task has {len(TARGET_CLASSES)} classes "
             "(the digits 0-9), so the last layer needs 10 units.")
    head = [weight for weight in model.trainable_weights if all(weight is not w for w in base.weights)]
    if not head:
        fail("Nothing in your model is trainable: the new head must be, only the base is frozen.")
    outputs_val = keras.ops.convert_to_numpy(model(task.val.x, training=False))
    probabilities = bool(np.all(outputs_val >= 0) and np.allclose(outputs_val.sum(axis=-1), 1, atol=1e-4))
    from_logits = _loss_from_logits(model)
    if probabilities and from_logits:
        fail("The head outputs probabilities (they are >= 0 and sum to 1: a softmax), but the loss was told "
             "it receives logits (from_logits=True), so it applies a second softmax and its gradients "
             "shrink. Either let the last layer output logits, or tell the loss it gets probabilities.")
    if not probabilities and from_logits is False:
        fail("The head outputs logits (any real numbers), but the loss expects probabilities: pass "
             "`from_logits=True` to the loss, or end the head in a softmax.")
    losses = values["loss"]
    if len(losses) > 1 and not losses[-1] < losses[0]:
        fail(f"The training loss did not fall (first epoch {losses[0]:.3g}, last {losses[-1]:.3g}): train "
             "the head with a larger learning rate or for more epochs.")
    accuracy = float(np.mean(np.argmax(outputs_val, axis=-1) == task.val.y))
    if accuracy < min_accuracy:
        fail(f"Validation accuracy is {accuracy:.3f}, below {min_accuracy}: the head is undertrained. Train "
             "for more epochs or with a larger learning rate (the head alone can take 1e-2 with Adam).")
    test_logits = model.predict(task.test.x, verbose=0, batch_size=512)   # read once, after validation passed
    test_accuracy = float(np.mean(np.argmax(test_logits, axis=-1) == task.test.y))
    print(f"Well done: the base is frozen and did not move, the head has 10 outputs and trained "
          f"({len(losses)} epochs, loss {losses[0]:.2f} -> {losses[-1]:.2f}), validation accuracy {accuracy:.2f}. "
          f"Held-out test accuracy: {test_accuracy:.2f}.")
    return test_accuracy


# --- exercise 2: unfreeze, recompile, fit -----------------------------------------------------

def check_unfrozen_and_recompiled(model, history, base_before: dict, max_learning_rate: float = 1e-3) -> float:
    """Exercise 2: a classifier whose head was trained on a frozen base, then fine-tuned with the
    base unfrozen (BatchNormalization kept frozen), the model recompiled before ``fit``.

    ``base_before`` is ``snapshot_weights(base)`` taken after the head was trained. Returns the
    largest change of any base weight during fine-tuning.
    """
    model = require_model(model)
    require_history(history)
    base = require_base(model, "`model` no longer contains the pretrained base: fine-tune the `model` from the "
                        "set-up cell, don't build a new one.")
    after = require_same_base(base, base_before, "The base in `model` is not the one the snapshot was taken of: "
                              "fine-tune the `model` from the set-up cell, don't build or load a new one.")
    batchnorm = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    require_unfrozen(base, ": set `base.trainable = True`, then freeze the BatchNormalization layers again, "
                     "then compile the model again and fit.")
    try:
        stale = trainability_changed_since_compile(model)
    except ValueError:
        fail("`model` is not compiled: compile it after unfreezing the base, then fit.")
    if stale["unfrozen_not_training"]:
        fail("You unfroze the base but did not compile the model again, so `fit` reused the train step "
             "built for the frozen base and did not update "
             f"{len(stale['unfrozen_not_training'])} trainable base variables. Call `model.compile(...)` "
             "(with a new Adam at 1e-3) after changing `trainable` and before `fit`.")
    if stale["frozen_still_training"]:
        fail("You froze some layers after the model was compiled and trained, and `fit` still trained them "
             f"({', '.join(stale['frozen_still_training'][:3])} ...). Set every `trainable` flag first, "
             "then compile, then fit: re-run the set-up cell and start again.")
    trainable_bn = [layer.name for layer in batchnorm if layer.trainable]
    if trainable_bn:
        fail(f"{len(trainable_bn)} BatchNormalization layers are trainable (e.g. {trainable_bn[0]!r}): "
             "keep them frozen, so that they keep the statistics learned in pretraining. After "
             "`base.trainable = True`, set `trainable = False` on every BatchNormalization layer, then "
             "compile again and fit: re-run the set-up cell first.")
    changes = weight_change(base_before, after)
    bn_paths = {w.path for layer in batchnorm for w in layer.weights}
    moved = max((c for path, c in changes.items() if path not in bn_paths), default=0.0)
    if moved == 0:
        fail("Not one weight of the base's convolutions moved during fine-tuning: compile the model "
             "again after unfreezing the base (`model.compile(...)`), then fit.")
    bn_moved = [path for path in bn_paths if changes[path] > 0]
    if bn_moved:
        fail(f"BatchNormalization weights changed during fine-tuning (e.g. {sorted(bn_moved)[0]}): they "
             "were trainable when you compiled. Re-run the set-up cell, freeze them before you compile, "
             "then fit.")
    learning_rate = float(model.optimizer.learning_rate)
    if learning_rate > max_learning_rate * (1 + 1e-6):
        fail(f"You fine-tuned at a learning rate of {learning_rate:.3g}. Use {max_learning_rate:g}, ten times "
             "lower than the head's: large steps would overwrite what the base learned in pretraining. "
             "Re-run the set-up cell and compile with a lower rate.")
    if not all(np.isfinite(history.history["loss"])):
        fail("The training loss is not finite: re-run the set-up cell and fine-tune at 1e-3.")
    print(f"Well done: the model was recompiled after unfreezing, the base's convolutions moved "
          f"(largest change {moved:.2g}) and BatchNorm stayed frozen.")
    return moved


def check_unfrozen_recompiled_and_fitted(model, history, base_before: dict, max_learning_rate: float = 1e-3) -> float:
    """Exercise 2: :func:`check_unfrozen_and_recompiled`, and ``history`` must come from
    ``model.fit`` (not from training another model). Returns the largest base weight change."""
    model = require_model(model)
    require_fitted(history, model)
    return check_unfrozen_and_recompiled(model, history, base_before, max_learning_rate=max_learning_rate)


# --- exercise 3: the fine-tuning rate, chosen on validation -----------------------------------

def _at_initial_values(layer) -> bool:
    """Whether a BatchNormalization layer holds its initial values (gamma 1, beta 0, moving mean 0,
    moving variance 1): what a clone gets when its weights were never copied."""
    expected = {"gamma": 1.0, "beta": 0.0, "moving_mean": 0.0, "moving_variance": 1.0}
    for weight in layer.weights:
        name = weight.path.split("/")[-1]
        if name in expected and not np.all(keras.ops.convert_to_numpy(weight) == expected[name]):
            return False
    return True


def check_rate_chosen_on_validation(tuned, chosen_rate, val_losses, reference, task,
                                    min_gain: float = 0.1, min_relative_change: float = 1e-3) -> float:
    """Exercise 3: ``tuned`` is the head-trained ``reference`` fine-tuned (base unfrozen, BatchNorm
    frozen) at ``chosen_rate``, the rate with the lowest validation loss in
    ``val_losses`` ({rate: validation loss}, at least two rates). The base must have moved
    meaningfully (largest relative change of a kernel at least ``min_relative_change``) and the
    validation loss must be at least ``min_gain`` (a fraction) below the reference's. Only the
    validation split is read. Returns the validation loss of ``tuned``."""
    from ..recipes import cross_entropy, source_accuracy
    from ..trainability import relative_weight_change

    for name, value in (("tuned", tuned), ("chosen_rate", chosen_rate), ("val_losses", val_losses)):
        if value is None:
            fail(f"`{name}` is still None: set it in the exercise cell above, then run this cell again.")
    tuned = require_model(tuned, "tuned")
    if not isinstance(val_losses, dict) or len(val_losses) < 2:
        fail("`val_losses` should be a dict {learning rate: validation loss} with at least two rates: "
             "fine-tune once per rate and compare them.")
    base = require_base(tuned, "`tuned` does not contain the pretrained base: fine-tune a copy of `frozen_model` "
                        "(`keras.models.clone_model` and `set_weights`).")
    batchnorm = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if any(layer.trainable for layer in batchnorm):
        fail("BatchNormalization layers in `tuned` are trainable: keep them frozen (lesson 2) after "
             "unfreezing the base, then compile and fit.")
    before = snapshot_weights(get_base(reference))
    relative = relative_weight_change(before, base, contains="kernel")
    if max(relative.values()) == 0:
        fail("Not one weight of `tuned`'s base moved: unfreeze the base before you compile, then fit.")
    if max(relative.values()) < min_relative_change:
        fail(f"The base of `tuned` barely moved (largest relative change of a kernel {max(relative.values()):.1e}): "
             "at this rate fine-tuning changes nothing. Compare larger learning rates.")
    bn_moved = [layer.name for layer in batchnorm
                if any(not np.array_equal(before[w.path], keras.ops.convert_to_numpy(w)) for w in layer.weights)]
    if bn_moved and all(_at_initial_values(layer) for layer in batchnorm):
        fail("The base of `tuned` starts from random weights, not the pretrained ones: keras.models.clone_model "
             "builds the same layers with newly initialised weights. Copy the trained weights into the clone "
             "(model.set_weights(frozen_model.get_weights())) before you fine-tune it.")
    if bn_moved:
        fail(f"BatchNormalization weights of `tuned` changed (e.g. {bn_moved[0]}): they were trainable when "
             "you compiled. Freeze them after unfreezing the base, then compile and fit.")
    optimizer = getattr(tuned, "optimizer", None)
    rate = float(optimizer.learning_rate) if optimizer is not None else None
    if rate is None or not math.isclose(rate, float(chosen_rate), rel_tol=1e-5):
        fail(f"`tuned` was compiled with a learning rate of {rate}, not `chosen_rate` = {chosen_rate}: "
             "keep the model trained at the rate you chose.")
    if int(optimizer.iterations) == 0:
        fail("`tuned` was compiled but never trained: fit it after compiling it at `chosen_rate`.")
    measured = cross_entropy(tuned, task.val)
    recorded = {float(r): v for r, v in val_losses.items()}
    if float(chosen_rate) not in recorded or not math.isclose(float(recorded[float(chosen_rate)]), measured,
                                                             rel_tol=1e-3, abs_tol=1e-4):
        fail(f"`val_losses[chosen_rate]` is {recorded.get(float(chosen_rate))!r}, but the validation loss of "
             f"`tuned` is {measured:.4f}: for each rate, record the loss of the model trained at that rate on "
             "the validation split (`task.val`); validation chooses, the test split is read once, at the end.")
    best = min(recorded, key=recorded.get)
    if not math.isclose(best, float(chosen_rate), rel_tol=1e-9):
        fail(f"`chosen_rate` is {chosen_rate:g}, but the rate with the lowest validation loss in `val_losses` "
             f"is {best:g}: choose the rate whose model does best on the validation split.")
    frozen_loss = cross_entropy(reference, task.val)
    if not measured <= (1 - min_gain) * frozen_loss:
        source = source_accuracy(base)
        fail(f"Fine-tuning did not lower the validation loss enough: {measured:.4f} against the frozen model's "
             f"{frozen_loss:.4f} (at least {min_gain:.0%} lower is expected); the base now scores {source:.2f} "
             "on its source task (0.91 before). If it forgot that much, the rates were too high; otherwise "
             "too low. Compare other rates.")
    source = source_accuracy(base)
    print(f"Well done: chosen on validation, {chosen_rate:g} lowered the validation loss from {frozen_loss:.3f} "
          f"(frozen) to {measured:.3f}; the base moved (largest relative change {max(relative.values()):.2f}) and "
          f"keeps a source accuracy of {source:.2f} (0.91 before: lesson 3's trade-off).")
    return measured


# --- exercise 4: selective unfreezing ---------------------------------------------------------

def check_last_blocks_fine_tuned(model, history, n, base_before: dict, blocks: tuple[int, ...] = (2, 3)) -> int:
    """Exercise 4: ``model``'s base with only its last ``n`` layers trainable (the convolutions of
    ``blocks``), every BatchNormalization layer frozen, recompiled and fitted. Checked by which
    layers' weights moved during ``fit`` (against ``base_before``), and that ``n`` selects exactly
    those layers. Returns the number of trainable parameters of the base."""
    from ..trainability import parameter_counts

    if n is None:
        fail("`N` is still None: set it to the number of layers, counted from the end, to unfreeze.")
    model = require_model(model)
    require_history(history)
    base = get_base(model)
    count = len(base.layers)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n <= count:
        fail(f"`N` is {n!r}; it should be a whole number of layers, from 1 to {count}.")
    require_fitted(history, model)
    if not base.trainable:
        fail("`base.trainable` is False, so nothing in it can train: set `base.trainable = True` first, "
             "then freeze `base.layers[:-N]`.")
    try:
        stale = trainability_changed_since_compile(model)
    except ValueError:
        fail("`model` is not compiled: compile it after setting the `trainable` flags, then fit.")
    if stale["unfrozen_not_training"] or stale["frozen_still_training"]:
        fail("You changed `trainable` flags after the model was compiled and trained, and `fit` ignored the change: "
             "set every flag first, then `model.compile(...)`, then fit. Re-run the set-up cell first.")
    batchnorm = {layer.name for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)}
    moved = _layers_moved(base, base_before)
    trainable_bn = sorted(name for name in batchnorm if base.get_layer(name).trainable)
    if trainable_bn or moved & batchnorm:
        fail(f"BatchNormalization layers are trainable ({', '.join(trainable_bn or sorted(moved & batchnorm))}): "
             "freezing `base.layers[:-N]` leaves those in the last N layers trainable. Set `trainable = False` "
             "on every BatchNormalization layer afterwards, then compile and fit.")
    if not moved:
        fail("Not one base weight moved during `fit`: compile the model after setting the flags, then fit.")
    wanted = {layer.name for layer in base.layers if layer.weights and layer.name not in batchnorm
              and layer.name.split("_")[0] in {f"block{b}" for b in blocks}}
    names = ", ".join(f"block {b}" for b in blocks)
    if moved != wanted:
        missing, extra = sorted(wanted - moved), sorted(moved - wanted)
        fail("Wrong layers trained" + (f": {', '.join(missing)} did not move" if missing else "")
             + (f"; {', '.join(extra)} moved but should stay frozen" if extra else "")
             + f". `base.layers[:-N]` freezes all but the last N layers, and ReLU and pooling layers count "
             f"too: in the listing above, count how many layers {names} and the final pooling take up.")
    selected = {layer.name for layer in base.layers[-n:] if layer.weights and layer.name not in batchnorm}
    if selected != wanted:
        fail(f"The right layers trained, but not because of `N` = {n}: `base.layers[-N:]` holds "
             + (f"{', '.join(sorted(selected))}" if selected else "no layer with weights")
             + " (BatchNorm aside). Set N so that `base.layers[:-N]` is exactly what you freeze.")
    trainable = parameter_counts(base)["trainable"]
    print(f"Well done: fit trained exactly the convolutions of {names} ({trainable:,} trainable parameters), "
          f"selected by N = {n}; every BatchNormalization layer stayed frozen.")
    return trainable


# --- exercise 5: a staircase schedule ---------------------------------------------------------

def check_schedule(steps_per_epoch, schedule, lr_epoch_5, train_images: int, batch_size: int,
                   initial_learning_rate: float = 1e-3, epochs_per_halving: int = 2) -> float:
    """Exercise 5: a staircase schedule that halves the learning rate every ``epochs_per_halving``
    epochs of ``train_images`` images in batches of ``batch_size``, and its rate in epoch 5.

    Returns the learning rate during the 5th epoch.
    """
    for name, value in (("steps_per_epoch", steps_per_epoch), ("schedule", schedule),
                        ("lr_epoch_5", lr_epoch_5)):
        if value is None:
            fail(f"`{name}` is still None: set it in the exercise cell above, then run this cell again.")
    batches = math.ceil(train_images / batch_size)
    if steps_per_epoch != batches:
        if steps_per_epoch == train_images // batch_size:
            fail(f"`steps_per_epoch` is {steps_per_epoch}, but {train_images} images in batches of "
                 f"{batch_size} make {train_images / batch_size:g} batches: Keras also trains on the last, "
                 f"smaller batch, so an epoch is {batches} optimizer steps. Use "
                 "math.ceil(train_images / batch_size).")
        fail(f"`steps_per_epoch` is {steps_per_epoch!r}; it should be the number of batches in one epoch "
             "(one optimizer step each): math.ceil(train_images / batch_size).")
    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        fail(f"`schedule` is a {type(schedule).__name__}; it should be a Keras schedule object such as "
             "keras.optimizers.schedules.ExponentialDecay(...), which the optimizer evaluates at every step.")
    period = epochs_per_halving * batches
    steps = np.arange(3 * period + 1)
    values = np.array([float(schedule(int(step))) for step in steps])
    expected = initial_learning_rate * 0.5 ** (steps // period)
    if not np.isclose(values[0], initial_learning_rate, rtol=1e-6):
        fail(f"The schedule starts at {values[0]:.4g}, not at {initial_learning_rate:g}: pass "
             "`initial_learning_rate` as its first argument.")
    halved = np.flatnonzero(values <= 0.5 * initial_learning_rate * (1 + 1e-6))
    if halved.size and halved[0] < batches:
        fail(f"The learning rate is already halved at step {halved[0]}, inside the first epoch: `decay_steps` "
             f"counts optimizer steps (batches), not epochs. {epochs_per_halving} epochs are "
             f"{epochs_per_halving} * steps_per_epoch = {period} steps.")
    if not np.allclose(values[:period], values[0], rtol=1e-6):
        changed = int(np.flatnonzero(~np.isclose(values[:period], values[0], rtol=1e-6))[0])
        fail(f"The learning rate changes within the first {epochs_per_halving} epochs ({values[changed]:.4g} "
             f"at step {changed}): set staircase=True, so that it stays constant for `decay_steps` steps "
             "and then halves in one go.")
    wrong = np.flatnonzero(~np.isclose(values, expected, rtol=1e-5))
    if wrong.size:
        step = int(wrong[0])
        fail(f"At step {step} (epoch {step // batches + 1}) the learning rate is {values[step]:.4g}; it should "
             f"be {expected[step]:.4g}. Start at {initial_learning_rate:g} and halve it (decay_rate=0.5) "
             f"every {epochs_per_halving} * steps_per_epoch = {period} steps.")
    try:
        rate = float(lr_epoch_5)
    except (TypeError, ValueError):
        fail(f"`lr_epoch_5` is a {type(lr_epoch_5).__name__}; it should be a number, e.g. "
             "float(schedule(step)) for the right step.")
    first_step = 4 * batches  # epochs 1 to 4 took 4 * steps_per_epoch steps
    want = float(expected[first_step])
    if not np.isclose(rate, want, rtol=1e-5):
        if any(np.isclose(rate, values[epoch], rtol=1e-5) for epoch in (4, 5)):
            fail(f"`lr_epoch_5` is {rate:.4g}, the schedule at step 4 or 5: a schedule counts optimizer "
                 "steps, not epochs. The 5th epoch starts after 4 * steps_per_epoch steps: "
                 "schedule(4 * steps_per_epoch).")
        fail(f"`lr_epoch_5` is {rate:.4g}, but during the 5th epoch the rate is {want:.4g}: evaluate the "
             "schedule at a step of that epoch, e.g. float(schedule(4 * steps_per_epoch)).")
    # The rate the optimizer actually uses at every step of epoch 5, read from an optimizer built on
    # the learner's schedule. Keras computes it in float32, so a number typed in (or computed in
    # Python's float64) differs from it in the 8th significant digit: only a value read from the
    # schedule or the optimizer is equal to it exactly.
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    used = set()
    for step in range(first_step, first_step + batches):
        optimizer.iterations.assign(step)
        used.add(float(optimizer.learning_rate))
    if len(used) != 1:
        fail(f"The optimizer's rate changes during epoch 5 ({min(used):.4g} to {max(used):.4g}): the schedule "
             "should stay constant between its drops (staircase=True).")
    if rate != used.pop():
        fail(f"`lr_epoch_5` is {rate!r}, close to but not exactly the rate the optimizer uses: Keras computes "
             "it in float32, so it is not a round number. Don't type it or work it out by hand: read it from "
             "your schedule at a step of the 5th epoch (call the schedule with that step), as the optimizer does.")
    print(f"Well done: {batches} steps per epoch, the rate halves every {period} steps ({epochs_per_halving} "
          f"epochs) and stays constant in between, and during epoch 5 it is {rate:.3g}.")
    return rate


# --- exercise 6: a finite loss at a high learning rate ----------------------------------------

def check_finite_at_high_rate(model, log, epochs: int = 2, batches_per_epoch: int = 20,
                              base_before: dict | None = None) -> float:
    """Exercise 6: fine-tune with plain SGD at 0.01 and a squared error, and keep every batch loss
    finite. ``log`` is the ``diagnostics.BatchLog`` passed to ``fit``; ``base_before`` (optional) is
    ``snapshot_weights(base)`` taken before ``fit``: then the base must be trainable (BatchNorm
    aside) and its convolutions must have moved. Returns the last batch loss."""
    model = require_model(model)
    if log is None:
        fail("`log` is still None: create `log = diagnostics.BatchLog()` and pass it to `fit` in `callbacks`.")
    if not hasattr(log, "losses"):
        fail(f"`log` should be a diagnostics.BatchLog that was passed to `fit`, not a {type(log).__name__}.")
    optimizer = getattr(model, "optimizer", None)
    if type(optimizer) is not keras.optimizers.SGD or not math.isclose(
            float(optimizer.learning_rate), 0.01, rel_tol=1e-5):
        fail("Keep plain SGD at a learning rate of 0.01 (`keras.optimizers.SGD(learning_rate=0.01, ...)`): "
             "the exercise is to make that rate survive, not to lower it or to change the optimizer.")
    if float(optimizer.momentum) != 0 or optimizer.nesterov:
        fail("Keep plain SGD, without momentum: momentum makes the steps larger, and the exercise is about "
             "the rate of 0.01 itself.")
    if base_before is not None:
        base = require_base(model, "Your model does not contain the pretrained `base` from the set-up cell: put it "
                            "first, then the head.")
        after = require_same_base(base, base_before, "The base in your model is not the one from the set-up cell: "
                                  "use `base`, don't load a new one.")
        require_unfrozen(base, ": the exercise fine-tunes the whole network, where the rate of 0.01 is too high. A "
                         "frozen base avoids the problem instead of fixing it: re-run the set-up cell, keep the base "
                         "trainable, and fix the blow-up on the optimizer or between base and head.",
                         first="The base is frozen")
        bn_paths = {w.path for l in base.layers if isinstance(l, keras.layers.BatchNormalization) for w in l.weights}
        moved = max((c for path, c in weight_change(base_before, after).items() if path not in bn_paths), default=0.0)
        if moved == 0:
            fail("Not one weight of the base's convolutions moved during `fit`: the exercise fine-tunes the "
                 "whole network. Keep the base trainable, compile after building the model, then fit.")
    first_bad = log.first_nonfinite_batch
    if first_bad is not None:
        fail(f"The loss became inf or NaN at batch {first_bad}. Clip the gradients (`clipnorm=1.0` on the "
             "optimizer) or normalise the features (a `keras.layers.LayerNormalization()` between the base "
             "and the head), then re-run the set-up cell and this exercise.")
    expected = epochs * batches_per_epoch
    if len(log.losses) != expected:
        fail(f"`log` recorded {len(log.losses)} batches, expected {expected}: fit for {epochs} epochs with "
             "the BatchLog in `callbacks`, on batches of 10.")
    last_epoch = float(np.mean(log.losses[-batches_per_epoch:]))
    if not last_epoch < log.losses[0]:
        fail(f"The loss did not fall (first batch {log.losses[0]:.3g}, last epoch's mean {last_epoch:.3g}): "
             "check that the head is a Dense(1) on the base and that the target is the digit's value.")
    print(f"Well done: {expected} batches at SGD 0.01, every loss finite; the loss fell from "
          f"{log.losses[0]:.3g} to {last_epoch:.3g} (last epoch's mean).")
    return log.losses[-1]


# --- exercise 6b: a rate read off the range test ----------------------------------------------

def check_chosen_rate(model, range_test, chosen_lr, train_data, val_data, epochs: int = 3) -> float:
    """Exercise 6b, the range test: ``model`` is compiled for the new setting, ``range_test`` the
    :class:`~finetune_course.lr_finder.LRRangeTest` run on it, ``chosen_lr`` the rate read off its curve. The rate must lie in
    the working range the test measured: well below where the loss blew up, and high enough that a
    copy of ``model`` trained at it for ``epochs`` epochs keeps its loss finite and at least halves
    the validation loss. ``model`` is not touched. Returns the validation loss."""
    model = require_model(model)
    if range_test is None:
        fail("`range_test` is still None: run the range test on your compiled model (the cell above).")
    if chosen_lr is None:
        fail("`chosen_lr` is still None: read a learning rate off the range test's curve.")
    if not isinstance(range_test, lr_finder.LRRangeTest) or not getattr(range_test, "rates", None):
        fail("`range_test` should be what lr_finder.lr_range_test(...) returned for your model.")
    if not isinstance(chosen_lr, (int, float, np.floating)) or not 0 < float(chosen_lr) < math.inf:
        fail(f"`chosen_lr` should be a positive number, got {chosen_lr!r}.")
    chosen_lr = float(chosen_lr)
    optimizer = model.optimizer
    if type(optimizer) is not keras.optimizers.SGD or not math.isclose(float(optimizer.momentum), 0.9):
        fail("The new setting trains with SGD and momentum 0.9 (keras.optimizers.SGD(learning_rate=..., momentum=0.9)): "
             "compile the model with it, then run the range test again.")
    trainable = [layer.name for layer in lr_finder.all_layers(model) if layer.trainable and layer.weights
                 and not isinstance(layer, keras.Model)]
    if model.output_shape[-1] != 10 or trainable != [model.layers[-1].name]:
        fail("The new setting is the pretrained base, frozen, with a new Dense(10) head on top: only the head "
             f"should be trainable (trainable now: {', '.join(trainable) or 'nothing'}). Build it, compile, and "
             "run the range test again.")
    blew_up = range_test.rates[-1]
    if chosen_lr >= blew_up / 3:
        fail(f"{chosen_lr:.3g} is too close to where the loss blew up ({blew_up:.3g}): any noise in the "
             "gradients will tip it over. Pick a rate on the falling part of the curve, well below the blow-up.")
    copy = lr_finder.compiled_copy(model, chosen_lr)
    start = float(copy.evaluate(val_data, verbose=0))
    history = copy.fit(train_data, validation_data=val_data, epochs=epochs, shuffle=False, verbose=0)
    val_loss = history.history["val_loss"][-1]
    if not all(math.isfinite(v) for v in history.history["loss"] + [val_loss]):
        fail(f"Training at {chosen_lr:.3g} produced a NaN or infinite loss: pick a lower rate from the curve.")
    if not val_loss < start / 2:
        fail(f"At {chosen_lr:.3g} the validation loss only went from {start:.3f} to {val_loss:.3f} in {epochs} epochs: "
             "too slow (a good rate at least halves it). Pick a rate where the range test's loss is falling "
             "steeply, not where it is still flat.")
    print(f"{chosen_lr:.3g} is in the working range (the loss blew up at {blew_up:.3g}); trained at it for "
          f"{epochs} epochs, the validation loss went from {start:.3f} to {val_loss:.3f}.")
    return val_loss


# --- exercise 7: early stopping ---------------------------------------------------------------

def check_early_stopping(model, history, early_stopping, val: Split, initial_epoch: int | None = None,
                         tune_epochs: int | None = None) -> float:
    """Exercise 7: a fine-tuning run stopped by ``early_stopping``, an ``EarlyStopping`` that watches
    the validation loss and gives back the best epoch's weights. ``val`` is the validation split
    ``history`` was validated on. With ``initial_epoch`` (the epochs phase 1 ran), the run must
    continue phase 1's epoch count and be allowed ``tune_epochs`` epochs. The restored weights are
    measured: the validation loss of ``model`` must equal the lowest of ``history`` to 1e-5.
    Returns the validation loss of ``model``."""
    from ..recipes import cross_entropy

    if early_stopping is None:
        fail("`early_stopping` is still None: create it with `keras.callbacks.EarlyStopping(...)` in the "
             "exercise cell above and pass it to the fine-tuning run in `callbacks=[early_stopping]`.")
    model = require_model(model)
    if history is None:
        fail("`history` is still None: keep what the fine-tuning `model.fit(...)` returns, "
             "e.g. `history = model.fit(...)`.")
    if not isinstance(history, keras.callbacks.History):
        fail(f"`history` should be what `model.fit(...)` returns (a History), not a {type(history).__name__}.")
    values = history.history
    params = getattr(history, "params", None) or {}
    if not values.get("loss"):
        if initial_epoch is not None and params.get("epochs", 0) <= initial_epoch:
            fail(f"The fine-tuning run trained no epoch: `fit` was given epochs={params.get('epochs')}, "
                 f"not more than initial_epoch={initial_epoch}. With `initial_epoch`, `epochs` is the epoch "
                 "to stop at, not how many to run.")
        fail("`history` holds no training epochs: call `model.fit(...)` with epochs >= 1.")
    if not isinstance(early_stopping, keras.callbacks.EarlyStopping):
        fail(f"`early_stopping` should be a keras.callbacks.EarlyStopping, not a {type(early_stopping).__name__}.")
    if not values.get("val_loss"):
        fail("`history` has no `val_loss`: the run was not validated. Pass the validation images to `fit` "
             "(`validation_data=...`), so that the validation loss is measured after every epoch.")
    if early_stopping.monitor != "val_loss":
        fail(f"`early_stopping` watches {early_stopping.monitor!r}. While the model overfits, the training loss "
             "keeps falling, so it hardly ever stops the run and its 'best' epoch is the most overfitted one: "
             'use monitor="val_loss", which only data the model does not train on can give.')
    if getattr(early_stopping, "best", None) is None:
        fail("`early_stopping` saw no epoch: pass it to the fine-tuning run, "
             "`model.fit(..., callbacks=[early_stopping])`, and keep what that call returns.")
    if initial_epoch is not None:   # phase 2 of a two-phase run: the base must have been fine-tuned
        base = require_base(model, "`model` no longer contains the pretrained base: fine-tune the `model` "
                            "from phase 1.")
        require_unfrozen(base, ": phase 2 fine-tunes it. Set `base.trainable = True`, keep BatchNorm frozen, "
                         "compile again, then fit.")
        try:
            stale = trainability_changed_since_compile(model)
        except ValueError:
            stale = {"unfrozen_not_training": ["?"]}
        if stale["unfrozen_not_training"]:
            fail("You unfroze the base but did not compile the model again, so `fit` reused phase 1's train "
                 "step and trained only the head: compile after changing `trainable`, then fit (lesson 2).")
        first = (getattr(history, "epoch", None) or [0])[0]
        if first != initial_epoch:
            fail(f"The fine-tuning epochs are numbered from {first}, but phase 1 already ran "
                 f"{initial_epoch} epochs (0 to {initial_epoch - 1}): continue its count by passing "
                 "`initial_epoch` to `fit`, so that both phases share one epoch axis and "
                 "EarlyStopping's `best_epoch` is an epoch of the whole run.")
        if tune_epochs is not None and params.get("epochs") != initial_epoch + tune_epochs:
            fail(f"`fit` was given epochs={params.get('epochs')}: with initial_epoch={initial_epoch}, "
                 "`epochs` is the epoch to stop at, not how many to run. Allow the fine-tuning run "
                 f"{tune_epochs} epochs after phase 1.")
    val_losses = values["val_loss"]
    epochs = list(getattr(history, "epoch", None) or range(len(val_losses)))
    best_index = int(np.argmin(val_losses))
    best_epoch = epochs[best_index]
    best = float(val_losses[best_index])
    measured = cross_entropy(model, val)
    restored = math.isclose(measured, best, rel_tol=1e-5, abs_tol=0)
    if not early_stopping.restore_best_weights:
        fail(f"`model` holds the weights of the last epoch (validation loss {measured:.4f}), not those of the "
             f"best epoch ({best_epoch}, validation loss {best:.4f}): EarlyStopping keeps the last weights "
             "unless you ask for the best ones: see its `restore_best_weights` argument.")
    if not restored:
        fail(f"The validation loss of `model` is {measured:.4f}, but the best epoch of `history` reached "
             f"{best:.4f}: keep the model and the history of the same fine-tuning run, the one "
             "`early_stopping` was passed to, and evaluate nothing else in between.")
    print(f"Well done: EarlyStopping watched val_loss, the run ended after {len(val_losses)} epochs (epochs "
          f"{epochs[0]} to {epochs[-1]}), and `model` holds the best epoch's weights (epoch "
          f"{best_epoch}, validation loss {measured:.3f}, the lowest of the run to 1e-5).")
    return measured


# --- exercise 8: per-layer learning rates -----------------------------------------------------

def _layer_group(path: str) -> str:
    """'head' or 'block2' for a variable path like 'classifier/pretrained_base/block2_conv1/kernel'."""
    layer = path.split("/")[-2]
    return layer.split("_")[0]


def check_per_layer_rates(optimizer, model, learning_rate: float = 1e-3, decay: float = 2.6,
                          seed: int = 0) -> dict[str, float]:
    """Exercise 8: ``model`` compiled with an optimizer that gives the head ``learning_rate`` and each
    block of the base ``decay`` times less than the group above it, each group under Adam.

    Measured, not read from the optimizer: one training step on a batch of random images, then the
    largest change of any weight in each group, which after Adam's first step is that group's rate
    (lesson 8). The model's weights are put back afterwards. Returns ``{group: measured step}``."""
    if optimizer is None:
        fail("`optimizer` is still None: build it with `keras.optimizers.MultiOptimizer(...)` in the exercise "
             "cell above and compile `model` with it, then run this cell again.")
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        fail(f"`optimizer` should be a Keras optimizer (a keras.optimizers.MultiOptimizer), not a "
             f"{type(optimizer).__name__}.")
    model = require_model(model)
    if not getattr(model, "compiled", False) or model.optimizer is not optimizer:
        fail("`model` is not compiled with your `optimizer`: call `model.compile(optimizer=optimizer, loss=...)` "
             "in the exercise cell, then run this cell again.")
    if int(optimizer.iterations) != 0:
        fail(f"Your optimizer has already taken {int(optimizer.iterations)} steps, and this check measures "
             "the first one: re-run the exercise cell (it builds fresh optimizers and compiles again), then "
             "this cell once.")
    before = snapshot_weights(model)
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(10, *model.input_shape[1:])).astype("float32")
    y = np.arange(10) % model.output_shape[-1]
    try:
        model.train_on_batch(x, y)
    except Exception as error:   # noqa: BLE001 - the learner's code failed: say so in one sentence
        first_line = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        if "supports Adam only" in first_line:   # Keras 3.13-3.14's stand-in refuses others while stepping
            fail("Some groups are trained by another optimizer, not Adam: the task asks for an Adam per group "
                 "(after Adam's first step a weight moves by its rate; other optimizers move by rate x gradient).")
        fail(f"One training step with your compiled model failed ({type(error).__name__}: {first_line}). "
             "Does the function you give MultiOptimizer return an optimizer for every trainable variable, "
             "the head's included?")
    changes = weight_change(before, snapshot_weights(model))
    for variable in model.weights:   # put the weights back: the check only measures
        variable.assign(before[variable.path])
    try:
        others = sorted({type(o).__name__ for o in getattr(optimizer, "optimizers", None) or []
                         if not isinstance(o, keras.optimizers.Adam)})
    except TypeError:
        others = []
    if others:
        fail(f"Some groups are trained by {', '.join(others)}, not Adam: the task asks for an Adam per group "
             "(after Adam's first step a weight moves by its rate; other optimizers move by rate x gradient).")
    trainable = {v.path for v in model.trainable_variables}
    groups: dict[str, float] = {}
    for path, change in changes.items():
        if path in trainable:
            group = _layer_group(path)
            groups[group] = max(groups.get(group, 0.0), change)
    blocks = sorted(g for g in groups if g.startswith("block"))
    if "head" not in groups or not blocks:
        fail("Either the head or the base is not trainable: keep the base unfrozen (BatchNorm frozen, "
             "as the set-up cell left it) and compile the model with your optimizer.")
    order = blocks + ["head"]
    measured = ", ".join(f"{g} {groups[g]:.3g}" for g in order)
    expected = {g: learning_rate / decay ** (len(order) - 1 - i) for i, g in enumerate(order)}
    if all(math.isclose(groups[g], groups["head"], rel_tol=1e-3) for g in order):
        fail(f"After one Adam step every group moved by the same amount ({groups['head']:.3g}): all of them "
             "train at one rate. Give each block its own optimizer with its own learning rate, and let the "
             "function you pass to MultiOptimizer pick it from the variable's path.")
    if any(groups[a] > groups[b] * (1 + 1e-3) for a, b in zip(order, order[1:])):
        fail(f"Lower groups should learn more slowly, but the largest changes after one step were: {measured}. "
             f"Going down from the head, divide the rate by {decay} once more for each block.")
    for group in order:
        if not math.isclose(groups[group], expected[group], rel_tol=2e-3):
            fail(f"After one step the largest change in {group} was {groups[group]:.3g}, but it should be "
                 f"{expected[group]:.3g} (all groups: {measured}). Is every group's optimizer an Adam at the "
                 f"rate the task gives it? After Adam's first step a weight moves by its rate; other "
                 "optimizers move by rate x gradient.")
    print(f"Well done: measured after one Adam step, the largest weight change per group: {measured}; "
          f"each block {decay} times slower than the group above it.")
    return groups


# --- exercise 8b: LoRA ------------------------------------------------------------------------

def check_lora_top_block(model, merged, rank, before: dict, val: Split, frozen_val_loss: float,
                         block: str = "block3") -> float:
    """Exercise 8b: LoRA of rank ``rank`` on the convolutions of the base's top ``block`` only,
    trained after the head (phase 1, snapshot ``before``), and ``merged``, a model without LoRA
    that predicts what ``model`` predicts.

    Judged by behaviour: which layers have LoRA, which weights moved since ``before`` (the
    original kernels and BatchNorm must not; the LoRA factors must), the validation loss against
    the frozen model's, and ``merged``'s predictions. Returns the validation loss."""
    if rank is None:
        fail("`RANK` is still None: choose a rank (a small positive integer such as 4) in the exercise cell "
             "above, enable LoRA with it, then run this cell again.")
    model = require_model(model)
    base = get_base(model)
    convolutions = [layer for layer in base.layers if isinstance(layer, keras.layers.Conv2D)]
    top = [layer for layer in convolutions if layer.name.startswith(f"{block}_")]
    with_lora = [layer for layer in convolutions if getattr(layer, "lora_enabled", False)]
    if not with_lora:
        if any(getattr(layer, "lora_rank", None) for layer in convolutions):
            fail("No layer has LoRA enabled: setting `lora_rank` on a layer that is already built does not add "
                 "the factors. Call `layer.enable_lora(RANK)` on each convolution of the top block.")
        fail(f"No layer of the base has LoRA enabled: call `layer.enable_lora(RANK)` on each convolution of "
             f"{block} ({', '.join(layer.name for layer in top)}).")
    outside = [layer.name for layer in with_lora if layer not in top]
    if outside:
        fail(f"LoRA is enabled on {', '.join(outside)}: only the top block's convolutions ({block}) should get it; "
             "the lower blocks stay frozen, as when you unfreeze only the last layers (lesson 4).")
    missing = [layer.name for layer in top if layer not in with_lora]
    if missing:
        fail(f"{', '.join(missing)} has no LoRA: enable it on every convolution of {block}.")
    ranks = sorted({int(layer.lora_rank) for layer in with_lora})
    if ranks != [rank]:
        fail(f"Your LoRA layers have rank {', '.join(map(str, ranks))}, but `RANK` is {rank!r}: enable LoRA "
             "with `RANK`, so that the two agree.")
    now = snapshot_weights(base)
    if not isinstance(before, dict) or not any(path in before for path in now):
        raise TypeError("`before` must be a snapshot of the model's weights taken before phase 2 (set-up cell).")
    moved = {path: float(np.max(np.abs(now[path] - before[path]))) for path in now if path in before}
    kernels = [f"{layer.name}/kernel" for layer in convolutions]
    moved_top = [path.split("/")[0] for path in kernels if moved.get(path, 0) > 0 and path.startswith(block)]
    if moved_top:
        fail(f"The original kernel of {', '.join(moved_top)} moved, but LoRA should leave it frozen and train only "
             "the factors beside it. `enable_lora` freezes the kernel; setting `trainable = True` on the layer or "
             "on the base afterwards unfreezes it again: unfreeze first, then enable LoRA.")
    moved_lower = [path.split("/")[0] for path in kernels if moved.get(path, 0) > 0]
    if moved_lower:
        fail(f"{', '.join(moved_lower)} moved: only the top block should adapt. Keep the layers of the lower blocks "
             "frozen (`layer.trainable = False`).")
    batchnorm = sorted({path.split("/")[0] for path, change in moved.items() if change > 0 and "_bn" in path})
    if batchnorm:
        fail(f"BatchNormalization layers changed ({', '.join(batchnorm)}): keep them frozen, so that they keep "
             "their pretrained statistics (lesson 4).")
    factors = [w for layer in with_lora for w in (layer.lora_kernel_a, layer.lora_kernel_b)]
    if not any(np.any(keras.ops.convert_to_numpy(layer.lora_kernel_b)) for layer in with_lora):   # B starts at 0
        if not any(w.trainable for w in factors):
            fail("The LoRA factors are not trainable: `enable_lora` on a frozen layer adds frozen factors. Unfreeze "
                 "the top block's convolutions first (keeping every other layer frozen), then enable LoRA, "
                 "compile and fit.")
        fail("The LoRA factors did not move during training: Keras reads which variables train at the first "
             "`fit` after `compile` (lesson 2), and the factors were added after the model was compiled. Call "
             "`model.compile(...)` again after enabling LoRA, then fit.")
    logits = keras.ops.convert_to_numpy(model(val.x, training=False))
    val_loss = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(val.y, logits))
    if not np.isfinite(val_loss) or val_loss >= frozen_val_loss:
        fail(f"With LoRA the validation loss is {val_loss:.3f}, not below the frozen model's {frozen_val_loss:.3f}: "
             "train for the epochs the task gives, at the fine-tuning rate (10x lower than the head's).")
    if merged is None:
        fail("`merged` is still None: write the LoRA model's weights to a file, load them into `plain` "
             "and set `merged` to it, then run this cell again.")
    merged = require_model(merged, "merged")
    still = [layer.name for layer in (with_lora if merged is model else lora_layers(merged))]
    if still:
        fail(f"`merged` still has LoRA enabled ({', '.join(still)}): it should be a model without "
             "LoRA, with the merged kernels. Load the LoRA model's weights into the architecture built without "
             "it (`plain`).")
    difference = float(np.max(np.abs(keras.ops.convert_to_numpy(merged(val.x, training=False)) - logits)))
    if difference > 1e-4:
        fail(f"`merged` predicts differently from your LoRA model (logits differ by up to {difference:.3g}): "
             "save the LoRA model's weights (`model.save_weights(...)`) and load that file into `plain` "
             "(`plain.load_weights(...)`).")
    parameters = sum(int(np.prod(w.shape)) for w in factors)
    print(f"Well done: LoRA of rank {rank} on {', '.join(layer.name for layer in with_lora)} ({parameters:,} factor "
          f"weights) lowered the validation loss from {frozen_val_loss:.3f} to {val_loss:.3f}; the original kernels "
          f"and BatchNorm did not move, and `merged`, without LoRA, predicts the same (largest difference "
          f"{difference:.1e}).")
    return val_loss
