"""pytest set-up shared by every test path (tests/, notebooks/, solutions/).

The stored notebook outputs, which nbval compares, are those of the course's default seed. A
``COURSE_SEED`` left set in the shell (see lesson 0) would make the kernels draw other data and
fail those comparisons for no fault of the course, so the test run drops it, and says so in its
header. To run the notebooks on other seeds, use ``python scripts/check_claims.py --seeds ...``.
"""
import os

_IGNORED_SEED = os.environ.pop("COURSE_SEED", None)


def pytest_report_header(config):
    if _IGNORED_SEED is not None:
        return (f"COURSE_SEED={_IGNORED_SEED!r} ignored: stored outputs are the default seed's "
                "(other seeds: python scripts/check_claims.py --seeds ...)")
    return None


def pytest_collection_modifyitems(config, items):
    """Notebook runs (nbval's items) are slow: ``-m "not slow"`` skips them."""
    import pytest

    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
