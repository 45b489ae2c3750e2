"""Tests for the helper package ``finetune_course`` and ``scripts/pretrain_base.py``.

Kept fast for a 2-core machine: one Keras ``fit`` in total (``trained_head``, shared by
the recipe and exercise-check tests) and one quick pretraining run in a subprocess.
"""
import hashlib
import importlib.util
import pathlib
import subprocess
import sys
import tomllib

import keras
import matplotlib
import matplotlib.pyplot as plt   # the Agg backend and a quiet TensorFlow: tests/conftest.py
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import checks, data, model, plots, recipes

ROOT = pathlib.Path(__file__).resolve().parent.parent
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


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def task():
    return fc.load_target(5, seed=0)


@pytest.fixture(scope="module")
def trained_head(task):
    """The only fit of this file: the frozen-base recipe, 3 epochs, with snapshots around it."""
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


# --- data ---------------------------------------------------------------------------------

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


# --- model --------------------------------------------------------------------------------

def test_pretrained_base_architecture():
    base = fc.load_pretrained_base()
    assert base.name == "base"
    assert base.output_shape == (None, 64)
    assert len(_bn_layers(base)) == 6
    assert base.trainable


def test_pretrained_base_copies_are_independent():
    first, second = fc.load_pretrained_base(), fc.load_pretrained_base()
    assert first is not second
    before = fc.snapshot_weights(second)
    kernel = first.get_layer("block1_conv1").kernel
    kernel.assign(kernel.numpy() + 1.0)
    assert fc.max_weight_change(before, second) == 0.0
    assert fc.max_weight_change(before, first) == pytest.approx(1.0)


def test_build_classifier_and_get_base():
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    assert classifier.output_shape == (None, 10)
    assert fc.get_base(classifier) is base
    assert fc.get_base(base) is base
    assert fc.build_classifier(fc.load_pretrained_base(), num_classes=3).output_shape == (None, 3)


def test_model_errors():
    plain = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Flatten(name="flat"),
                              keras.layers.Dense(10, name="dense")], name="plain")
    with pytest.raises(ValueError, match="base") as error:
        fc.get_base(plain)
    assert "plain" in str(error.value) and "flat" in str(error.value)
    with pytest.raises(TypeError, match="str"):
        fc.build_classifier("x")
    base = fc.load_pretrained_base()
    with pytest.raises(ValueError, match="num_classes"):
        fc.build_classifier(base, num_classes=1)
    with pytest.raises(ValueError) as error:
        fc.compile_classifier(fc.build_classifier(base), 1e-3, optimizer="rmsprop")
    assert "rmsprop" in str(error.value) and "adam" in str(error.value) and "sgd" in str(error.value)


def test_load_source_model_reads_the_file_once_and_leaves_random_draws_alone():
    """The weights read from the file are kept in memory, and a warm cache must not change what
    the seeded code after a load draws (a cache that built a spare model to read the file did)."""
    def seeded_head_after_a_load():
        fc.set_seeds(0)
        return fc.build_classifier(fc.load_pretrained_base()).get_layer("head").get_weights()

    model._saved_weights.clear()
    cold = seeded_head_after_a_load()
    assert len(model._saved_weights) == 1
    warm = seeded_head_after_a_load()
    for a, b in zip(cold, warm):
        np.testing.assert_array_equal(a, b)
    first, second = fc.load_source_model(), fc.load_source_model()
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    first.get_layer("source_head").kernel.assign(np.zeros((64, len(fc.SOURCE_CLASSES))))
    assert np.abs(fc.load_source_model().get_layer("source_head").get_weights()[0]).sum() > 0   # copies


def test_load_source_model_missing_file_says_how_to_rebuild():
    with pytest.raises(FileNotFoundError) as error:
        fc.load_source_model("/nonexistent.keras")
    assert "/nonexistent.keras" in str(error.value)
    assert "scripts/pretrain_base.py" in str(error.value)


# --- trainability -------------------------------------------------------------------------

def test_parameter_counts_frozen_and_unfrozen():
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    base_params = base.count_params()
    moving = sum(int(np.prod(w.shape)) for layer in _bn_layers(base)
                 for w in (layer.moving_mean, layer.moving_variance))
    assert moving == 2 * (16 + 16 + 32 + 32 + 64 + 64)

    unfrozen = fc.parameter_counts(classifier)
    assert unfrozen == {"trainable": base_params + HEAD_PARAMS - moving, "non_trainable": moving,
                        "total": classifier.count_params()}
    base.trainable = False
    frozen = fc.parameter_counts(classifier)
    assert frozen == {"trainable": HEAD_PARAMS, "non_trainable": base_params,
                      "total": classifier.count_params()}
    assert classifier.count_params() == base_params + HEAD_PARAMS


def test_weight_change_measures_exactly():
    base = fc.load_pretrained_base()
    before = fc.snapshot_weights(base)
    same = fc.snapshot_weights(base)
    assert fc.max_weight_change(before, same) == 0.0
    assert set(fc.weight_change(before, same).values()) == {0.0}
    kernel = base.get_layer("block2_conv1").kernel
    values = kernel.numpy()
    values[0, 1, 2, 3] += 0.5
    kernel.assign(values)
    changes = fc.weight_change(before, base)
    moved = {path: change for path, change in changes.items() if change}
    assert list(moved) == [kernel.path]
    assert moved[kernel.path] == pytest.approx(0.5, abs=1e-6)
    assert fc.max_weight_change(before, fc.snapshot_weights(base)) == pytest.approx(0.5, abs=1e-6)
    # The snapshot is a copy: it did not follow the model.
    assert fc.max_weight_change(before, same) == 0.0


def test_weight_change_errors():
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    with pytest.raises(ValueError, match="same model"):
        fc.weight_change(fc.snapshot_weights(base), fc.snapshot_weights(classifier))
    with pytest.raises(TypeError, match="snapshot_weights"):
        fc.weight_change([1.0], base)
    with pytest.raises(TypeError):
        fc.max_weight_change({}, base)


def test_layer_rows_and_table(capsys):
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    base.trainable = False
    rows = fc.layer_rows(classifier)
    base_rows = [row for row in rows if row[0].startswith("base/")]
    assert [row[0] for row in base_rows] == [f"base/{layer.name}" for layer in base.layers[1:]]
    assert not any(trainable for _, _, trainable, _ in base_rows)
    assert rows[-1] == ("head", "Dense", True, HEAD_PARAMS)
    assert sum(row[3] for row in rows) == classifier.count_params()
    assert ("base/block1_bn1", "BatchNormalization", False, 4 * 16) in rows

    fc.print_layer_table(classifier)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["layer", "type", "trainable", "params"]
    assert len(lines) == 1 + len(rows)
    # Columns line up: the "trainable" column starts at the same place on every line.
    column = lines[0].index("trainable")
    assert all(line[column:].split()[0] in ("True", "False") for line in lines[1:])

    fc.print_layer_table(classifier, only_with_weights=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + sum(1 for row in rows if row[3])
    assert not any("ReLU" in line for line in lines)


# What fit updates vs the trainable flags: tiny two-layer models, a few milliseconds per fit.
_X = np.linspace(0, 1, 32, dtype="float32").reshape(8, 4)
_Y = np.linspace(-1, 1, 8, dtype="float32").reshape(8, 1)


def _tiny(first_trainable=True, run_eagerly=False):
    tiny = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                             keras.layers.Dense(1, name="last")], name="tiny")
    tiny.get_layer("first").trainable = first_trainable
    tiny.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", run_eagerly=run_eagerly)
    return tiny


def _fit(tiny, **kwargs):
    return tiny.fit(_X, _Y, batch_size=8, epochs=1, shuffle=False, verbose=0, **kwargs)


def _first_moved(tiny):
    before = fc.snapshot_weights(tiny.get_layer("first"))
    _fit(tiny)
    return fc.max_weight_change(before, tiny.get_layer("first")) > 0


NO_CHANGE = {"unfrozen_not_training": [], "frozen_still_training": []}
FIRST = ["tiny/first/kernel", "tiny/first/bias"]


def test_recompile_detector_is_quiet_while_flags_and_train_step_agree():
    tiny = _tiny(first_trainable=False)
    assert tiny.train_function is None
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE   # right after compile
    tiny.get_layer("first").trainable = True    # between compile and the first fit: takes effect
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE
    assert _first_moved(tiny)
    assert tiny.train_function is not None
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE   # after fit, nothing changed
    fc.check_compiled_trainability(tiny)                               # returns quietly


def test_recompile_detector_catches_unfreezing_without_recompile():
    tiny = _tiny(first_trainable=False)
    _fit(tiny)
    tiny.get_layer("first").trainable = True
    assert fc.trainability_changed_since_compile(tiny) == {"unfrozen_not_training": FIRST,
                                                           "frozen_still_training": []}
    assert not _first_moved(tiny)   # what the detector reports: fit ignores the unfrozen layer
    with pytest.raises(fc.RecompileNeededError, match=r"tiny/first.*Call model\.compile\(\.\.\.\) again"):
        fc.check_compiled_trainability(tiny)
    assert issubclass(fc.RecompileNeededError, RuntimeError)
    tiny.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE
    assert _first_moved(tiny)
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE


def test_recompile_detector_catches_freezing_without_recompile():
    tiny = _tiny(first_trainable=True)
    _fit(tiny)
    tiny.get_layer("first").trainable = False
    assert fc.trainability_changed_since_compile(tiny) == {"unfrozen_not_training": [],
                                                           "frozen_still_training": FIRST}
    assert _first_moved(tiny)       # frozen, yet still trained
    with pytest.raises(fc.RecompileNeededError, match="STILL updated"):
        fc.check_compiled_trainability(tiny)
    tiny.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    assert not _first_moved(tiny)
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE


def test_recompile_detector_knows_eager_steps_read_the_flags():
    tiny = _tiny(first_trainable=True, run_eagerly=True)
    _fit(tiny)
    tiny.get_layer("first").trainable = False
    assert not _first_moved(tiny)   # no traced step: freezing takes effect at once
    assert fc.trainability_changed_since_compile(tiny) == NO_CHANGE


def test_recompile_guard_stops_fit_before_the_first_step_and_only_then():
    tiny = _tiny(first_trainable=False)
    tiny.get_layer("first").trainable = True   # before the first fit: no false alarm
    _fit(tiny, callbacks=[fc.RecompileGuard()])
    tiny.get_layer("first").trainable = False
    before = fc.snapshot_weights(tiny)
    with pytest.raises(fc.RecompileNeededError, match="tiny/first"):
        _fit(tiny, callbacks=[fc.RecompileGuard()])
    assert fc.max_weight_change(before, tiny) == 0.0


def test_recompile_detector_errors():
    with pytest.raises(TypeError, match="Keras model"):
        fc.trainability_changed_since_compile("model")
    uncompiled = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name="uncompiled")
    with pytest.raises(ValueError, match="'uncompiled' has not been compiled"):
        fc.trainability_changed_since_compile(uncompiled)
    tiny = _tiny()
    _fit(tiny)
    del tiny.optimizer._trainable_variables   # as if a future Keras renamed it
    with pytest.raises(RuntimeError, match="_trainable_variables"):
        fc.trainability_changed_since_compile(tiny)


# --- environment --------------------------------------------------------------------------

def test_set_seeds_reproduces_draws():
    def draws():
        return (keras.ops.convert_to_numpy(keras.random.normal((5,))), np.random.rand(5))

    assert fc.set_seeds(0) == 0
    first = draws()
    fc.set_seeds(0)
    second = draws()
    fc.set_seeds(1)
    third = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    for a, c in zip(first, third):
        assert not np.array_equal(a, c)


def test_skip_graph_optimizer_switches_grappler_and_keeps_the_results():
    """Lessons 0-8 turn TensorFlow's graph optimizer off; the same training must give the same
    weights either way (the lessons' stored outputs did not change when it was turned off)."""
    import tensorflow as tf

    def trained_weights():
        fc.set_seeds(0)
        toy = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, use_bias=False),
                                keras.layers.BatchNormalization(), keras.layers.ReLU(),
                                keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)])
        fc.compile_classifier(toy, 1e-2, steps_per_execution=2)
        x = np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32)
        toy.fit(x, np.arange(16) % 3, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return toy.get_weights()

    was_skipped = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    try:
        assert fc.skip_graph_optimizer(False) is False
        assert not tf.config.optimizer.get_experimental_options()["disable_meta_optimizer"]
        optimized = trained_weights()
        assert fc.skip_graph_optimizer() is True
        assert tf.config.optimizer.get_experimental_options()["disable_meta_optimizer"]
        skipped = trained_weights()
    finally:
        fc.skip_graph_optimizer(was_skipped)
    for a, b in zip(optimized, skipped):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    with pytest.raises(TypeError, match="True or False"):
        fc.skip_graph_optimizer("yes")


@pytest.mark.parametrize("seed", [-1, "0", 1.5, True])
def test_set_seeds_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        fc.set_seeds(seed)


def test_course_seed_reads_the_environment(monkeypatch):
    monkeypatch.delenv("COURSE_SEED", raising=False)
    assert fc.course_seed() == 0 and fc.course_seed(2) == 2     # the default, and an offset from it
    monkeypatch.setenv("COURSE_SEED", "17")
    assert fc.course_seed() == 17 and fc.course_seed(4) == 21
    monkeypatch.setenv("COURSE_SEED", " 3 ")
    assert fc.course_seed() == 3
    monkeypatch.setenv("COURSE_SEED", "")
    assert fc.course_seed() == 0                                 # set but empty: the default


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "0x10"])
def test_course_seed_rejects_bad_values_with_the_fix(monkeypatch, value):
    monkeypatch.setenv("COURSE_SEED", value)
    with pytest.raises(ValueError, match=r"COURSE_SEED=.* is not a seed: set it to a non-negative integer"):
        fc.course_seed()


@pytest.mark.parametrize("offset", [-1, 1.5, True, "1"])
def test_course_seed_rejects_bad_offsets(monkeypatch, offset):
    monkeypatch.delenv("COURSE_SEED", raising=False)
    with pytest.raises(ValueError, match="offset"):
        fc.course_seed(offset)


def test_maintainer_scripts_name_the_same_seed_variable():
    """refresh_outputs.py (and check_claims.py through it) name the variable without importing Keras."""
    spec = importlib.util.spec_from_file_location(
        "refresh_outputs", pathlib.Path(__file__).resolve().parents[1] / "scripts" / "refresh_outputs.py")
    sys.path.insert(0, str(pathlib.Path(spec.origin).parent))
    try:
        refresh_outputs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(refresh_outputs)
    finally:
        sys.path.pop(0)
    assert refresh_outputs.SEED_VARIABLE == fc.environment.SEED_VARIABLE == "COURSE_SEED"


def test_every_notebook_takes_its_seeds_from_course_seed():
    """No lesson or solution seeds anything with a number of its own: each seed is COURSE_SEED's."""
    import json
    import re

    root = pathlib.Path(__file__).resolve().parents[1]
    literal = re.compile(r"(set_seeds|seed_model_and_shuffle)\(\d|seed=\d|default_rng\(\d|SEEDS? = \(?\d")
    offenders = []
    for path in sorted([*root.glob("notebooks/*.ipynb"), *root.glob("solutions/*.ipynb")]):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        offenders += [f"{path.name}: {match.group(0)}" for match in literal.finditer(code)]
        if re.search(r"\bseed\b|set_seeds", code) and "course_seed(" not in code:
            offenders.append(f"{path.name}: seeds something but never calls fc.course_seed()")
    assert not offenders, offenders


def test_environment_report(capsys):
    report = fc.environment_report()
    assert {"python", "keras", "backend", "tensorflow", "device", "where"} <= set(report)
    assert report["keras"] == keras.__version__
    assert report["backend"] == "tensorflow"
    assert report["python"] == ".".join(map(str, sys.version_info[:3]))
    gpus = fc.environment.gpu_names()   # what TensorFlow sees here: none on CI, some on a GPU box or Colab
    assert report["device"] == (f"GPU ({len(gpus)}: {', '.join(gpus)})" if gpus else "CPU (no GPU found)")
    assert report["where"] == ("Google Colab" if fc.environment.in_colab() else "local Python")
    fc.print_environment()
    assert "keras: " + keras.__version__ in capsys.readouterr().out



def test_environment_report_on_a_colab_gpu_machine(monkeypatch):
    """What the report says on Colab with a GPU, whatever this machine has."""
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(fc.environment, "gpu_names", lambda: ["/physical_device:GPU:0"])
    report = fc.environment_report()
    assert report["where"] == "Google Colab"
    assert report["device"] == "GPU (1: /physical_device:GPU:0)"

# --- recipes ------------------------------------------------------------------------------

def test_source_accuracy_of_shipped_base():
    assert recipes.source_accuracy(fc.load_pretrained_base()) > 0.85
    assert recipes.source_accuracy(model.build_base()) < 0.3  # an untrained base does not know it


def test_freeze_all_but_batchnorm():
    base = fc.load_pretrained_base()
    base.trainable = False
    assert recipes.freeze_all_but_batchnorm(base) is base
    frozen = {layer.name for layer in base.layers if not layer.trainable}
    assert frozen == {layer.name for layer in _bn_layers(base)}
    assert base.trainable
    bn_params = sum(layer.count_params() for layer in _bn_layers(base))
    assert fc.parameter_counts(base)["non_trainable"] == bn_params


def test_train_head_leaves_the_base_untouched_and_trains_the_head(trained_head, task):
    classifier, history = trained_head["classifier"], trained_head["history"]
    assert fc.get_base(classifier) is trained_head["base"]
    assert not trained_head["base"].trainable
    changes = fc.weight_change(trained_head["base_before"], trained_head["base"])
    assert all(change == 0.0 for change in changes.values())  # bit-identical, BatchNorm statistics too
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    changes = fc.weight_change(trained_head["classifier_before"], classifier)
    moved = {path for path, change in changes.items() if change > 0}
    assert moved == {"classifier/head/kernel", "classifier/head/bias"}  # the head, and only the head
    assert recipes.accuracy(classifier, task.val) > 0.3


def test_train_from_scratch_reuses_one_compiled_model_without_changing_results(task):
    """Reusing the compiled scratch model must give exactly what a freshly compiled one gives,
    also when an earlier call trained it with another seed (weights and Adam state reset)."""
    recipes.train_from_scratch(task, epochs=1, learning_rate=1e-2, seed=5, validate=False)
    reused, history = recipes.train_from_scratch(task, epochs=2, learning_rate=3e-3, seed=7, validate=False)
    fc.environment.seed_model_and_shuffle(7)   # what the recipe seeds: initial weights, shuffle
    fresh = model.compile_classifier(model.build_classifier(model.build_base()), 3e-3)
    fresh_history = recipes.fit(fresh, task, 2, validate=False, seed=7)
    assert history.history["loss"] == fresh_history.history["loss"]
    for a, b in zip(reused.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    again, _ = recipes.train_from_scratch(task, epochs=2, learning_rate=3e-3, seed=7, validate=False)
    assert reused is not again  # each call returns its own model


def test_fit_head_on_features_matches_fitting_the_whole_frozen_model(task):
    """Training the head on features computed once is the same computation as ``fit`` on the
    whole model with the base frozen (up to float rounding)."""
    fast, fast_history = recipes.train_head(task, epochs=2, learning_rate=1e-2, seed=3)
    fc.environment.seed_model_and_shuffle(3)
    base = fc.load_pretrained_base()
    base.trainable = False
    slow = model.compile_classifier(model.build_classifier(base), 1e-2)
    slow_history = recipes.fit(slow, task, 2, seed=3)
    np.testing.assert_allclose(fast_history.history["val_loss"], slow_history.history["val_loss"], rtol=1e-4)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_copy_classifier_copies_weights_and_trainable_flags(trained_head):
    original = trained_head["classifier"]
    recipes.freeze_all_but_batchnorm(fc.get_base(original))
    try:
        copy = fc.copy_classifier(original)
        assert copy is not original and fc.get_base(copy) is not fc.get_base(original)
        assert fc.layer_rows(copy) == fc.layer_rows(original)
        for a, b in zip(copy.get_weights(), original.get_weights()):
            np.testing.assert_array_equal(a, b)
    finally:
        fc.get_base(original).trainable = False


def test_continue_head_trains_a_copy_and_leaves_the_original_alone(trained_head, task):
    original = trained_head["classifier"]
    before = fc.snapshot_weights(original)
    copy, history = recipes.continue_head(original, task, epochs=1, learning_rate=1e-2, seed=0, validate=False)
    assert fc.max_weight_change(before, original) == 0.0
    moved = {p for p, c in fc.weight_change(fc.snapshot_weights(original), copy).items() if c > 0}
    assert moved == {"classifier/head/kernel", "classifier/head/bias"}
    assert len(history.history["loss"]) == 1


def test_fine_tuned_copy_matches_a_freshly_compiled_fine_tune(trained_head, task):
    """The shared compiled fine-tuner (a LayerwiseAdam, shared with train_discriminative) must give
    exactly what recompiling a copy with a plain Adam gives, also after an earlier call at another
    learning rate and one with per-layer rates (weights, Adam state, rate and multipliers reset)."""
    original = trained_head["classifier"]
    before = fc.snapshot_weights(original)
    recipes.fine_tuned_copy(original, task, epochs=1, learning_rate=1e-2, seed=5, validate=False)
    recipes.train_discriminative(task, 1, 1e-2, {"block1_conv1": 0.5}, seed=5, validate=False)
    reused, history = recipes.fine_tuned_copy(original, task, epochs=2, learning_rate=1e-3, seed=7,
                                              validate=False)
    assert fc.max_weight_change(before, original) == 0.0
    fresh = fc.copy_classifier(original)
    recipes.freeze_all_but_batchnorm(fc.get_base(fresh))
    model.compile_classifier(fresh, 1e-3)
    fresh_history = recipes.fit(fresh, task, 2, validate=False, seed=7)   # the recipe's shuffle
    assert history.history["loss"] == fresh_history.history["loss"]
    for a, b in zip(reused.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert fc.layer_rows(reused) == fc.layer_rows(fresh)  # BatchNorm frozen, the rest trainable


def test_recipe_models_trace_their_train_step_once_and_fit_the_same():
    """The recipes' compiled models have their optimizer and metrics built before the first fit.
    Otherwise Keras 3 on TensorFlow creates those variables inside the first trace of the train step
    and TensorFlow traces it a second time (about 1-1.7 s for the whole network). Either way, fit
    must compute and report the same."""
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    recipe_model, _ = recipes._compiled_model.__wrapped__(("head", 3, 2))   # a fresh one, not the cached
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="head")])
    plain.set_weights(recipe_model.get_weights())
    model.compile_classifier(plain, 1e-3)
    histories, traces = {}, {}
    for name, toy in (("plain", plain), ("recipe", recipe_model)):
        traces[name], step = [], toy.train_step
        toy.train_step = lambda data, step=step, seen=traces[name]: seen.append(1) or step(data)
        histories[name] = toy.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0).history
    assert (len(traces["plain"]), len(traces["recipe"])) == (2, 1)   # Python in a step runs only when traced
    assert histories["plain"] == histories["recipe"]
    for a, b in zip(plain.get_weights(), recipe_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_backward_pass_work_counts_what_the_gradients_need():
    # One conv on a 4x4x1 input, 2 filters of 3x3: only the kernel's gradient is needed (the input
    # is no weight), 4*4 output positions x 3*3*1*2 kernel weights = 288 multiply-adds.
    tiny = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3, padding="same")])
    assert fc.backward_pass_work(tiny) == {"conv_gradients": 1, "multiply_adds": 288}
    tiny.trainable = False
    assert fc.backward_pass_work(tiny) == {"conv_gradients": 0, "multiply_adds": 0}
    work = {}
    for n in (7, 21):
        base = fc.load_pretrained_base()
        recipes.unfreeze_last(base, n)
        work[n] = fc.backward_pass_work(base)
    assert work[7]["conv_gradients"] < work[21]["conv_gradients"]       # block 3 only: 2 convs, 1 input gradient
    assert work[7]["multiply_adds"] < work[21]["multiply_adds"] / 2   # the big early maps are skipped
    with pytest.raises(ValueError, match="fixed input shape"):
        fc.backward_pass_work(keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3)]))


# --- checks -------------------------------------------------------------------------------

def test_unfrozen_and_recompiled_check_rejects_what_it_can_see_without_training():
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    before = fc.snapshot_weights(base)
    history = _history(loss=[1.0])

    def message(model_, history_=history):
        with pytest.raises(checks.ExerciseCheckError) as error:
            checks.check_unfrozen_and_recompiled(model_, history_, before)
        return str(error.value)

    assert "still None" in message(None)
    assert "`history` is still None" in message(classifier, None)
    base.trainable = False
    assert "still frozen" in message(classifier)
    base.trainable = True
    assert "not compiled" in message(classifier)
    model.compile_classifier(classifier, 1e-3)
    assert "BatchNormalization layers are trainable" in message(classifier)
    recipes.freeze_all_but_batchnorm(base)
    model.compile_classifier(classifier, 1e-3)
    assert "convolutions moved" in message(classifier)   # compiled, never fitted: nothing moved
    assert "compile the model again" in message(classifier)


# --- plots --------------------------------------------------------------------------------

def test_show_images(task):
    names = fc.TARGET_CLASSES
    with pytest.raises(ValueError, match="height, width, 1"):
        plots.show_images(task.train.x[..., 0], task.train.y, names)
    fig = plots.show_images(task.train.x, task.train.y, names, title="digits", columns=5, rows=2)
    assert isinstance(fig, matplotlib.figure.Figure)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == [names[label] for label in task.train.y[:10]]
    assert fig._suptitle.get_text() == "digits"


def test_show_predictions_marks_mistakes_in_red_with_the_true_class(task):
    names = fc.TARGET_CLASSES
    images, labels = task.train.x[:4], task.train.y[:4]
    predicted = labels.copy()
    predicted[1] = (labels[1] + 1) % 10   # one mistake
    with pytest.raises(ValueError, match="one label and one prediction per image"):
        plots.show_predictions(images, labels, predicted[:3], names)
    with pytest.raises(ValueError, match="height, width, 1"):
        plots.show_predictions(images[..., 0], labels, predicted, names)
    fig = plots.show_predictions(images, labels, predicted, names, columns=4, rows=1, title="t")
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == [names[labels[0]], f"{names[predicted[1]]} ({names[labels[1]]})",
                                                 names[labels[2]], names[labels[3]]]
    assert [matplotlib.colors.to_hex(ax.title.get_color()) for ax in titled] == ["#000000", "#ff0000", "#000000", "#000000"]


def test_plot_confusion_writes_every_nonzero_count_and_checks_the_shape():
    confusion = np.array([[5, 0, 1], [0, 4, 0], [2, 0, 3]])
    with pytest.raises(ValueError, match="3x3 matrix"):
        plots.plot_confusion(confusion[:2], ["a", "b", "c"])
    fig = plots.plot_confusion(confusion, ["a", "b", "c"], title="c")
    (ax,) = fig.axes
    written = sorted((text.get_position(), text.get_text()) for text in ax.texts)
    assert written == sorted(((pred, true), str(count)) for (true, pred), count in np.ndenumerate(confusion) if count)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")


def test_plot_phases():
    head = _history(loss=[1.0, 0.8], val_loss=[1.1, 0.9], accuracy=[0.5, 0.6])
    tune = {"loss": [0.7, 0.6, 0.5], "val_loss": [0.85, 0.8, 0.8]}
    with pytest.raises(ValueError, match="2 histories but 1 names"):
        plots.plot_phases([head, tune], names=["head"])
    before = plt.get_fignums()
    with pytest.raises(KeyError, match="accuracy") as error:
        plots.plot_phases([head, tune], names=["head", "fine-tune"], metrics=("loss", "accuracy"))
    assert "fine-tune" in str(error.value)
    assert plt.get_fignums() == before  # no empty figure left behind
    fig = plots.plot_phases([head, tune], names=["head", "fine-tune"])
    assert isinstance(fig, matplotlib.figure.Figure)
    (ax,) = fig.axes
    lines = [line for line in ax.get_lines() if line.get_linestyle() != "--"]
    assert [list(line.get_xdata()) for line in lines] == [[1, 2], [1, 2], [3, 4, 5], [3, 4, 5]]
    assert [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"] == [2.5]


# --- scripts/pretrain_base.py -------------------------------------------------------------

def _asset_state():
    return {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in ASSETS.iterdir()}


@pytest.mark.slow
def test_pretrain_script_quick_run_writes_only_to_out(tmp_path):
    shipped = _asset_state()
    out = tmp_path / "base.keras"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pretrain_base.py"), "--quick",
                             "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.exists() and out.with_suffix(".json").exists()
    assert '"images": 600' in out.with_suffix(".json").read_text()
    loaded = fc.load_source_model(out)
    assert fc.get_base(loaded).output_shape == (None, 64)
    assert loaded.output_shape == (None, len(fc.SOURCE_CLASSES))
    assert _asset_state() == shipped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "base.keras"]


@pytest.mark.slow
def test_pretrain_script_full_run_keeps_shipped_assets(tmp_path, monkeypatch):
    """A full run with --out elsewhere writes its evaluation set next to --out, not into the
    shipped assets. Training is stubbed out: this checks where the script writes."""
    spec = importlib.util.spec_from_file_location("pretrain_base", ROOT / "scripts" / "pretrain_base.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    from finetune_course import pretrain

    calls = []

    def fake_pretrain(n_images, epochs, seed, verbose):
        calls.append((n_images, epochs, seed))
        evaluation = data.Split(np.zeros((4, 16, 16, 1), np.float32), np.arange(4))
        return model.build_source_model(), evaluation, {"images": n_images, "epochs": epochs}

    monkeypatch.setattr(pretrain, "pretrain_source_model", fake_pretrain)
    shipped = _asset_state()
    out = tmp_path / "full" / "base.keras"
    assert script.main(["--out", str(out), "--images", "123", "--epochs", "2"]) == 0
    assert calls == [(123, 2, 0)]
    assert _asset_state() == shipped
    assert sorted(p.name for p in out.parent.iterdir()) == ["base.json", "base.keras", "source_eval.npz"]
    with np.load(out.parent / "source_eval.npz") as stored:
        assert stored["x"].shape == (4, 16, 16, 1)


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
    with pytest.raises(checks.ExerciseCheckError, match=phrase.replace("(", r"\(")):
        checks.check_schedule(*answer, train_images=1200, batch_size=32)


def test_check_schedule_passes_and_returns_the_rate(capsys):
    rate = float(_halving(38)(4 * 38))   # read from the schedule: float32, not the literal 2.5e-4
    assert checks.check_schedule(38, _halving(38), rate, train_images=1200, batch_size=32) == rate
    assert "Well done" in capsys.readouterr().out


# --- lessons 3, 4 and 6: weight drift, selective unfreezing, diagnostics ---------------------

def test_relative_weight_change_is_norm_of_change_over_norm():
    before = {"a/kernel": np.array([3.0, 4.0]), "a/bias": np.array([1.0])}
    after = {"a/kernel": np.array([3.0, 4.5]), "a/bias": np.array([1.0])}
    assert fc.relative_weight_change(before, after, contains="kernel") == {"a/kernel": pytest.approx(0.1)}
    assert fc.relative_weight_change(before, after)["a/bias"] == 0.0
    with pytest.raises(ValueError, match="No weight path contains"):
        fc.relative_weight_change(before, after, contains="gamma")


def test_unfreeze_last_unfreezes_the_last_layers_but_not_batchnorm():
    base = fc.load_pretrained_base()
    recipes.unfreeze_last(base, 7)
    trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    assert trainable == ["block3_conv1", "block3_conv2"]
    for bad in (0, 23, -1, 2.5, True):
        with pytest.raises(ValueError, match="n must be an integer from 1 to 22"):
            recipes.unfreeze_last(base, bad)


def test_epoch_timer_records_one_time_per_epoch():
    toy = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    toy.compile(optimizer="sgd", loss="mse")
    timer = recipes.EpochTimer()
    toy.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=3, verbose=0, callbacks=[timer])
    assert len(timer.seconds) == 3 and all(s > 0 for s in timer.seconds)


def test_batch_log_recovers_each_batch_loss_and_sgd_update_size():
    from finetune_course import diagnostics

    fc.set_seeds(0)
    toy = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    toy.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]], dtype="float32")
    y = np.array([[1.0], [2.0], [3.0], [4.0]], dtype="float32")
    log = diagnostics.BatchLog()
    kernels = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: kernels.append(toy.get_weights()[0].copy()))
    toy.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0, callbacks=[recorder, log])
    expected = [float(((x[i:i + 1] @ k - y[i:i + 1]) ** 2).mean()) for i, k in enumerate(kernels)]
    np.testing.assert_allclose(log.losses, expected, rtol=1e-4)
    steps = [np.linalg.norm(b - a) for a, b in zip(kernels, kernels[1:] + [toy.get_weights()[0]])]
    np.testing.assert_allclose(log.update_norms, steps, rtol=1e-4)
    assert log.first_nonfinite_batch is None
    log.losses = [1.0, float("inf"), float("nan")]
    assert log.first_nonfinite_batch == 1


def test_batch_log_refuses_steps_per_execution():
    from finetune_course import diagnostics

    toy = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    toy.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
    with pytest.raises(ValueError, match="steps_per_execution=1"):
        toy.fit(np.zeros((4, 2)), np.zeros((4, 1)), batch_size=1, verbose=0, callbacks=[diagnostics.BatchLog()])


def test_sharpness_matches_the_exact_hessian_of_a_linear_least_squares_model():
    from finetune_course import diagnostics

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)).astype("float32") + 1.0
    y = rng.normal(size=(50,)).astype("float32")
    toy = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    exact = np.linalg.eigvalsh(2 * x.T @ x / len(x))[-1]   # Hessian of mean squared error: 2 X^T X / n
    assert diagnostics.sharpness(toy, x, y, iterations=50) == pytest.approx(exact, rel=1e-3)
    toy.trainable = False
    with pytest.raises(ValueError, match="no trainable weights"):
        diagnostics.sharpness(toy, x, y)


# --- lesson 8: per-layer learning rates -------------------------------------------------------

def _toy_two_layer():
    fc.set_seeds(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="pretrained"),
                             keras.layers.Dense(1, name="head")])


def _largest_change_per_layer(toy, optimizer):
    toy.compile(optimizer=optimizer, loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    before = fc.snapshot_weights(toy)
    toy.fit(x, x.sum(axis=1, keepdims=True), batch_size=8, epochs=1, verbose=0)
    changes = fc.weight_change(before, toy)
    return {name: max(c for p, c in changes.items() if f"/{name}/" in f"/{p}") for name in ("pretrained", "head")}


def test_layerwise_adam_gives_each_layer_its_rate_and_can_change_it():
    from finetune_course import discriminative

    toy = _toy_two_layer()
    optimizer = discriminative.LayerwiseAdam(1e-2, multipliers={"pretrained": 0.1})
    sizes = _largest_change_per_layer(toy, optimizer)   # Adam's first step: each weight moves ~ its rate
    assert sizes["head"] == pytest.approx(1e-2, rel=1e-3) and sizes["pretrained"] == pytest.approx(1e-3, rel=1e-3)
    assert [optimizer.factor_of(v) for v in toy.trainable_variables] == pytest.approx([0.1, 0.1, 1.0, 1.0])
    optimizer.set_multipliers({"pretrained": 0.5})
    assert optimizer.factor_of(toy.trainable_variables[0]) == pytest.approx(0.5)
    config = optimizer.get_config()
    assert config["multipliers"] == {"pretrained": 0.5}
    assert discriminative.LayerwiseAdam.from_config(config).multipliers == {"pretrained": 0.5}
    with pytest.raises(ValueError, match="non-negative numbers"):
        discriminative.LayerwiseAdam(1e-3, multipliers={"pretrained": -1})


def test_layerwise_decay_divides_by_the_factor_per_block():
    from finetune_course import discriminative

    factors = discriminative.layerwise_decay(fc.load_pretrained_base(), 0.1, decay=2.6)
    assert factors["block3_conv2"] == pytest.approx(0.1)
    assert factors["block2_bn1"] == pytest.approx(0.1 / 2.6)
    assert factors["block1_conv1"] == pytest.approx(0.1 / 2.6 ** 2)
    with pytest.raises(ValueError, match="at least 1"):
        discriminative.layerwise_decay(fc.load_pretrained_base(), 0.1, decay=0.5)


def test_gradient_scale_is_identity_forward_and_scales_gradients_back():
    import tensorflow as tf
    from finetune_course import discriminative

    layer = discriminative.GradientScale(0.1)
    x = tf.constant([[1.0, -2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        total = tf.reduce_sum(3.0 * y)
    np.testing.assert_allclose(y.numpy(), x.numpy())
    np.testing.assert_allclose(tape.gradient(total, x).numpy(), [[0.3, 0.3]], rtol=1e-6)


def test_compile_classifier_takes_an_optimizer_instance_or_a_rate_not_both():
    from finetune_course import discriminative

    classifier = model.build_classifier(fc.load_pretrained_base())
    model.compile_classifier(classifier, None, discriminative.LayerwiseAdam(1e-3))
    assert isinstance(classifier.optimizer, discriminative.LayerwiseAdam)
    with pytest.raises(ValueError, match="not both"):
        model.compile_classifier(classifier, 1e-3, keras.optimizers.Adam())
    with pytest.raises(ValueError, match="Unknown optimizer"):
        model.compile_classifier(classifier, 1e-3, "adamw")


# --- the review quiz ----------------------------------------------------------------------------

def test_quiz_questions_are_complete_and_checked():
    from finetune_course import quiz

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import quiz_key   # the key in the clear: maintainers only, not in the package

    assert set(quiz_key.ANSWERS) == set(quiz.QUESTIONS) == set(quiz_key.WHY)
    for qid, question in quiz.QUESTIONS.items():
        answer = quiz_key.ANSWERS[qid]
        assert answer in question.choices and set(quiz_key.WHY[qid]) == set(question.choices), qid
        assert not hasattr(question, "answer")   # the key is not readable from the kernel
        assert quiz.check(qid, answer.lower()) is True
        for wrong in set(question.choices) - {answer}:
            with pytest.raises(checks.ExerciseCheckError, match=f"Not {wrong}"):
                quiz.check(qid, wrong)
    with pytest.raises(ValueError, match="Unknown question 'nope'.*why_lower_lr"):
        quiz.check("nope", "A")
    for malformed in (3, "AB", "", "Z"):
        with pytest.raises(checks.ExerciseCheckError, match="not one of the choices"):
            quiz.check("recompile", malformed)
    with pytest.raises(checks.ExerciseCheckError, match="still None"):
        quiz.check("recompile", None)


def test_quiz_staircase_answer_is_what_keras_computes():
    from finetune_course import quiz

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
    import quiz_key

    schedule = keras.optimizers.schedules.ExponentialDecay(0.001, decay_steps=1000, decay_rate=0.96, staircase=True)
    values = [float(f"{float(schedule(step)):.7g}") for step in (0, 1000, 2000, 3000)]
    question = quiz.QUESTIONS["staircase_values"]
    assert [float(v) for v in question.choices["A"].split(", ")] == values   # the schedule's own values
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    with pytest.raises(TypeError):   # ... but the question calls optimizer.learning_rate(step)
        optimizer.learning_rate(1000)
    assert quiz_key.ANSWERS["staircase_values"] == "B" and "TypeError" in question.choices["B"]


# --- lesson 7: resuming, epochs, early stopping ----------------------------------------------

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
    with pytest.raises(checks.ExerciseCheckError, match="still None"):
        checks.check_early_stopping(toy, history, None, task.val)
    with pytest.raises(checks.ExerciseCheckError, match='monitor="val_loss"'):
        checks.check_early_stopping(toy, history, stopping(monitor="loss"), task.val)
    with pytest.raises(checks.ExerciseCheckError, match="saw no epoch"):
        checks.check_early_stopping(toy, history, stopping(used=False), task.val)
    with pytest.raises(checks.ExerciseCheckError, match="restore_best_weights"):
        checks.check_early_stopping(toy, history, stopping(restore=False), task.val)
    with pytest.raises(checks.ExerciseCheckError, match="no `val_loss`"):
        checks.check_early_stopping(toy, _history(loss=[1.0]), stopping(), task.val)
    other_run = _history(loss=[1.0, 0.5], val_loss=[measured + 0.3, measured + 0.1])
    with pytest.raises(checks.ExerciseCheckError, match="same fine-tuning run"):
        checks.check_early_stopping(toy, other_run, stopping(), task.val)
    assert checks.check_early_stopping(toy, history, stopping(), task.val) == pytest.approx(measured)
    assert "(epoch 1, " in capsys.readouterr().out   # Keras's epoch number, counted from 0


# --- speed helpers: traced inference, seeded shuffles -----------------------------------------

def test_predict_matches_an_eager_call_and_never_mixes_up_models(task):
    """``recipes.predict`` shares one traced twin between models of one architecture: it must
    give each model its own outputs, whatever was evaluated before."""
    first = model.build_classifier(fc.load_pretrained_base())
    second = fc.copy_classifier(first)
    second.layers[-1].set_weights([w + 0.5 for w in second.layers[-1].get_weights()])
    fc.get_base(second).trainable = False   # flags do not change inference, so the twin is shared
    x = task.val.x
    for classifier in (first, second, first, second):   # the first call is eager, the rest traced
        np.testing.assert_allclose(recipes.predict(classifier, x),
                                   keras.ops.convert_to_numpy(classifier(x, training=False)), rtol=1e-5, atol=1e-6)
    assert not np.allclose(recipes.predict(first, x), recipes.predict(second, x))
    assert recipes._traced_twin.cache_info().currsize >= 1
    toy = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])   # another architecture
    np.testing.assert_allclose(recipes.predict(toy, np.ones((4, 3))),
                               keras.ops.convert_to_numpy(toy(np.ones((4, 3)))), rtol=1e-6)


def test_seeded_dataset_repeats_its_order_whatever_ran_before(task):
    import tensorflow as tf

    def epochs(seed):
        dataset = fc.as_dataset(task.train, 10, seed=seed)
        return [np.concatenate([y for _, y in dataset.as_numpy_iterator()]) for _ in range(2)]

    first = epochs(3)
    tf.random.uniform(())   # other random ops in between must not matter
    again = epochs(3)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], first[1])   # reshuffled every epoch
    assert not np.array_equal(first[0], epochs(4)[0])
    with pytest.raises(ValueError, match="seed"):
        fc.as_dataset(task.train, 10, seed=-1)


def test_seed_model_and_shuffle_repeats_initial_weights_and_rejects_bad_seeds():
    fc.environment.seed_model_and_shuffle(4)
    a = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)]).get_weights()[0]
    fc.environment.seed_model_and_shuffle(4)
    b = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)]).get_weights()[0]
    np.testing.assert_array_equal(a, b)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            fc.environment.seed_model_and_shuffle(bad)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_matching_variables_by_id_in_update_step_fails_compiled_or_eager(run_eagerly):
    """Lesson 8 runs its one-step optimizer demos eagerly (no tracing); the id() pitfall it shows
    must be the same in a compiled fit: update_step never sees the layer's own variable objects."""
    seen = []

    class IdMatchingAdam(keras.optimizers.Adam):
        def __init__(self, learning_rate, slow_variables):
            super().__init__(learning_rate)
            self.slow_ids = {id(v) for v in slow_variables}

        def update_step(self, gradient, variable, learning_rate):
            seen.append(id(variable) in self.slow_ids)
            super().update_step(gradient, variable, learning_rate)

    toy = _toy_two_layer()
    toy.compile(optimizer=IdMatchingAdam(1e-2, toy.get_layer("pretrained").trainable_variables), loss="mse",
                run_eagerly=run_eagerly)
    x = np.ones((8, 4), dtype="float32")
    toy.fit(x, x.sum(axis=1, keepdims=True), batch_size=8, epochs=1, verbose=0)
    assert seen and not any(seen)   # no variable ever matched: the slow layer silently gets the full rate


def test_load_source_model_builds_in_code_what_the_file_holds():
    """load_source_model builds the architecture in code and reads only the weights (so Keras
    3.13 can load a file saved by 3.15, whose load_model it cannot): the layers the file records
    (config.json inside the .keras archive, read without Keras) must be the ones built, with the
    same options wherever both versions name one."""
    import json
    import zipfile

    def layers(config):   # (class, name, options) of every layer, nested models included
        found = []
        for layer in config["config"].get("layers", []):
            options = {k: v for k, v in layer["config"].items()   # initializers: overwritten by the weights
                       if k not in ("layers", "dtype") and not k.endswith("_initializer")}
            found.append((layer["class_name"], layer["config"].get("name"), options))
            found += layers(layer)
        return found

    with zipfile.ZipFile(model.SOURCE_MODEL_FILE) as archive:
        saved = layers(json.loads(archive.read("config.json")))
    built = layers(json.loads(model.load_source_model().to_json()))
    assert [(c, n) for c, n, _ in built if c != "InputLayer"] == [(c, n) for c, n, _ in saved if c != "InputLayer"]
    for (cls, name, mine), (_, _, theirs) in zip([b for b in built if b[0] != "InputLayer"],
                                                 [s for s in saved if s[0] != "InputLayer"]):
        shared = set(mine) & set(theirs)
        assert {k: mine[k] for k in shared} == {k: theirs[k] for k in shared}, (cls, name)
