"""Probes of the private Keras internals the course uses (all in finetune_course/_compat.py).

Each test fails, the day Keras changes one of them, with a message that names the installed Keras
version and what changed, so a maintainer knows which helper to update."""
import keras
import numpy as np
import pytest

from finetune_course import _compat


def _fitted_toy(optimizer="adam"):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="a"), keras.layers.Dense(1, name="b")])
    model.compile(optimizer=optimizer, loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0)
    return model, x


def test_optimizer_variables_are_what_the_optimizer_was_built_on():
    model, _ = _fitted_toy()
    found = _compat.optimizer_variables(model.optimizer)
    assert [id(v) for v in found] == [id(v) for v in model.trainable_variables], (
        f"Keras {keras.__version__}: optimizer._trainable_variables no longer lists the variables the "
        "optimizer was built on, in order; update _compat.optimizer_variables (used by RecompileGuard).")
    assert _compat.optimizer_variables(keras.optimizers.Adam()) == []   # not built yet
    with pytest.raises(TypeError, match="Keras optimizer"):
        _compat.optimizer_variables("adam")


def test_optimizer_variables_names_the_version_when_the_attribute_is_gone():
    model, _ = _fitted_toy()
    del model.optimizer._trainable_variables   # as if a future Keras renamed it
    with pytest.raises(_compat.KerasInternalsChanged, match=f"Keras {keras.__version__}.*_trainable_variables"):
        _compat.optimizer_variables(model.optimizer)


def test_variable_index_matches_the_optimizer_order_also_inside_a_traced_step():
    seen = []

    class Recording(keras.optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            seen.append(_compat.variable_index(self, variable))   # runs while tracing: backend variables
            super().update_step(gradient, variable, learning_rate)

    model, _ = _fitted_toy(Recording(0.1))
    assert sorted(seen) == list(range(len(model.trainable_variables))), (
        f"Keras {keras.__version__}: optimizer._get_variable_index no longer finds a traced variable's "
        "slot; update _compat.variable_index (used by discriminative.LayerwiseAdam).")
    assert [_compat.variable_index(model.optimizer, v) for v in model.trainable_variables] == list(range(4))


def test_clear_resumed_epoch_undoes_what_backup_and_restore_leaves(tmp_path):
    class Disconnect(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("disconnected")

    model, x = _fitted_toy("sgd")
    with pytest.raises(RuntimeError, match="disconnected"):
        model.fit(x, x[:, :1], epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path), Disconnect()])
    resumed = model.fit(x, x[:, :1], epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])
    assert resumed.epoch == [2, 3]
    assert _compat.resumed_epoch(model) == 2, (
        f"Keras {keras.__version__}: BackupAndRestore no longer leaves the resumed epoch in "
        "model._initial_epoch; update _compat.resumed_epoch / clear_resumed_epoch.")
    _compat.clear_resumed_epoch(model)
    assert model.fit(x, x[:, :1], epochs=2, verbose=0).epoch == [0, 1]
    with pytest.raises(TypeError, match="Keras model"):
        _compat.clear_resumed_epoch(object())


def test_unreachable_trainable_warning_reads_the_source_or_says_none():
    lines = _compat.unreachable_trainable_warning()
    assert lines is None or (isinstance(lines, tuple) and len(lines) == 2 and "raise" in lines[0])


def test_no_private_keras_outside_the_compat_module():
    """Lessons, solutions, scripts and the other helpers read no `keras.src` module and no private
    attribute of a Keras object: those live in finetune_course/_compat.py alone."""
    import json
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1]
    private = re.compile(r"keras\.src|\b(?:model|optimizer|layer|base|classifier|variable|opt|chosen|copy|twin)\w*\.(?:_[a-z]\w*)")
    offenders = []
    for path in sorted([*root.glob("notebooks/*.ipynb"), *root.glob("solutions/*.ipynb")]):
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        offenders += [f"{path.name}: {m.group(0)}" for m in private.finditer(code)]
    for path in sorted([*root.glob("finetune_course/*.py"), *root.glob("scripts/*.py")]):
        if path.name == "_compat.py":
            continue
        code = "\n".join(line for line in path.read_text().splitlines()
                         if not line.lstrip().startswith("#") and "``" not in line)   # prose may name them
        offenders += [f"{path.name}: {m.group(0)}" for m in private.finditer(code)]
    assert not offenders, offenders


def test_has_learning_rate_schedule_tells_a_schedule_from_a_number():
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.5)
    assert _compat.has_learning_rate_schedule(keras.optimizers.Adam(schedule))
    assert not _compat.has_learning_rate_schedule(keras.optimizers.Adam(1e-3))
