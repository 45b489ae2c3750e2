"""What every check asks first: that the learner's variables hold what the exercise asked for.

A failed guard raises :class:`ExerciseCheckError` (an ``AssertionError``, so nbgrader counts the
graded cell as failed) with a message written for the learner; the checks in
:mod:`.checks` and :mod:`.project` and the quiz (:mod:`.quiz`) fail the same way.
"""
from __future__ import annotations

import keras
import numpy as np

from ..model import get_base
from ..trainability import snapshot_weights


class ExerciseCheckError(AssertionError):
    """Raised by a check; the message tells the learner what to change."""


def fail(message: str) -> None:
    raise ExerciseCheckError(message)


def require_model(model, name: str = "model") -> keras.Model:
    if model is None:
        fail(f"`{name}` is still None: build it in the exercise cell above, then run this cell again.")
    if not isinstance(model, keras.Model):
        fail(f"`{name}` should be a keras.Model, but it is a {type(model).__name__}.")
    return model


def require_history(history) -> dict:
    if history is None:
        fail("`history` is still None: keep what `model.fit(...)` returns, e.g. `history = model.fit(...)`.")
    if not isinstance(history, keras.callbacks.History):
        fail(f"`history` should be what `model.fit(...)` returns (a History), not a {type(history).__name__}.")
    if not history.history.get("loss"):
        fail("`history` holds no training epochs: call `model.fit(...)` with epochs >= 1.")
    return history.history


def require_fitted(history, model, name: str = "model") -> dict:
    """``history`` must be what ``fit`` on ``model`` returned, with finite losses."""
    values = require_history(history)
    if history.model is not model:
        fail(f"`history` is not what `{name}.fit(...)` returned: it comes from training another model. "
             f"Train `{name}` itself with `{name}.fit(...)` and keep what that call returns.")
    if not all(np.isfinite(values["loss"])):
        fail("The training loss is not finite (inf or NaN): train at a lower learning rate.")
    return values


def require_base(model, missing: str) -> keras.Model:
    """The pretrained base inside ``model``; fails with ``missing`` when there is none."""
    try:
        return get_base(model)
    except ValueError:
        fail(missing)


def require_same_base(base, before: dict, replaced: str) -> dict:
    """``base``'s weights now, which must be those ``before`` was a snapshot of (by path); fails
    with ``replaced`` when the learner built or loaded another base."""
    after = snapshot_weights(base)
    if set(before) != set(after):
        fail(replaced)
    return after


def require_unfrozen(base, fix: str, first: str = "The base is still frozen") -> None:
    """``base`` must be trainable, with every layer that has weights trainable except
    BatchNormalization; fails with ``first``, an example layer, and ``fix``."""
    frozen = [layer.name for layer in base.layers if layer.weights and not layer.trainable
              and not isinstance(layer, keras.layers.BatchNormalization)]
    if not base.trainable or frozen:
        fail(first + (f" (e.g. layer {frozen[0]!r})" if frozen else "") + fix)
