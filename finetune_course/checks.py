"""Feedback for the exercises: each check says what is wrong and how to fix it.

A failed check raises :class:`ExerciseCheckError` (an ``AssertionError``, so nbgrader
counts the graded cell as failed) whose message is written for the learner. A passing
check prints one line saying what was verified.
"""
from __future__ import annotations

import keras
import numpy as np

from .data import TARGET_CLASSES, Split
from .model import get_base
from .trainability import max_weight_change, snapshot_weights


class ExerciseCheckError(AssertionError):
    """Raised by a check; the message tells the learner what to change."""


def _fail(message: str) -> None:
    raise ExerciseCheckError(message)


def _require_model(model, name: str = "model") -> keras.Model:
    if model is None:
        _fail(f"`{name}` is still None: build it in the exercise cell above, then run this cell again.")
    if not isinstance(model, keras.Model):
        _fail(f"`{name}` should be a keras.Model, but it is a {type(model).__name__}.")
    return model


def _require_history(history) -> dict:
    if history is None:
        _fail("`history` is still None: keep what `model.fit(...)` returns, e.g. `history = model.fit(...)`.")
    if not isinstance(history, keras.callbacks.History):
        _fail(f"`history` should be what `model.fit(...)` returns (a History), not a {type(history).__name__}.")
    if not history.history.get("loss"):
        _fail("`history` holds no training epochs: call `model.fit(...)` with epochs >= 1.")
    return history.history


def check_frozen_feature_extractor(model, history, base_before: dict, test: Split,
                                   min_accuracy: float = 0.8) -> float:
    """Exercise 1: a frozen pretrained base with a new 10-class head, trained.

    ``base_before`` is ``snapshot_weights(base)`` taken before training. Returns the
    test accuracy.
    """
    model = _require_model(model)
    _require_history(history)
    try:
        base = get_base(model)
    except ValueError:
        _fail("Your model does not contain the pretrained base: put `base` (from "
              "`fc.load_pretrained_base()`) first, e.g. `keras.Sequential([base, <your head>])`.")
    if set(base_before) != set(snapshot_weights(base)):
        _fail("The base in your model is not the one the snapshot was taken of: use the `base` "
              "loaded in the set-up cell, don't load or build a new one.")
    trainable_layers = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    if base.trainable or trainable_layers:
        _fail("The base is still trainable" + (f" (e.g. layer {trainable_layers[0]!r})" if trainable_layers else "")
              + ": set `base.trainable = False` before `compile`, so that `fit` trains only the head.")
    moved = max_weight_change(base_before, snapshot_weights(base))
    if moved > 0:
        _fail(f"The base's weights changed during training (largest change {moved:.3g}): it was trainable "
              "when the model was compiled. Reload the base, set `base.trainable = False`, then compile "
              "and fit again.")
    outputs = model.output_shape[-1]
    if outputs != len(TARGET_CLASSES):
        _fail(f"The head has {outputs} outputs; the target task has {len(TARGET_CLASSES)} classes "
              "(the digits 0-9), so the last layer needs 10 units.")
    if not model.trainable_weights:
        _fail("Nothing in your model is trainable: the new head must be, only the base is frozen.")
    logits = model.predict(test.x, verbose=0, batch_size=512)
    accuracy = float(np.mean(np.argmax(logits, axis=-1) == test.y))
    if accuracy < min_accuracy:
        _fail(f"Test accuracy is {accuracy:.3f}, below {min_accuracy}: the head is undertrained. Train "
              "for more epochs or with a larger learning rate (the head alone can take 1e-2 with Adam), "
              "and check that the last layer outputs logits with a loss using from_logits=True (or "
              "softmax with from_logits=False).")
    print(f"Well done: the base is frozen and did not move, the head has 10 outputs, "
          f"test accuracy {accuracy:.2f}.")
    return accuracy
