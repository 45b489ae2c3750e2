"""Looking inside a training run: per-batch losses and update sizes, and the loss's curvature.

Lesson 6 uses these to find the batch where a loss turns NaN and to explain why it does.
"""
from __future__ import annotations

import math

import keras
import numpy as np


class BatchLog(keras.callbacks.Callback):
    """Records, for every training batch, the batch's own loss and the size of the update.

    * ``losses``: Keras reports ``logs["loss"]`` as the running mean over the epoch so far; the
      loss of batch k of an epoch is recovered as ``k * mean_k - (k - 1) * mean_(k-1)``.
    * ``update_norms``: the Euclidean norm of the change of all trainable weights in the batch.
      With plain SGD (no momentum) it is ``learning_rate * ||gradient||``.

    Needs ``steps_per_execution=1`` (the default), so that it sees every batch.
    """

    def on_train_begin(self, logs=None):
        if getattr(self.model, "steps_per_execution", 1) != 1:
            raise ValueError("BatchLog needs to see every batch: compile with steps_per_execution=1.")
        self.losses, self.update_norms = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._previous_mean = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._before = [np.array(v.numpy(), dtype=np.float64) for v in self.model.trainable_variables]

    def on_train_batch_end(self, batch, logs=None):
        mean = float(logs["loss"])
        with np.errstate(all="ignore"):
            self.losses.append((batch + 1) * mean - batch * self._previous_mean)
            squares = sum(float(np.sum((np.array(v.numpy(), dtype=np.float64) - b) ** 2))
                          for v, b in zip(self.model.trainable_variables, self._before))
        self.update_norms.append(math.sqrt(squares) if math.isfinite(squares) else math.inf)
        self._previous_mean = mean

    @property
    def first_nonfinite_batch(self) -> int | None:
        """Index (counted over the whole run) of the first batch whose loss is NaN or infinite."""
        return next((i for i, loss in enumerate(self.losses) if not math.isfinite(loss)), None)


def sharpness(model: keras.Model, x: np.ndarray, y: np.ndarray, loss: str = "mse",
              iterations: int = 10, seed: int = 0) -> float:
    """The largest eigenvalue of the Hessian of ``loss`` with respect to ``model``'s trainable
    weights, on ``(x, y)``, by power iteration with Hessian-vector products (TensorFlow backend).

    Gradient descent on a quadratic with this curvature diverges when
    ``learning_rate * sharpness > 2``: each step then multiplies the error along the top
    eigenvector by ``|1 - learning_rate * sharpness| > 1``.
    """
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError("sharpness() uses TensorFlow's GradientTape: run it with the TensorFlow backend.")
    if not model.trainable_variables:
        raise ValueError("The model has no trainable weights: the loss has no curvature to measure.")
    if not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}.")
    loss_fn = keras.losses.get(loss)
    variables = model.trainable_variables
    x, y = tf.constant(x), tf.constant(np.asarray(y, dtype="float32").reshape(len(x), -1))

    @tf.function
    def hessian_vector(vector):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                value = tf.reduce_mean(loss_fn(y, model(x, training=True)))
            grads = inner.gradient(value, variables)
            dot = tf.add_n([tf.reduce_sum(g * v) for g, v in zip(grads, vector)])
        return outer.gradient(dot, variables)

    rng = np.random.default_rng(seed)
    vector = [tf.constant(rng.normal(size=v.shape).astype("float32")) for v in variables]
    eigenvalue = 0.0
    for _ in range(iterations):
        norm = math.sqrt(sum(float(tf.reduce_sum(v * v)) for v in vector))
        vector = [v / norm for v in vector]
        product = hessian_vector(vector)
        eigenvalue = sum(float(tf.reduce_sum(p * v)) for p, v in zip(product, vector))
        vector = product
    return eigenvalue
