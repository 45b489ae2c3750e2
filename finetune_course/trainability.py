"""What is trainable, how many parameters that is, and how far weights moved."""
from __future__ import annotations

import keras
import numpy as np

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
