"""What the test files share at run time: a quiet TensorFlow, matplotlib without a screen, and the
fixtures below. Paths (``ROOT``, ``SCRIPTS``) and small helpers are in tests/support.py.

``python -m pytest`` (README's test command, and CI) runs everything. ``python -m pytest -m "not slow"``
is the maintainer's fast loop (MAINTAINING.md). A test that takes seconds or more carries the
``slow`` marker: ``@pytest.mark.slow`` on the test, or ``pytestmark = pytest.mark.slow`` where a
whole file is (notebook runs, exercise runs, the scripts end to end, JupyterLab); nbval's notebook
items get it from the root conftest.py.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # before TensorFlow loads

import matplotlib  # noqa: E402

matplotlib.use("Agg")   # no screen



# --- fixtures the unit-test files share -------------------------------------------------------

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def task():
    """The target task with 5 labels per digit, seed 0."""
    import finetune_course as fc

    return fc.load_target(5, seed=0)


@pytest.fixture(scope="module")
def trained_head(task):
    """The frozen-base recipe, 3 epochs, with snapshots around it (one fit per test file that asks)."""
    import finetune_course as fc
    from finetune_course import recipes

    base = fc.load_pretrained_base()
    base_before = fc.snapshot_weights(base)
    before_fit = []
    fit_head = recipes.fit_head

    def recording_fit_head(classifier, *args, **kwargs):
        before_fit.append(fc.snapshot_weights(classifier))
        return fit_head(classifier, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(recipes, "fit_head", recording_fit_head)
        classifier, history = recipes.train_head(task, epochs=3, learning_rate=1e-2, seed=0, base=base)
    (classifier_before,) = before_fit
    return {"base": base, "base_before": base_before, "classifier": classifier,
            "classifier_before": classifier_before, "history": history}
