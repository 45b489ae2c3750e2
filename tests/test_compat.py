"""Probes of the private Keras internals the course uses (all in finetune_course/internals/compat.py).

Each test fails, the day Keras changes one of them, with a message that names the installed Keras
version and what changed, so a maintainer knows which helper to update. Ruff (configured in
pyproject.toml) keeps every other module, script and notebook off those internals."""
import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

from finetune_course.internals import compat
from support import ROOT


def _fitted_toy(optimizer="adam"):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="a"), keras.layers.Dense(1, name="b")])
    model.compile(optimizer=optimizer, loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0)
    return model, x


def test_optimizer_variables_are_what_the_optimizer_was_built_on():
    model, _ = _fitted_toy()
    found = compat.optimizer_variables(model.optimizer)
    assert [id(v) for v in found] == [id(v) for v in model.trainable_variables], (
        f"Keras {keras.__version__}: optimizer._trainable_variables no longer lists the variables the "
        "optimizer was built on, in order; update compat.optimizer_variables (used by RecompileGuard).")
    assert compat.optimizer_variables(keras.optimizers.Adam()) == []   # not built yet
    with pytest.raises(TypeError, match="Keras optimizer"):
        compat.optimizer_variables("adam")


def test_optimizer_variables_names_the_version_when_the_attribute_is_gone():
    model, _ = _fitted_toy()
    del model.optimizer._trainable_variables   # as if a future Keras renamed it
    with pytest.raises(compat.KerasInternalsChanged, match=f"Keras {keras.__version__}.*_trainable_variables"):
        compat.optimizer_variables(model.optimizer)


def test_variable_index_matches_the_optimizer_order_also_inside_a_traced_step():
    seen = []

    class Recording(keras.optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            seen.append(compat.variable_index(self, variable))   # runs while tracing: backend variables
            super().update_step(gradient, variable, learning_rate)

    model, _ = _fitted_toy(Recording(0.1))
    assert sorted(seen) == list(range(len(model.trainable_variables))), (
        f"Keras {keras.__version__}: optimizer._get_variable_index no longer finds a traced variable's "
        "slot; update compat.variable_index (used by discriminative.LayerwiseAdam).")
    assert [compat.variable_index(model.optimizer, v) for v in model.trainable_variables] == list(range(4))


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
    assert compat.resumed_epoch(model) == 2, (
        f"Keras {keras.__version__}: BackupAndRestore no longer leaves the resumed epoch in "
        "model._initial_epoch; update compat.resumed_epoch / clear_resumed_epoch.")
    compat.clear_resumed_epoch(model)
    assert model.fit(x, x[:, :1], epochs=2, verbose=0).epoch == [0, 1]
    with pytest.raises(TypeError, match="Keras model"):
        compat.clear_resumed_epoch(object())


def test_unreachable_trainable_warning_reads_the_source_or_says_none():
    lines = compat.unreachable_trainable_warning()
    assert lines is None or (isinstance(lines, tuple) and len(lines) == 2 and "raise" in lines[0])


def _ruff(*args, cwd=ROOT):
    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    assert ruff, "ruff is not installed: pip install -r requirements.txt"
    return subprocess.run([ruff, "check", "--no-cache", "--output-format", "concise", *args], cwd=cwd,
                          capture_output=True, text=True)


def test_ruff_finds_nothing():
    """pyproject.toml's ruff rules over the package, scripts, tests, lessons and solutions: among them
    SLF001 (no private attribute of another object) and TID251 (no ``keras.src``), so that Keras'
    internals are read in finetune_course/internals/compat.py alone."""
    result = _ruff(".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_rejects_private_keras_outside_the_compat_module(tmp_path):
    """The rules above catch what they are there for, in a helper module and in a notebook cell."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "finetune_course").mkdir()
    (tmp_path / "finetune_course" / "helper.py").write_text(
        "import keras\n\n\ndef f(model):\n    return model._initial_epoch, keras.src.trainers\n")
    (tmp_path / "solutions").mkdir()
    cell = {"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [],
            "source": ["from keras.src.trainers.trainer import Trainer\n", "Trainer._assert_compile_called\n"]}
    (tmp_path / "solutions" / "x.ipynb").write_text(json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    found = _ruff(".", cwd=tmp_path).stdout
    rules = {line.split()[1] for line in found.splitlines() if line.startswith(("finetune_course", "solutions"))}
    assert {"SLF001", "TID251"} <= rules, found
    assert "helper.py:5:12: SLF001" in found and "x.ipynb:cell 1:2:1: SLF001" in found, found


def test_has_learning_rate_schedule_tells_a_schedule_from_a_number():
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.5)
    assert compat.has_learning_rate_schedule(keras.optimizers.Adam(schedule))
    assert not compat.has_learning_rate_schedule(keras.optimizers.Adam(1e-3))
