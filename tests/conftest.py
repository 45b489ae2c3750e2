"""What the test files share: the repository's paths, a quiet TensorFlow, matplotlib without a
screen, and the ``slow`` marker.

``python -m pytest`` (README's test command, and CI) runs everything. ``python -m pytest -m "not slow"``
is the maintainer's fast loop: it skips the notebook runs (nbval), the exercise runs, the
maintainer scripts' end-to-end runs and the JupyterLab start, each of which takes from several
seconds to minutes.
"""
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # before TensorFlow loads

import matplotlib  # noqa: E402

matplotlib.use("Agg")   # no screen

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SCRIPTS = ROOT / "scripts"
