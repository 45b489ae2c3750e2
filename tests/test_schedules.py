"""Tests of OffsetSchedule and the schedule exercise's check (schedules.py, checks.py)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course.grading import checks
from finetune_course.grading.guards import ExerciseCheckError


# Keras's own model saving trips this NumPy 2 warning (keras/src/backend/tensorflow/core.py).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_offset_schedule_continues_a_schedule_and_round_trips(tmp_path):
    schedule = keras.optimizers.schedules.CosineDecay(1e-5, 20, warmup_target=1e-4, warmup_steps=4)
    continued = fc.OffsetSchedule(schedule, offset=7)
    assert [float(continued(step)) for step in range(30)] == [float(schedule(7 + step)) for step in range(30)]
    restored = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(continued))
    assert isinstance(restored, fc.OffsetSchedule) and restored.offset == 7
    assert float(restored(3)) == float(schedule(10))
    # A compiled model that trained one step saves and reloads with the schedule and its step count.
    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    net.compile(optimizer=keras.optimizers.SGD(continued), loss="mse")
    net.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=4, verbose=0)
    net.save(tmp_path / "net.keras")
    loaded = keras.models.load_model(tmp_path / "net.keras")
    assert int(loaded.optimizer.iterations) == 1
    assert float(loaded.optimizer.learning_rate) == float(schedule(8))


@pytest.mark.parametrize("schedule, offset, error", [(1e-3, 5, TypeError), ("exp", -1, ValueError),
                                                     ("exp", 2.5, ValueError), ("exp", True, ValueError)])
def test_offset_schedule_rejects_bad_input(schedule, offset, error):
    if schedule == "exp":
        schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)
    with pytest.raises(error, match="OffsetSchedule needs|offset must be"):
        fc.OffsetSchedule(schedule, offset)


def _halving(steps_per_epoch, staircase=True):
    return keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=2 * steps_per_epoch,
                                                       decay_rate=0.5, staircase=staircase)


@pytest.mark.parametrize("answer, phrase", [
    ((None, None, None), "`steps_per_epoch` is still None"),
    ((37, _halving(37), 2.5e-4), "math.ceil"),
    ((38, 1e-3, 2.5e-4), "Keras schedule object"),
    ((38, keras.optimizers.schedules.ExponentialDecay(1e-3, 2, 0.5, staircase=True), 2.5e-4), "not epochs"),
    ((38, _halving(38, staircase=False), 2.5e-4), "staircase=True"),
    ((38, keras.optimizers.schedules.ExponentialDecay(1e-3, 76, 0.96, staircase=True), 2.5e-4), "decay_rate=0.5"),
    ((38, _halving(38), 1e-3), "not epochs"),
    ((38, _halving(38), None), "`lr_epoch_5` is still None"),
])
def test_check_schedule_names_the_fix(answer, phrase):
    with pytest.raises(ExerciseCheckError, match=phrase.replace("(", r"\(")):
        checks.check_schedule(*answer, train_images=1200, batch_size=32)


def test_check_schedule_passes_and_returns_the_rate(capsys):
    rate = float(_halving(38)(4 * 38))   # read from the schedule: float32, not the literal 2.5e-4
    assert checks.check_schedule(38, _halving(38), rate, train_images=1200, batch_size=32) == rate
    assert "Well done" in capsys.readouterr().out
