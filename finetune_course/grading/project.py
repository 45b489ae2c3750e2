"""The final project: the whole recipe on a folder of images, written by the learner alone.

The project's folders are written by :func:`finetune_course.images.write_task_folders` (the
target task's digits as PNG files, one folder per split and one sub-folder per digit, as a project
of your own would be laid out); :func:`check_project` checks the learner's model by what it did,
not by how its variables are named.
"""
from __future__ import annotations

import keras
import numpy as np

from ..data import TARGET_CLASSES, Split
from ..model import get_base
from ..trainability import weight_change
from .guards import fail, require_history, require_model

def _split_of(dataset) -> Split:
    xs, ys = zip(*[(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y)) for x, y in dataset])
    join = np.stack if np.ndim(xs[0]) == 3 else np.concatenate   # single images, or batches
    return Split(join(xs).astype("float32"), join(ys).astype("int64"))


def _base_inputs(model, base, x):
    """What reaches ``base`` when ``model`` sees ``x``: ``x`` after the layers before the base (a
    Rescaling layer, for example), so that scaling in the model and in the pipeline are judged alike."""
    if isinstance(model, keras.Sequential):
        for layer in model.layers:
            if layer is base:
                return x
            x = layer(x, training=False)
        return x
    for node in getattr(base, "_inbound_nodes", []):   # a functional model: the tensor the base is called on
        try:
            inputs = keras.Model(model.inputs[0] if len(model.inputs) == 1 else model.inputs, node.input_tensors[0])
            return keras.ops.convert_to_numpy(inputs(x, training=False))
        except Exception:   # a node of another graph (the base's own): try the next
            continue
    return x


def _fine_tuning_rate(optimizer) -> float | None:
    """The largest learning rate ``optimizer`` used: its rate, or its schedule's largest value over the
    steps it took."""
    schedule = getattr(optimizer, "_learning_rate", None)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        steps = int(optimizer.iterations)
        return max(float(schedule(step)) for step in np.linspace(0, max(steps, 1), 50).astype(int))
    try:
        return float(optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return None


def check_project(model, phase1, history, early_stopping, test_accuracy, base_before: dict, val_data,
                  test_data, frozen_blocks: tuple[int, ...] = (1, 2), head_rate: float = 1e-2,
                  min_val_accuracy: float = 0.8) -> float:
    """The final project: a frozen-base head (``phase1``, the History of its fit), then only block 3
    fine-tuned with BatchNorm kept frozen at a rate about 10x below the head's ``head_rate``
    (``history``), numbered on from phase 1, early-stopped on the validation folder with the best
    weights restored, and the test folder read once. ``base_before`` is the pretrained base's
    ``snapshot_weights``; ``val_data`` and ``test_data`` are the learner's validation and test
    datasets, scaled in the pipeline or not: what is judged is what reaches the base (pixels in
    [0, 1], as it was pretrained), so scaling inside the model (``keras.layers.Rescaling``) passes
    as well. Returns the validation accuracy."""
    model = require_model(model)
    if phase1 is None:
        fail("`phase1` is still None: keep what phase 1's `model.fit(...)` returns, e.g. `phase1 = model.fit(...)`.")
    require_history(phase1)
    epochs = require_history(history)
    if phase1 is history:
        fail("`phase1` and `history` are the same History: keep phase 1's fit in `phase1` and phase 2's in `history`.")
    if early_stopping is None:
        fail("`early_stopping` is still None: create the keras.callbacks.EarlyStopping you pass to phase 2's fit.")
    if test_accuracy is None:
        fail("`test_accuracy` is still None: evaluate the final model once on the test folder.")
    try:
        base = get_base(model)
    except ValueError:
        fail("Your model does not contain the pretrained base: build it as keras.Sequential([base, <new head>]) "
             "(with a keras.layers.Rescaling in front of the base if you scale inside the model).")
    val = _split_of(val_data)
    seen = keras.ops.convert_to_numpy(_base_inputs(model, base, val.x))
    if seen.max() > 1.5:
        fail(f"The base receives pixels up to {seen.max():.0f}: it was pretrained on pixels in [0, 1], so divide "
             "the images by 255, in the pipeline (a .map on each dataset) or in the model "
             "(keras.layers.Rescaling(1/255) before the base), once.")
    if seen.max() < 0.1:
        fail(f"The base receives pixels no larger than {seen.max():.4f}: the images were divided by 255 more "
             "than once (in the pipeline and in the model?). Scale them to [0, 1] once.")
    outputs = keras.ops.convert_to_numpy(model(val.x, training=False))
    if outputs.shape[-1] != len(TARGET_CLASSES):
        fail(f"Your model has {outputs.shape[-1]} outputs; the digits need {len(TARGET_CLASSES)}.")
    if np.all(outputs >= 0) and np.allclose(outputs.sum(axis=-1), 1.0, atol=1e-4):
        fail("Your head outputs probabilities (softmax) while the loss expects logits: drop the activation "
             "of the last Dense layer, or the loss's from_logits must match what the head returns.")
    changes = weight_change(base_before, base)
    norm_moved = [p for p, c in changes.items() if "_bn" in p and c > 0]
    if norm_moved:
        fail("Your BatchNormalization layers changed during fine-tuning (their statistics or scale): after "
             "unfreezing, set every BatchNormalization layer's trainable to False, then compile again.")
    early = [p for p, c in changes.items() if any(f"block{b}_" in p for b in frozen_blocks) and c > 0]
    if early:
        fail(f"Layers below block 3 moved ({early[0].split('/')[0]}, ...): unfreeze only the top layers of the "
             "base (block 3), keep the rest frozen, then compile again.")
    top = [p for p, c in changes.items() if "block3_conv" in p and c > 0]
    if not top:
        fail("Block 3 of the base did not move: phase 2 trained only the head. After changing `trainable`, "
             "call model.compile(...) again before fit (lesson 2).")
    rate = _fine_tuning_rate(getattr(model, "optimizer", None))
    if rate is not None and rate > head_rate / 3:
        fail(f"Phase 2 was compiled at a learning rate of {rate:g}, against the head's {head_rate:g}: at the head's "
             "rate the base forgets what it learned (lesson 3). Fine-tune about 10x lower than the head's rate.")
    if rate is not None and rate < head_rate / 1000:
        fail(f"Phase 2 was compiled at a learning rate of {rate:g}, over 1000x below the head's {head_rate:g}: at "
             "that rate the base barely moves. Fine-tune about 10x lower than the head's rate (lesson 3).")
    if "val_loss" not in phase1.history:
        fail("Phase 1 did not validate: pass validation_data=val to its fit as well, so both phases show one curve.")
    if min(history.epoch) == 0:
        fail("Phase 2's epochs are numbered from 0: continue phase 1's count with fit(..., initial_epoch=<epochs "
             "of phase 1>, epochs=<the epoch to stop at>), so the callbacks and the curves see one run.")
    phase1_epochs = max(phase1.epoch) + 1
    if min(history.epoch) != phase1_epochs:
        fail(f"Phase 2 starts at epoch {min(history.epoch)}, but phase 1 ran {phase1_epochs} epoch(s) (numbered 0 "
             f"to {phase1_epochs - 1}): initial_epoch must be the number of epochs phase 1 actually ran, so the "
             "count continues where it stopped.")
    if not isinstance(early_stopping, keras.callbacks.EarlyStopping):
        fail("`early_stopping` should be a keras.callbacks.EarlyStopping.")
    if early_stopping.monitor != "val_loss":
        fail(f"Your EarlyStopping watches {early_stopping.monitor!r}: the training loss keeps falling while the "
             "model overfits, so watch the validation loss (monitor=\"val_loss\").")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    val_loss = float(loss(val.y, outputs))
    best = min(epochs["val_loss"])
    test = _split_of(test_data)
    test_outputs = keras.ops.convert_to_numpy(model(test.x, training=False))
    if not np.isclose(val_loss, best, rtol=1e-4, atol=1e-5):
        if np.isclose(float(loss(test.y, test_outputs)), best, rtol=1e-4, atol=1e-5):
            fail("Phase 2's `val_loss` is the loss on the test folder: early stopping chose its epoch by looking "
                 "at the test set, so the test accuracy is no longer an honest estimate. Validate on `val` "
                 "(validation_data=val) and read `test` once, at the end.")
    if not np.isclose(val_loss, best, rtol=1e-4, atol=1e-5) or not early_stopping.restore_best_weights:
        fail(f"The final model's validation loss is {val_loss:.4f}, but the best epoch reached {best:.4f}: ask "
             "EarlyStopping to put the best epoch's weights back when it stops (and pass it to phase 2's fit, "
             "validating on `val`).")
    val_accuracy = float(np.mean(np.argmax(outputs, axis=-1) == val.y))
    if val_accuracy < min_val_accuracy:
        fail(f"Validation accuracy is {val_accuracy:.3f}, below {min_val_accuracy}: check the learning rates "
             "(the head's about 10x the fine-tuning rate) and that phase 1 trained the head first.")
    measured = float(np.mean(np.argmax(test_outputs, axis=-1) == test.y))
    if not np.isclose(float(test_accuracy), measured, atol=1e-6):
        fail(f"`test_accuracy` is {float(test_accuracy):.4f}, but the final model scores {measured:.4f} on the "
             "test folder: set it from model.evaluate(test, return_dict=True)[\"accuracy\"] after training.")
    at_rate = "" if rate is None else f" at {rate:g} (the head at {head_rate:g})"
    print(f"Recipe verified: block 3 fine-tuned with BatchNorm frozen{at_rate}, best "
          f"epoch restored (validation loss {val_loss:.3f}, accuracy {val_accuracy:.3f}); test accuracy {measured:.3f}.")
    return val_accuracy
