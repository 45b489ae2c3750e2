"""Tests of seeds, determinism, the seed switch and the environment report (environment.py)."""
import importlib.util
import pathlib
import sys

import keras
import numpy as np
import pytest

import finetune_course as fc
from support import ROOT, SCRIPTS


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


def test_start_lesson_seeds_from_course_seed_and_sets_the_graph_optimizer(monkeypatch):
    import tensorflow as tf

    was_skipped = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    try:
        monkeypatch.setenv("COURSE_SEED", "17")
        assert fc.start_lesson() == 17 and fc.start_lesson(2) == 19
        assert tf.config.optimizer.get_experimental_options()["disable_meta_optimizer"]
        fc.start_lesson()
        first = np.random.rand(3)
        assert fc.start_lesson(graph_optimizer=True) == 17
        assert not tf.config.optimizer.get_experimental_options()["disable_meta_optimizer"]
        np.testing.assert_array_equal(first, np.random.rand(3))   # seeded again, the same draws
        with pytest.raises(TypeError, match="True or False"):
            fc.start_lesson(graph_optimizer="no")
    finally:
        fc.skip_graph_optimizer(was_skipped)


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
        "refresh_outputs", SCRIPTS / "refresh_outputs.py")
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

    root = ROOT
    literal = re.compile(r"(set_seeds|seed_model_and_shuffle)\(\d|seed=\d|default_rng\(\d|SEEDS? = \(?\d")
    offenders = []
    for path in sorted([*root.glob("notebooks/*.ipynb"), *root.glob("solutions/*.ipynb")]):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
        offenders += [f"{path.name}: {match.group(0)}" for match in literal.finditer(code)]
        if re.search(r"\bseed\b|set_seeds", code) and not re.search(r"course_seed\(|start_lesson\(", code):
            offenders.append(f"{path.name}: seeds something but never calls fc.start_lesson() (or fc.course_seed())")
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


def test_set_seeds_switches_deterministic_ops_on_and_off():
    from tensorflow.python.framework import config   # the only way to read the switch

    fc.set_seeds(0, deterministic_ops=False)
    assert not config.is_op_determinism_enabled()
    fc.set_seeds(0)
    assert config.is_op_determinism_enabled()
    with pytest.raises(TypeError, match="True or False"):
        fc.set_seeds(0, deterministic_ops="no")
