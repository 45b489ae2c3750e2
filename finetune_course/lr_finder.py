"""A learning-rate range test for Keras (Smith 2017, "Cyclical learning rates"; fastai's ``lr_find``).

Keras has no learning-rate finder (keras-team/keras#8891). The test trains a *copy* of a compiled
model for a few hundred batches while the learning rate grows geometrically, one step per batch,
from ``min_lr`` to ``max_lr``, and records the loss of every batch. The loss first barely moves
(the rate is too small), then falls (the working range), then rises and blows up (the rate is too
large: lesson 6's NaN side). :class:`LRRangeTest` is the callback; :func:`lr_range_test` runs it on
a copy, so the model you pass in is left exactly as it was.
"""
from __future__ import annotations

import math

import keras
import numpy as np


class LRRangeTest(keras.callbacks.Callback):
    """Grow the learning rate from ``min_lr`` to ``max_lr`` over ``steps`` batches, geometrically,
    and record each batch's loss, smoothed as fastai does (an exponential moving average with
    ``smoothing``, bias-corrected). Training stops early once the smoothed loss exceeds both
    ``divergence`` times its minimum and its starting value (after the first tenth of the sweep),
    or a loss is NaN or infinite.

    After training: ``rates``, ``losses`` (raw, per batch) and ``smoothed``, one entry per batch;
    :meth:`suggestion`. Needs a float learning rate (not a schedule: the test sets the rate) and
    ``steps_per_execution=1`` (it must see every batch)."""

    def __init__(self, min_lr: float = 1e-6, max_lr: float = 1.0, steps: int = 100,
                 smoothing: float = 0.9, divergence: float = 4.0):
        super().__init__()
        for name, value in (("min_lr", min_lr), ("max_lr", max_lr)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < math.inf:
                raise ValueError(f"{name} must be a positive number, got {value!r}.")
        if min_lr >= max_lr:
            raise ValueError(f"min_lr ({min_lr:g}) must be below max_lr ({max_lr:g}): the test sweeps upwards.")
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
            raise ValueError(f"steps must be an integer of at least 2 batches, got {steps!r}.")
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}.")
        if not divergence > 1:
            raise ValueError(f"divergence must be above 1 (a multiple of the lowest loss), got {divergence!r}.")
        self.min_lr, self.max_lr, self.steps = float(min_lr), float(max_lr), steps
        self.smoothing, self.divergence = float(smoothing), float(divergence)
        self.factor = (self.max_lr / self.min_lr) ** (1.0 / (steps - 1))

    def rate_at(self, step: int) -> float:
        """The learning rate of batch ``step`` (0-based) of the sweep."""
        return self.min_lr * self.factor ** step

    def on_train_begin(self, logs=None):
        optimizer = self.model.optimizer
        if _has_schedule(optimizer):
            raise ValueError("The range test sets the learning rate itself, batch by batch: compile the model "
                             "with a float learning rate (e.g. Adam(1e-3)), not a schedule.")
        if getattr(self.model, "steps_per_execution", 1) != 1:
            raise ValueError("The range test must see every batch: compile with steps_per_execution=1.")
        self.rates, self.losses, self.smoothed = [], [], []
        self._average, self._previous_mean, self._step = 0.0, 0.0, 0
        optimizer.learning_rate = self.rate_at(0)

    def on_epoch_begin(self, epoch, logs=None):
        self._previous_mean, self._batch_in_epoch = 0.0, 0

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports the running mean of the epoch; recover this batch's own loss from it.
        mean = float(logs["loss"])
        with np.errstate(all="ignore"):
            loss = (batch + 1) * mean - batch * self._previous_mean
        self._previous_mean = mean
        self.rates.append(self.rate_at(self._step))
        self.losses.append(loss)
        if not math.isfinite(loss):
            self.smoothed.append(math.inf)
            self.model.stop_training = True
            return
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        smoothed = self._average / (1 - self.smoothing ** (self._step + 1))
        self.smoothed.append(smoothed)
        self._step += 1
        # Blown up: the smoothed loss is `divergence` times its lowest and above where it started. Not
        # during the smoothing's warm-up (the first tenth of the sweep): on a loss already near zero (a
        # trained head), one noisy batch can make it four times its minimum without any blow-up.
        blown_up = (self._step > self.steps // 10 and smoothed > self.divergence * min(self.smoothed)
                    and smoothed > self.smoothed[0])
        if blown_up or self._step >= self.steps:
            self.model.stop_training = True
        else:
            self.model.optimizer.learning_rate = self.rate_at(self._step)

    def suggestion(self) -> dict[str, float]:
        """Two common readings of the curve, both from the smoothed loss:

        * ``"steepest"``: the rate where the loss falls fastest per factor of rate (the most negative
          slope of the smoothed loss against log(rate)), looked for between the end of the smoothing's
          warm-up (the first tenth of the sweep) and the lowest loss; fastai's default in recent versions;
        * ``"min_over_10"``: the rate of the lowest smoothed loss, divided by 10 (fastai's older rule).
        """
        smoothed = np.asarray(self.smoothed, dtype=float)
        finite = np.flatnonzero(np.isfinite(smoothed))
        if len(finite) < 5:
            raise ValueError("The range test recorded fewer than 5 finite losses: start it at a smaller min_lr.")
        rates, values = np.asarray(self.rates)[finite], smoothed[finite]
        lowest = int(np.argmin(values))
        start = min(max(1, self.steps // 10), max(lowest - 1, 0))
        slopes = np.gradient(values, np.log(rates))
        steepest = start + int(np.argmin(slopes[start:lowest + 1]))
        return {"steepest": float(rates[steepest]), "min_over_10": float(rates[lowest] / 10)}


def _has_schedule(optimizer) -> bool:
    from .internals import compat

    return compat.has_learning_rate_schedule(optimizer)


def lr_range_test(model: keras.Model, data, min_lr: float = 1e-6, max_lr: float = 1.0, steps: int = 100,
                  **options) -> LRRangeTest:
    """Run :class:`LRRangeTest` on a copy of the compiled ``model`` (same layers, weights,
    ``trainable`` flags, loss and optimizer type), training on ``data`` (a ``tf.data.Dataset`` of
    batches, repeated as needed). ``model`` itself is not touched. Returns the callback."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a Keras model, got {type(model).__name__}.")
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise ValueError(f"Model {model.name!r} is not compiled: compile it with the loss and optimizer you "
                         "will train with (the test copies both), then run the range test.")
    test = LRRangeTest(min_lr, max_lr, steps, **options)   # bad arguments fail before any work
    if _has_schedule(model.optimizer):
        raise ValueError("The range test sets the learning rate itself, batch by batch: compile the model with "
                         "a float learning rate (e.g. Adam(1e-3)), not a schedule.")
    copy = compiled_copy(model, min_lr)
    copy.fit(data.repeat(), steps_per_epoch=steps, epochs=1, callbacks=[test], shuffle=False, verbose=0)
    return test


def compiled_copy(model: keras.Model, learning_rate: float) -> keras.Model:
    """A copy of compiled ``model``: same layers, weights and ``trainable`` flags, the same loss and
    optimizer type, at ``learning_rate``, with a fresh optimizer state. ``model`` is not touched."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for original, cloned in zip(all_layers(model), all_layers(copy)):
        cloned.trainable = original.trainable
    config = model.optimizer.get_config()
    config["learning_rate"] = learning_rate
    copy.compile(optimizer=type(model.optimizer).from_config(config), loss=model.loss)
    return copy


def all_layers(model: keras.Model) -> list:
    layers = []
    for layer in model.layers:
        layers.append(layer)
        if isinstance(layer, keras.Model):
            layers += all_layers(layer)
    return layers
