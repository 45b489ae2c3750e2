"""Tests of the source and target tasks (finetune_course/data.py) and the shipped digits."""
import hashlib
import subprocess
import sys
import tomllib

import numpy as np
import pytest

import finetune_course as fc
from finetune_course import data

from support import ROOT, ASSETS, N_DIGITS, _digest


def test_load_target_split_sizes_types_and_balance(task):
    assert len(task.train.y) == 50 and len(task.val.y) == 100
    assert len(task.test.y) == N_DIGITS - 150
    for split in task:
        assert split.x.shape == (len(split.y), 16, 16, 1)
        assert split.x.dtype == np.float32
        assert split.x.min() >= 0.0 and split.x.max() <= 1.0
        assert split.y.dtype.kind == "i"
    assert np.bincount(task.train.y, minlength=10).tolist() == [5] * 10
    assert np.bincount(task.val.y, minlength=10).tolist() == [10] * 10


def test_load_target_splits_are_disjoint_and_cover_the_digits(task):
    train, val, test = (_digest(split.x) for split in task)
    assert not train & val and not train & test and not val & test
    everything = _digest(data._digits()[0])
    assert train | val | test == everything
    # Labels travel with their images: each training image has its true digit.
    images, labels = data._digits()
    by_image = {hashlib.sha1(im.tobytes()).digest(): label for im, label in zip(images, labels)}
    assert [by_image[hashlib.sha1(im.tobytes()).digest()] for im in task.train.x] == task.train.y.tolist()


def test_load_target_is_a_function_of_the_seed(task):
    again = fc.load_target(5, seed=0)
    for a, b in zip(task, again):
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.y, b.y)
    other = fc.load_target(5, seed=1)
    assert _digest(other.train.x) != _digest(task.train.x)


def test_make_source_is_deterministic_and_balanced():
    x, y = fc.make_source(90, seed=3)
    assert x.shape == (90, 16, 16, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert np.bincount(y, minlength=len(fc.SOURCE_CLASSES)).tolist() == [2] * len(fc.SOURCE_CLASSES)
    x2, y2 = fc.make_source(90, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = fc.make_source(90, seed=4)
    assert not np.array_equal(x, x3)


def test_load_source_eval_and_load_task():
    source = fc.load_source_eval()
    assert source.x.shape == (1000, 16, 16, 1) and source.y.shape == (1000,)
    assert 0.0 <= source.x.min() and source.x.max() <= 1.0
    assert set(np.unique(source.y)) <= set(range(len(fc.SOURCE_CLASSES)))
    source.x[:] = 0  # a copy: changing it does not change what the next caller gets
    assert fc.load_source_eval().x.max() > 0
    assert len(fc.load_task("target", labels_per_class=2).train.y) == 20
    assert len(fc.load_task("source").y) == 1000


def test_shipped_digits_are_load_digits_images_and_labels():
    """assets/digits.npz: the 1797 digits of scikit-learn's load_digits, 8x8 ink counts 0-16."""
    with np.load(data.DIGITS_FILE) as stored:
        images, labels = stored["images"], stored["labels"]
    assert images.shape == (N_DIGITS, 8, 8) and images.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    x, y = data._digits()
    np.testing.assert_array_equal(y, labels)
    assert x.shape == (N_DIGITS, data.IMAGE_SIZE, data.IMAGE_SIZE, 1) and 0.0 <= x.min() < x.max() <= 1.0


@pytest.mark.slow
def test_export_digits_script_reproduces_the_shipped_file(tmp_path):
    """Maintainers' check: where scikit-learn is installed (the course itself does not need it),
    scripts/export_digits.py writes the shipped file byte for byte."""
    pytest.importorskip("sklearn", reason="scripts/export_digits.py reads the digits from scikit-learn")
    out = tmp_path / "digits.npz"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_digits.py"), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == data.DIGITS_FILE.read_bytes()


@pytest.mark.parametrize("call, words", [
    (lambda: fc.load_target(0), ["labels_per_class"]),
    (lambda: fc.load_target(5, val_per_class=-1), ["val_per_class"]),
    (lambda: fc.load_target(100, 100), ["labels_per_class", "val_per_class", "150"]),
    (lambda: fc.make_source(0), ["n=0"]),
    (lambda: fc.load_task("imagenet"), ["imagenet", "source", "target"]),
], ids=["labels_per_class=0", "val_per_class<0", "too-many-labels", "make_source(0)", "unknown-task"])
def test_data_bad_inputs_raise_value_error_naming_the_argument(call, words):
    with pytest.raises(ValueError) as error:
        call()
    for word in words:
        assert word in str(error.value)


def test_package_data_ships_every_asset():
    """A non-editable install must contain source_eval.npz etc., not only the .keras file."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = globs["finetune_course"]
    for asset in ASSETS.iterdir():
        relative = asset.relative_to(ASSETS.parent)
        assert any(relative.match(pattern) for pattern in patterns), f"{relative} not in package-data"
