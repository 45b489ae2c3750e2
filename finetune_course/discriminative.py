"""Per-layer (discriminative) learning rates: a higher rate for the new head, lower ones for
pretrained layers, in one optimizer.

Keras 3.15 has ``keras.optimizers.MultiOptimizer`` (one optimizer per group of variables); the
Keras that Colab shipped in 2026 (3.13) does not. :class:`LayerwiseAdam` works on both: an Adam
whose learning rate is multiplied, per variable, by a factor chosen from the variable's path.

A trap when writing such an optimizer: on the TensorFlow backend ``update_step`` receives the
raw ``tf.Variable``, not the Keras variable the model holds, so looking variables up by
``id(variable)`` silently finds nothing and every variable gets the default rate. The factors
are therefore resolved once, in ``build`` (which does receive the Keras variables), and looked up
in ``update_step`` by the optimizer's own variable index, the one Adam uses for its moments.
"""
from __future__ import annotations

import keras

from .internals import compat

ULMFIT_DECAY = 2.6   # Howard & Ruder (2018): each lower layer group at the rate above / 2.6


def _layer_of(path: str, multipliers: dict[str, float]) -> str | None:
    parts = path.split("/")
    return next((name for name in multipliers if name in parts), None)


@keras.saving.register_keras_serializable(package="finetune_course")
class LayerwiseAdam(keras.optimizers.Adam):
    """Adam with a learning-rate multiplier per layer.

    ``multipliers`` maps layer names to factors: a variable whose path contains the layer's name
    as one of its ``/``-separated parts is updated at ``learning_rate * factor``; every other
    variable at ``learning_rate * default_multiplier``.
    """

    def __init__(self, learning_rate=1e-3, multipliers: dict[str, float] | None = None,
                 default_multiplier: float = 1.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        multipliers = dict(multipliers or {})
        for name, factor in multipliers.items():
            if not isinstance(name, str) or not isinstance(factor, (int, float)) or factor < 0:
                raise ValueError(f"multipliers must map layer names to non-negative numbers, got {name!r}: {factor!r}.")
        self.multipliers = {name: float(factor) for name, factor in multipliers.items()}
        self.default_multiplier = float(default_multiplier)

    def build(self, variables):
        super().build(variables)
        # One multiplier per variable, in a variable of the optimizer: the traced training step
        # reads it, so set_multipliers() changes the rates without tracing the step again. Its
        # initial value is passed as the initializer, since `fit` may build the optimizer in a
        # scope where assignments are not kept.
        initial = self._factors(self.multipliers, self.default_multiplier)
        self._multiplier_values = self.add_variable(
            shape=(len(variables),), initializer=lambda shape, dtype=None: keras.ops.convert_to_tensor(initial, "float32"),
            dtype="float32", name="lr_multipliers")

    def _factors(self, multipliers: dict[str, float], default_multiplier: float) -> list[float]:
        factors = []
        for variable in compat.optimizer_variables(self):
            layer = _layer_of(variable.path, multipliers)
            factors.append(default_multiplier if layer is None else multipliers[layer])
        return factors

    def set_multipliers(self, multipliers: dict[str, float], default_multiplier: float = 1.0) -> None:
        """Change the per-layer multipliers of a built optimizer (for the next steps)."""
        self.multipliers = {name: float(factor) for name, factor in multipliers.items()}
        self.default_multiplier = float(default_multiplier)
        self._multiplier_values.assign(self._factors(self.multipliers, self.default_multiplier))

    def factor_of(self, variable) -> float:
        """The multiplier this optimizer applies to ``variable`` (one it was built with)."""
        return float(self._multiplier_values.numpy()[compat.variable_index(self, variable)])

    def update_step(self, gradient, variable, learning_rate):
        factor = self._multiplier_values[compat.variable_index(self, variable)]
        super().update_step(gradient, variable, learning_rate * keras.ops.cast(factor, variable.dtype))

    def get_config(self):
        return {**super().get_config(), "multipliers": dict(self.multipliers),
                "default_multiplier": self.default_multiplier}


def _eager_float(value) -> float:
    """``float(value)`` for a variable's value, also while Keras builds an optimizer inside a traced
    function (TensorFlow's ``init_scope`` lifts the read out of the graph)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.init_scope():
            return float(value)
    return float(value)


class AdamMultiOptimizer(LayerwiseAdam):
    """A stand-in for ``keras.optimizers.MultiOptimizer(pick)`` on Keras 3.13 and 3.14, which lack it,
    for the one case the course uses: ``pick(variable)`` returns a ``keras.optimizers.Adam`` per
    variable (default betas and epsilon). Each variable is then updated as its Adam would update it,
    at that Adam's learning rate (a number, not a schedule). Built on :class:`LayerwiseAdam`."""

    def __init__(self, optimizer_map, **kwargs):
        if not callable(optimizer_map):
            raise ValueError("AdamMultiOptimizer takes a function that returns an Adam for each variable.")
        super().__init__(learning_rate=1.0, **kwargs)
        self.pick = optimizer_map

    def _factors(self, multipliers, default_multiplier):
        factors = []
        for variable in compat.optimizer_variables(self):
            chosen = self.pick(variable)
            if type(chosen) is not keras.optimizers.Adam:
                raise ValueError(f"AdamMultiOptimizer supports Adam only; got {type(chosen).__name__} for "
                                 f"{variable.path}. Upgrade Keras to 3.15 for keras.optimizers.MultiOptimizer.")
            if compat.has_learning_rate_schedule(chosen):
                raise ValueError("AdamMultiOptimizer needs each Adam's learning rate as a number, not a schedule.")
            factors.append(_eager_float(chosen.learning_rate))
        return factors


def base_multipliers(base: keras.Model, factor: float) -> dict[str, float]:
    """``{layer name: factor}`` for every layer of ``base`` that has weights."""
    return {layer.name: float(factor) for layer in base.layers if layer.weights}


def layerwise_decay(base: keras.Model, top_factor: float, decay: float = ULMFIT_DECAY,
                    group=lambda name: name.split("_")[0]) -> dict[str, float]:
    """ULMFiT's layer-wise decay: the top group of ``base`` at ``top_factor``, each group below at
    the factor of the group above divided by ``decay``. Groups are named by ``group(layer name)``
    (by default the block: ``block3_conv1`` -> ``block3``)."""
    if decay < 1:
        raise ValueError(f"decay should be at least 1 (lower layers learn more slowly), got {decay}.")
    order = []
    for layer in base.layers:
        if layer.weights and group(layer.name) not in order:
            order.append(group(layer.name))
    factors = {g: top_factor / decay ** (len(order) - 1 - i) for i, g in enumerate(order)}
    return {layer.name: factors[group(layer.name)] for layer in base.layers if layer.weights}


@keras.saving.register_keras_serializable(package="finetune_course")
class GradientScale(keras.layers.Layer):
    """Identity on the forward pass; multiplies the gradient flowing back through it by ``factor``.

    Put after a pretrained base, it scales the gradients of every base weight by ``factor``: the
    tempting way to "train the base 10x slower". It works with plain SGD, whose step is
    proportional to the gradient, and does nothing with Adam, whose step is not (lesson 8).
    """

    def __init__(self, factor: float, **kwargs):
        super().__init__(**kwargs)
        self.factor = float(factor)

    def call(self, inputs):
        return inputs * self.factor + keras.ops.stop_gradient(inputs) * (1.0 - self.factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
