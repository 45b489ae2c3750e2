"""Interrupting a training run on purpose, to rehearse recovering from it (lesson 7b).

A Colab runtime that disconnects, or a job that is killed, stops ``fit`` in the middle of an
epoch. :class:`SimulatedDisconnect` does the same from inside ``fit``, once, at a chosen epoch,
so that ``keras.callbacks.BackupAndRestore`` can be seen resuming the run.
"""
from __future__ import annotations

import keras
import numpy as np


class Disconnected(RuntimeError):
    """Raised by :class:`SimulatedDisconnect`; stands for a lost runtime."""


class SimulatedDisconnect(keras.callbacks.Callback):
    """Raises :class:`Disconnected` during epoch ``epoch`` (counted from 0, as Keras counts),
    right after its first training step, so the interrupted epoch is left half done.

    It fires once per instance: pass the same instance to the run you repeat after the
    "disconnect", and the repeated run goes through. ``fired`` tells whether it has fired.
    """

    def __init__(self, epoch: int):
        super().__init__()
        if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative integer (Keras counts epochs from 0), got {epoch!r}.")
        self.epoch = int(epoch)
        self.fired = False
        self._current = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if not self.fired and self._current == self.epoch:
            self.fired = True
            raise Disconnected(f"simulated disconnect during epoch {self.epoch} (counted from 0)")
