"""Learning-rate schedules that Keras does not ship: one schedule continued across training phases.

An optimizer evaluates its schedule at ``optimizer.iterations``, the number of batches it has
applied. The two-phase fine-tuning recipe compiles a *new* optimizer for the second phase
(changing ``trainable`` needs a compile), whose count starts again at 0, so a schedule handed to
it starts again from its first value. :class:`OffsetSchedule` shifts a schedule instead, so that
phase 2 carries on where phase 1 stopped.
"""
from __future__ import annotations

import numbers

import keras

Schedule = keras.optimizers.schedules.LearningRateSchedule


@keras.saving.register_keras_serializable(package="finetune_course")
class OffsetSchedule(Schedule):
    """``schedule`` continued from step ``offset``: ``OffsetSchedule(s, n)(step) == s(n + step)``.

    Give the second phase's optimizer ``OffsetSchedule(schedule, offset=steps_done)``, where
    ``steps_done`` is the first optimizer's ``iterations`` at the end of phase 1, and the learning
    rate continues instead of jumping back to ``schedule(0)``. Saved models keep it: it
    serializes with ``get_config`` like Keras' own schedules.
    """

    def __init__(self, schedule: Schedule, offset: int):
        if isinstance(schedule, dict):  # as stored by get_config
            schedule = keras.optimizers.schedules.deserialize(schedule)
        if not isinstance(schedule, Schedule):
            raise TypeError("OffsetSchedule needs a keras.optimizers.schedules.LearningRateSchedule "
                            f"(e.g. ExponentialDecay), got {type(schedule).__name__}.")
        if isinstance(offset, bool) or not isinstance(offset, numbers.Integral) or offset < 0:
            raise ValueError(f"offset must be a whole number of optimizer steps >= 0, got {offset!r}; "
                             "use int(optimizer.iterations) of the optimizer that ran phase 1.")
        self.schedule = schedule
        self.offset = int(offset)

    def __call__(self, step):
        return self.schedule(keras.ops.add(step, self.offset))

    def get_config(self) -> dict:
        return {"schedule": keras.optimizers.schedules.serialize(self.schedule), "offset": self.offset}
