"""Reproducibility in one place, and a short report of what the course runs on."""
from __future__ import annotations

import os
import platform
import random
import sys

import keras
import numpy as np

DEFAULT_SEED = 0
# The one switch that re-runs the whole course on other seeds: every notebook takes its seeds from
# course_seed(), which reads this environment variable (stored outputs are those of the default).
SEED_VARIABLE = "COURSE_SEED"


def course_seed(offset: int = 0) -> int:
    """The course's seed: the integer in the environment variable ``COURSE_SEED`` (0 if unset),
    plus ``offset``.

    Every notebook draws its seeds from here, so that ``COURSE_SEED=17 jupyter lab`` (or
    ``scripts/check_claims.py --seeds 17``) re-runs the course on data splits, initial weights and
    batch orders nobody looked at. A lesson that compares several seeds uses ``course_seed()``,
    ``course_seed(1)``, ``course_seed(2)``; an exercise that wants other labels than its lesson
    uses an offset of its own.
    """
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}.")
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return DEFAULT_SEED + offset
    try:
        seed = int(text)
    except ValueError:
        seed = -1
    if seed < 0:
        raise ValueError(
            f"{SEED_VARIABLE}={os.environ[SEED_VARIABLE]!r} is not a seed: set it to a non-negative "
            f"integer such as {SEED_VARIABLE}=17, or unset it for the course's default ({DEFAULT_SEED}).")
    return seed + offset


def set_seeds(seed: int = DEFAULT_SEED, deterministic_ops: bool = True) -> int:
    """Seed Python, NumPy and the backend, and make TensorFlow's ops deterministic (or, with
    ``deterministic_ops=False``, not: lesson 9 does that on a GPU, where some ops have no
    deterministic GPU kernel and raise an error, and others run slower).

    Call it before building or training a model you want to reproduce; returns ``seed``.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    if not isinstance(deterministic_ops, bool):
        raise TypeError(f"deterministic_ops must be True or False, got {deterministic_ops!r}.")
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        from .internals import compat

        compat.set_op_determinism(deterministic_ops)
    return seed


def seed_model_and_shuffle(seed: int) -> int:
    """Seed what a recipe draws at random: new layers' initial weights (Keras draws their seeds
    from Python's generator) and NumPy. Unlike :func:`set_seeds` it leaves TensorFlow's global
    seed alone: setting that clears TensorFlow's kernel caches, and the next ``fit`` would rebuild
    them, which costs more than a few epochs of training here. Recipes
    seed their ``tf.data`` shuffle with ``seed`` instead (``data.as_dataset(..., seed=seed)``),
    so their batch order does not depend on what ran before. Returns ``seed``."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(seed)
    np.random.seed(seed)
    return seed


def skip_graph_optimizer(skip: bool = True) -> bool:
    """Turn TensorFlow's graph optimizer (Grappler) off, or back on with ``skip=False``; returns ``skip``.

    TensorFlow rewrites every function it traces (``fit``'s training step, a ``tf.function``)
    before running it the first time: it folds constants, fuses ops and changes memory layouts.
    That pays off on a large network or a GPU. On the course's small convnet on a CPU it costs
    more per traced training step than it saves, the steps run no slower without it and the results
    are the same (``tests/test_environment.py``), so lessons 0-8 and the solutions call it through
    :func:`start_lesson`; lesson 9's MobileNetV2 keeps the optimizer. It affects functions traced after the call; with
    another backend than TensorFlow it does nothing."""
    if not isinstance(skip, bool):
        raise TypeError(f"skip must be True or False, got {skip!r}.")
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": skip})
    return skip


def start_lesson(offset: int = 0, graph_optimizer: bool = False, deterministic_ops: bool = True) -> int:
    """The one call at the top of every lesson, exercise and solution: returns the lesson's seed.

    It reads the seed from ``COURSE_SEED`` (:func:`course_seed`, plus ``offset``), seeds Python,
    NumPy and TensorFlow with it and makes TensorFlow's ops deterministic (:func:`set_seeds`),
    and, unless ``graph_optimizer=True``, turns TensorFlow's graph optimizer off
    (:func:`skip_graph_optimizer`): a speed setting for the course's small convnet on a CPU, not
    a recipe step; a project on a large network or a GPU leaves the optimizer on. Lesson 0's
    "Deeper" section explains all three. ``deterministic_ops=False`` is for a GPU (lesson 9), where
    some ops have no deterministic kernel."""
    if not isinstance(graph_optimizer, bool):
        raise TypeError(f"graph_optimizer must be True or False, got {graph_optimizer!r}.")
    seed = set_seeds(course_seed(offset), deterministic_ops=deterministic_ops)
    skip_graph_optimizer(not graph_optimizer)
    return seed


def in_colab() -> bool:
    """True when running in Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def gpu_names() -> list[str]:
    """Names of the GPUs the TensorFlow backend can use (empty on a CPU-only machine)."""
    if keras.backend.backend() != "tensorflow":
        return []
    import tensorflow as tf

    return [gpu.name for gpu in tf.config.list_physical_devices("GPU")]


def environment_report() -> dict[str, str]:
    """Versions, backend and device, as a dict (printed by :func:`print_environment`)."""
    import numpy as np

    report = {"python": platform.python_version(), "keras": keras.__version__,
              "backend": keras.backend.backend(), "numpy": np.__version__}
    if report["backend"] == "tensorflow":
        import tensorflow as tf

        report["tensorflow"] = tf.__version__
    gpus = gpu_names()
    report["device"] = f"GPU ({len(gpus)}: {', '.join(gpus)})" if gpus else "CPU (no GPU found)"
    report["where"] = "Google Colab" if in_colab() else "local Python"
    return report


def print_environment() -> None:
    """Print :func:`environment_report` one line per item."""
    for key, value in environment_report().items():
        print(f"{key:>10}: {value}")
