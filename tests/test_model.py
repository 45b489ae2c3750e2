"""Tests of the pretrained base and classifiers (finetune_course/model.py)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import model

from support import _bn_layers


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


def test_star_import_brings_only_helpers_never_a_module_name():
    """`from finetune_course import *` must not overwrite a learner's `model` or `data`."""
    import types

    namespace = {"model": "the learner's model"}
    exec("from finetune_course import *", namespace)
    assert namespace["model"] == "the learner's model"
    exported = {name: value for name, value in namespace.items() if not name.startswith("__") and name != "model"}
    assert set(exported) == set(fc.__all__)
    assert not [name for name, value in exported.items() if isinstance(value, types.ModuleType)]
