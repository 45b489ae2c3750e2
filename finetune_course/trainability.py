"""What is trainable, how many parameters that is, how far weights moved, and whether
the compiled train step still agrees with the ``trainable`` flags."""
from __future__ import annotations

import keras
import numpy as np

from .internals import compat
from .model import get_base


def _check_model(model) -> None:
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"Expected a Keras model or layer, got {type(model).__name__}.")
    if not model.built:
        raise ValueError(f"{model.name!r} is not built yet: call it on data or build it first.")


def parameter_counts(model: keras.Model) -> dict[str, int]:
    """``{"trainable": ..., "non_trainable": ..., "total": ...}``, counted as ``model.summary()`` does."""
    _check_model(model)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return {"trainable": trainable, "non_trainable": non_trainable, "total": trainable + non_trainable}


def layer_rows(model: keras.Model) -> list[tuple[str, str, bool, int]]:
    """One ``(name, type, trainable, parameters)`` row per layer of ``model`` that has weights
    or is a layer of the base; the base's own layers are listed, prefixed ``base/``."""
    _check_model(model)
    rows = []
    for layer in model.layers:
        inner = layer.layers if isinstance(layer, keras.Model) else [layer]
        prefix = f"{layer.name}/" if isinstance(layer, keras.Model) else ""
        for sub in inner:
            if isinstance(sub, keras.layers.InputLayer):
                continue
            rows.append((prefix + sub.name, type(sub).__name__, bool(sub.trainable),
                         sum(int(np.prod(w.shape)) for w in sub.weights)))
    return rows


def print_layer_table(model: keras.Model, only_with_weights: bool = False) -> None:
    """Print name, type, trainable flag and parameter count of every layer."""
    rows = [r for r in layer_rows(model) if r[3] or not only_with_weights]
    width = max(len(r[0]) for r in rows)
    print(f"{'layer':<{width}}  {'type':<22} {'trainable':<9} {'params':>7}")
    for name, kind, trainable, params in rows:
        print(f"{name:<{width}}  {kind:<22} {str(trainable):<9} {params:>7,}")


def snapshot_weights(model: keras.layers.Layer) -> dict[str, np.ndarray]:
    """A copy of every weight of a model or layer (trainable or not), keyed by its path."""
    _check_model(model)
    return {w.path: np.array(w.numpy(), copy=True) for w in model.weights}


def weight_change(before: dict[str, np.ndarray], after: dict[str, np.ndarray] | keras.layers.Layer) -> dict[str, float]:
    """Largest absolute change of each weight between two snapshots (or a snapshot and the
    model or layer it was taken of)."""
    if isinstance(after, keras.layers.Layer):
        after = snapshot_weights(after)
    if not isinstance(before, dict) or not before:
        raise TypeError("`before` must be a snapshot made with snapshot_weights(model).")
    missing = sorted(set(before) ^ set(after))
    if missing:
        raise ValueError(f"The snapshots hold different weights ({missing[:3]} ...): "
                         "take both of the same model.")
    return {path: float(np.max(np.abs(after[path] - before[path]))) for path in before}


def max_weight_change(before: dict[str, np.ndarray], after: dict[str, np.ndarray] | keras.layers.Layer) -> float:
    """The largest absolute change of any single weight value."""
    return max(weight_change(before, after).values())


def base_weight_change(before: dict[str, np.ndarray], model: keras.Model) -> float:
    """Largest change of any weight of the model's pretrained base since ``before``
    (a snapshot of that base)."""
    return max_weight_change(before, snapshot_weights(get_base(model)))


# --- Did trainability change since compile? -------------------------------------------------

class RecompileNeededError(RuntimeError):
    """A model's ``trainable`` flags no longer match what its compiled train step updates."""


def trainability_changed_since_compile(model: keras.Model) -> dict[str, list[str]]:
    """The variables whose ``trainable`` flag changed since ``model`` was compiled and trained,
    a change that ``fit`` ignores until ``model.compile(...)`` is called again.

    Keras builds the train step lazily: the first ``fit`` after ``compile`` traces it, the
    trace reads ``model.trainable_weights`` once, and the optimizer is built on that same list
    (read with :func:`finetune_course.internals.compat.optimizer_variables`). Later fits reuse
    the trace; ``compile`` throws it away (``model.train_function`` is None right after it).
    So once the train function exists and the optimizer is built, the optimizer's list is what
    ``fit`` updates, whatever the flags say now. Returns::

        {"unfrozen_not_training": [...],  # paths of variables trainable now that fit does NOT update
         "frozen_still_training": [...]}  # paths of variables frozen now that fit STILL updates

    Both lists are empty when the flags and the train step agree, and always right after
    ``compile`` or before the first fit (the train step is then built from the flags as they are
    at that fit). With ``run_eagerly=True`` there is no trace and every step reads the flags, so
    a frozen variable stops training; an unfrozen one the optimizer does not know makes Keras
    raise "Unknown variable". A fit on data of a new shape or dtype can make TensorFlow trace
    again, and that trace reads the flags afresh; the check cannot see which trace runs, so it
    reports the difference (recompiling settles it). It is also conservative after ``compile``
    with an optimizer instance already built for other variables: it reports the difference, and
    Keras asks for a new optimizer instance for a new set of variables.

    Raises ``TypeError`` for anything but a Keras model, ``ValueError`` for a model that was
    never compiled, and ``internals.compat.KerasInternalsChanged`` (a ``RuntimeError``) if this Keras
    version's optimizer no longer says which variables it was built on.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a Keras model, got {type(model).__name__}.")
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or optimizer is None:
        raise ValueError(f"Model {model.name!r} has not been compiled, so there is no train step to compare "
                         "its trainable flags with: call model.compile(...) first.")
    changes = {"unfrozen_not_training": [], "frozen_still_training": []}
    if getattr(model, "train_function", None) is None or not optimizer.built:
        return changes
    tracked = {id(v): v for v in compat.optimizer_variables(optimizer)}
    current = {id(v): v for v in model.trainable_weights}
    changes["unfrozen_not_training"] = [v.path for key, v in current.items() if key not in tracked]
    if not model.run_eagerly:
        changes["frozen_still_training"] = [v.path for key, v in tracked.items() if key not in current]
    return changes


def _layer_names(paths: list[str], limit: int = 6) -> str:
    layers = list(dict.fromkeys(path.rsplit("/", 1)[0] for path in paths))
    shown = ", ".join(layers[:limit]) + (f", ... ({len(layers)} layers)" if len(layers) > limit else "")
    return f"{len(paths)} variable{'s' * (len(paths) != 1)} of {shown}"


def check_compiled_trainability(model: keras.Model) -> None:
    """Raise :class:`RecompileNeededError`, naming the layers, if ``model``'s trainable flags
    changed since it was compiled in a way ``fit`` would ignore
    (see :func:`trainability_changed_since_compile`); return None otherwise."""
    changes = trainability_changed_since_compile(model)
    if not any(changes.values()):
        return
    parts = []
    if changes["unfrozen_not_training"]:
        parts.append("trainable now, but NOT updated by fit: " + _layer_names(changes["unfrozen_not_training"]))
    if changes["frozen_still_training"]:
        parts.append("frozen now, but STILL updated by fit: " + _layer_names(changes["frozen_still_training"]))
    raise RecompileNeededError(
        f"Model {model.name!r} changed `trainable` since it was compiled, and its compiled train step "
        f"ignores the change; {'; '.join(parts)}. Call model.compile(...) again (with a new optimizer) "
        "before fit.")


class RecompileGuard(keras.callbacks.Callback):
    """A callback that makes ``fit`` refuse to train a model whose ``trainable`` flags changed
    since it was compiled: ``model.fit(..., callbacks=[RecompileGuard()])`` raises
    :class:`RecompileNeededError` before the first step (and at the start of any epoch, should
    another callback change the flags during training)."""

    def on_train_begin(self, logs=None):
        check_compiled_trainability(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        check_compiled_trainability(self.model)


def relative_weight_change(before: dict[str, np.ndarray], after: dict[str, np.ndarray] | keras.layers.Layer,
                           contains: str = "") -> dict[str, float]:
    """How far each weight moved relative to its size, ``||after - before|| / ||before||``
    (Frobenius norms), for the weights whose path contains ``contains`` (e.g. ``"kernel"``).
    A value of 0.1 means the weight tensor moved by a tenth of its own length."""
    if isinstance(after, keras.layers.Layer):
        after = snapshot_weights(after)
    weight_change(before, after)  # same checks: both snapshots of the same weights
    chosen = [path for path in before if contains in path]
    if not chosen:
        raise ValueError(f"No weight path contains {contains!r}; paths look like {next(iter(before))!r}.")
    return {path: float(np.linalg.norm(after[path] - before[path]) / max(np.linalg.norm(before[path]), 1e-12))
            for path in chosen}


def backward_pass_work(model: keras.Model) -> dict[str, int]:
    """What TensorFlow computes to get the gradients of ``model``'s trainable weights for one input:
    ``{"conv_gradients": ..., "multiply_adds": ...}``, the number of convolution gradient ops
    (with respect to a layer's input or its kernel) and their multiply-adds.

    The gradient of the summed outputs is traced with ``tf.function`` and the graph
    is walked back from the gradients, counting only the ops they depend on: the ones TensorFlow
    runs. Nothing below the lowest trainable layer is among them, since no weight's gradient
    needs it. Counting work, unlike timing steps, gives the same answer on a busy machine.
    """
    import tensorflow as tf

    _check_model(model)
    if not model.trainable_variables:
        return {"conv_gradients": 0, "multiply_adds": 0}
    shape = model.inputs[0].shape if getattr(model, "inputs", None) else None
    if shape is None or any(d is None for d in shape[1:]):
        raise ValueError(f"{model.name!r} needs a fixed input shape (keras.Input((height, width, channels))) "
                         "to count its backward pass.")
    x = tf.zeros((1, *shape[1:]))

    @tf.function
    def gradients(x):
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(model(x, training=True))
        return tape.gradient(total, model.trainable_variables)

    graph = gradients.get_concrete_function(x).graph
    needed, stack = {}, [t.op for t in graph.outputs]
    while stack:
        op = stack.pop()
        if op.name not in needed:
            needed[op.name] = op
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
    work = {"conv_gradients": 0, "multiply_adds": 0}
    for op in needed.values():
        if op.type == "Conv2DBackpropInput":      # inputs: input sizes, kernel, output gradient
            kernel_shape = op.inputs[1].shape
        elif op.type == "Conv2DBackpropFilter":   # inputs: input, kernel sizes, output gradient
            kernel_shape = op.outputs[0].shape
        else:
            continue
        height, width = op.inputs[2].shape[1:3]   # each output position costs one kernel's worth
        work["conv_gradients"] += 1
        work["multiply_adds"] += int(height * width * np.prod(kernel_shape))
    return work


def optimizer_variables(model: keras.Model) -> list:
    """The variables ``model``'s optimizer was built on: once ``fit`` has run, what the compiled
    train step updates, whatever the ``trainable`` flags say now. Empty before the first ``fit``.
    Keras has no public way to ask; this reads the optimizer's private list (``internals.compat``)."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a Keras model, got {type(model).__name__}.")
    if getattr(model, "optimizer", None) is None:
        raise ValueError(f"Model {model.name!r} has no optimizer: call model.compile(...) first.")
    return compat.optimizer_variables(model.optimizer)


def unreachable_trainable_warning() -> tuple[str, str] | None:
    """The two source lines of Keras 3.15's warning for a changed ``trainable``: a ``raise`` and
    the warning's call right after it, so it never runs. None where Keras has no such warning."""
    return compat.unreachable_trainable_warning()


# --- unfreezing, BatchNorm kept frozen (lessons 3 and 4) ------------------------------------

def unfreeze_all_but_batchnorm(base: keras.Model) -> keras.Model:
    """Unfreeze ``base`` except its BatchNormalization layers, which stay frozen and so keep their
    pretrained statistics (lesson 4). Returns ``base``.

    Every layer's flag is set explicitly: ``base.trainable = True`` on a base that is already
    trainable does not unfreeze layers frozen one by one earlier."""
    base.trainable = True
    for layer in base.layers:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    return base


def unfreeze_last(base: keras.Model, n: int) -> keras.Model:
    """Make only the last ``n`` layers of ``base`` trainable, BatchNormalization layers excepted
    (they stay frozen, see :func:`unfreeze_all_but_batchnorm`). Returns ``base``."""
    layer_count = len(base.layers)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 1 <= n <= layer_count:
        raise ValueError(f"n must be an integer from 1 to {layer_count} (the base has {layer_count} layers), "
                         f"got {n!r}. To freeze the whole base, set base.trainable = False instead.")
    unfreeze_all_but_batchnorm(base)
    for layer in base.layers[:-n]:
        layer.trainable = False
    return base


def add_lora(base: keras.Model, rank: int) -> keras.Model:
    """LoRA (Hu et al. 2021) on every layer of ``base`` that Keras can give it (``Conv2D`` here),
    the way lesson 8b writes it: the base unfrozen with BatchNorm kept frozen, *then*
    ``layer.enable_lora(rank)``, which freezes each original kernel and adds two trainable factors
    beside it. The order matters: unfreezing a frozen layer, or the frozen base that holds it,
    after ``enable_lora`` makes its original kernel trainable again. Returns ``base``."""
    if not isinstance(rank, (int, np.integer)) or isinstance(rank, bool) or rank < 1:
        raise ValueError(f"rank must be a positive integer, got {rank!r}.")
    unfreeze_all_but_batchnorm(base)
    layers = [layer for layer in base.layers if hasattr(layer, "enable_lora")]
    if not layers:
        raise ValueError(f"No layer of {base.name!r} supports enable_lora (Keras has it on Dense, EinsumDense, "
                         "Embedding and Conv1D/2D/3D).")
    for layer in layers:
        layer.enable_lora(int(rank))
    return base


def lora_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers of ``model`` (its base's included) on which LoRA is enabled."""
    _check_model(model)
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found += lora_layers(layer)
        elif getattr(layer, "lora_enabled", False):
            found.append(layer)
    return found
