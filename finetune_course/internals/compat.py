"""Every private Keras attribute or ``keras.src`` module the course touches, in one place.

Keras' public API has no way to ask what a compiled train step updates, which slot of an
optimizer belongs to a variable, or to undo what ``BackupAndRestore`` leaves behind. The course
needs those few things; they live here, each behind a function with a clear error, and
``tests/test_compat.py`` probes each on the installed Keras, so the day one changes, one test
fails and names the Keras version and what changed. Nothing outside this module (no lesson, no
other helper) reads a private Keras attribute.

Known to work on Keras 3.13-3.15.
"""
from __future__ import annotations

import inspect

import keras


class KerasInternalsChanged(RuntimeError):
    """A private Keras attribute the course relies on is missing or different in this version."""


def _changed(what: str, fix: str) -> KerasInternalsChanged:
    return KerasInternalsChanged(f"Keras {keras.__version__}: {what}. The course was written for Keras 3.13-3.15; {fix}")


def optimizer_variables(optimizer: keras.optimizers.Optimizer) -> list:
    """The variables ``optimizer`` was built on, in its own order: what a compiled train step
    updates (``optimizer._trainable_variables``). Empty before the optimizer is built."""
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"Expected a Keras optimizer, got {type(optimizer).__name__}.")
    if not getattr(optimizer, "built", False):
        return []
    try:
        return list(optimizer._trainable_variables)
    except AttributeError:
        raise _changed(f"{type(optimizer).__name__} keeps no `_trainable_variables`",
                       "what a compiled train step updates cannot be read; recompile after every change of "
                       "`trainable`.") from None


def variable_index(optimizer: keras.optimizers.Optimizer, variable) -> int:
    """The position of ``variable`` among the variables ``optimizer`` was built on, as its own
    slots (Adam's moments) are indexed (``optimizer._get_variable_index``). Works inside a traced
    ``update_step``, where the variable is the backend's, not the Keras one."""
    try:
        return optimizer._get_variable_index(variable)
    except AttributeError:
        raise _changed(f"{type(optimizer).__name__} has no `_get_variable_index`",
                       "per-variable learning rates (discriminative.LayerwiseAdam) need another way to "
                       "find a variable's slot; use keras.optimizers.MultiOptimizer where it exists.") from None


def clear_resumed_epoch(model: keras.Model) -> None:
    """Forget the epoch ``keras.callbacks.BackupAndRestore`` resumed ``model`` from.

    It leaves that epoch in ``model._initial_epoch``, and Keras 3.15 starts every later ``fit`` of
    the model there, whatever ``initial_epoch`` says (lesson 7b measures it)."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a Keras model, got {type(model).__name__}.")
    model._initial_epoch = None


def resumed_epoch(model: keras.Model):
    """The epoch ``BackupAndRestore`` left for ``model``'s next ``fit`` (``model._initial_epoch``),
    None if there is none."""
    return getattr(model, "_initial_epoch", None)


def unreachable_trainable_warning() -> tuple[str, str] | None:
    """Keras 3.15's warning for a ``trainable`` change without a recompile, as its source has it:
    the two lines ``raise ValueError(msg)`` and the warning's call right after it (so the warning
    never runs). None on a Keras without that warning (3.13, 3.14)."""
    from keras.src.trainers.trainer import Trainer

    if not hasattr(Trainer, "_warn_if_trainable_state_changed"):
        return None
    source = inspect.getsource(Trainer._assert_compile_called).splitlines()
    for i, line in enumerate(source[:-1]):
        if "raise ValueError(msg)" in line:
            return line.strip(), source[i + 1].strip()
    raise _changed("`Trainer._assert_compile_called` no longer raises `ValueError(msg)`",
                   "update lesson 2's section on the missing warning.")


def has_learning_rate_schedule(optimizer: keras.optimizers.Optimizer) -> bool:
    """Whether ``optimizer`` was built with a learning-rate schedule rather than a number
    (``optimizer._learning_rate``: the public ``learning_rate`` evaluates the schedule and hides it,
    and ``get_config()`` reads the rate's value, which fails inside a traced function, where Keras
    builds optimizers)."""
    try:
        setting = optimizer._learning_rate
    except AttributeError:
        raise _changed(f"{type(optimizer).__name__} keeps no `_learning_rate`",
                       "a schedule can no longer be told from a number; update has_learning_rate_schedule.") from None
    return isinstance(setting, keras.optimizers.schedules.LearningRateSchedule)


def set_op_determinism(enabled: bool) -> None:
    """Switch TensorFlow's deterministic ops on or off. TensorFlow's public API can only switch
    them on (``tf.config.experimental.enable_op_determinism``); off is
    ``tensorflow.python.framework.config.disable_op_determinism``."""
    import tensorflow as tf

    if enabled:
        tf.config.experimental.enable_op_determinism()
        return
    try:
        from tensorflow.python.framework import config
        config.disable_op_determinism()
    except (ImportError, AttributeError):
        raise RuntimeError(f"TensorFlow {tf.__version__} has no tensorflow.python.framework.config."
                           "disable_op_determinism: restart the Python process to run without deterministic ops.") from None
