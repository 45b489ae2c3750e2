"""Constants and small helpers the test files share (fixtures live in tests/conftest.py); ROOT,
the repository, is defined here only."""
import hashlib
import pathlib
import subprocess
import sys

import keras
import numpy as np

import finetune_course as fc

ROOT = pathlib.Path(__file__).resolve().parent.parent   # the repository
SCRIPTS = ROOT / "scripts"
ASSETS = pathlib.Path(fc.__file__).resolve().parent / "assets"
N_DIGITS = 1797
HEAD_PARAMS = 64 * 10 + 10


def _digest(x: np.ndarray) -> set[bytes]:
    """One fingerprint per image, to compare splits by content."""
    return {hashlib.sha1(image.tobytes()).digest() for image in x}


def _bn_layers(base):
    return [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]


def _history(**values):
    history = keras.callbacks.History()
    history.history = values
    return history


def _toy_two_layer():
    """A "pretrained" Dense layer and a new head, seeded: lesson 8's toy."""
    fc.set_seeds(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="pretrained"),
                             keras.layers.Dense(1, name="head")])


def nbgrader_validate(path: pathlib.Path, *options: str) -> str:
    """What real nbgrader's `validate` prints for the notebook at ``path``."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", *options, str(path)],
                          cwd=path.parent, capture_output=True, text=True, timeout=600)
    return done.stdout + done.stderr
