"""Tests of resuming a run, epoch numbering and early stopping (interruptions.py, recipes.fit)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import data, recipes
from finetune_course.grading import checks
from finetune_course.grading.guards import ExerciseCheckError

from support import _history


def _toy_task(n=20, features=3, classes=2, seed=0):
    """A TargetTask of random features, for fitting a toy Dense model through recipes.fit."""
    rng = np.random.default_rng(seed)
    split = data.Split(rng.normal(size=(n, features)).astype("float32"), rng.integers(0, classes, n))
    return data.TargetTask(split, split, split)


def _toy_classifier(features=3, classes=2):
    fc.set_seeds(0)
    toy = keras.Sequential([keras.Input((features,)), keras.layers.Dense(classes)])
    toy.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return toy


def test_simulated_disconnect_fires_once_mid_epoch_and_backup_resumes_there(tmp_path):
    from finetune_course import interruptions

    toy, task = _toy_classifier(), _toy_task()
    disconnect = interruptions.SimulatedDisconnect(epoch=2)
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(interruptions.Disconnected, match="epoch 2"):
        recipes.fit(toy, task, 4, validate=False,
                    callbacks=[keras.callbacks.BackupAndRestore(backup_dir), recorder, disconnect])
    assert disconnect.fired and len(seen) == 2 * 2 + 1   # two epochs of 2 batches, then one batch
    resumed = recipes.fit(toy, task, 4, validate=False,
                          callbacks=[keras.callbacks.BackupAndRestore(backup_dir), disconnect])
    assert resumed.epoch == [2, 3] and not (tmp_path / "backup").exists()
    # Keras leaves the resumed epoch on the model; recipes.fit forgets it, so a later run is whole.
    assert recipes.fit(toy, task, 4, validate=False).epoch == [0, 1, 2, 3]


@pytest.mark.parametrize("epoch", [-1, 1.0, True, "2"])
def test_simulated_disconnect_rejects_bad_epochs(epoch):
    from finetune_course import interruptions

    with pytest.raises(ValueError, match="non-negative integer"):
        interruptions.SimulatedDisconnect(epoch)


def test_fit_counts_epochs_from_initial_epoch_and_rejects_bad_ones():
    toy, task = _toy_classifier(), _toy_task()
    history = recipes.fit(toy, task, 3, validate=False, initial_epoch=5)
    assert history.epoch == [5, 6, 7] and history.params["epochs"] == 8
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="initial_epoch"):
            recipes.fit(toy, task, 3, validate=False, initial_epoch=bad)


def test_fit_without_shuffle_repeats_the_same_run():
    task = _toy_task()
    runs = []
    for seed in (0, 1):   # without shuffling, the seed set before fit cannot change the batches
        toy = _toy_classifier()
        fc.set_seeds(seed)
        recipes.fit(toy, task, 2, validate=False, shuffle=False)
        runs.append(toy.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*runs))


def test_cross_entropy_is_the_loss_keras_reports():
    toy, task = _toy_classifier(), _toy_task()
    history = recipes.fit(toy, task, 1)
    reported = toy.evaluate(task.val.x, task.val.y, batch_size=len(task.val.y), verbose=0)
    assert np.isclose(recipes.cross_entropy(toy, task.val), reported, rtol=1e-6)
    assert history.history["val_loss"][0] > 0


def test_check_early_stopping_names_the_fix(capsys):
    toy, task = _toy_classifier(), _toy_task()
    measured = recipes.cross_entropy(toy, task.val)

    def stopping(monitor="val_loss", restore=True, used=True):
        callback = keras.callbacks.EarlyStopping(monitor=monitor, patience=2, restore_best_weights=restore)
        callback.best = measured if used else None
        return callback

    history = _history(loss=[1.0, 0.5, 0.2], val_loss=[measured + 0.1, measured, measured + 0.2])
    with pytest.raises(ExerciseCheckError, match="still None"):
        checks.check_early_stopping(toy, history, None, task.val)
    with pytest.raises(ExerciseCheckError, match='monitor="val_loss"'):
        checks.check_early_stopping(toy, history, stopping(monitor="loss"), task.val)
    with pytest.raises(ExerciseCheckError, match="saw no epoch"):
        checks.check_early_stopping(toy, history, stopping(used=False), task.val)
    with pytest.raises(ExerciseCheckError, match="restore_best_weights"):
        checks.check_early_stopping(toy, history, stopping(restore=False), task.val)
    with pytest.raises(ExerciseCheckError, match="no `val_loss`"):
        checks.check_early_stopping(toy, _history(loss=[1.0]), stopping(), task.val)
    other_run = _history(loss=[1.0, 0.5], val_loss=[measured + 0.3, measured + 0.1])
    with pytest.raises(ExerciseCheckError, match="same fine-tuning run"):
        checks.check_early_stopping(toy, other_run, stopping(), task.val)
    assert checks.check_early_stopping(toy, history, stopping(), task.val) == pytest.approx(measured)
    assert "(epoch 1, " in capsys.readouterr().out   # Keras's epoch number, counted from 0
