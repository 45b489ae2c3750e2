"""Tests of layer tables, parameter counts, weight snapshots and the recompile guard (trainability.py)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import trainability

from support import HEAD_PARAMS, _bn_layers


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


def test_add_lora_freezes_kernels_and_batchnorm_and_trains_factors():
    base = fc.load_pretrained_base()
    base.trainable = False
    assert trainability.add_lora(base, 2) is base
    convolutions = [layer for layer in base.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.name for layer in trainability.lora_layers(base)] == [layer.name for layer in convolutions]
    trainable = {w.path.split("/")[-1] for w in base.trainable_weights}
    assert trainable == {"lora_kernel_a", "lora_kernel_b"}   # no kernel, no BatchNorm weight
    expected = sum(2 * (int(np.prod(layer.kernel.shape[:-1])) + layer.filters) for layer in convolutions)
    assert fc.parameter_counts(base)["trainable"] == expected
    classifier = fc.build_classifier(base)
    assert len(trainability.lora_layers(classifier)) == len(convolutions)   # found inside the base too


@pytest.mark.parametrize("rank", [0, -1, 1.5, True, "4"])
def test_add_lora_rejects_a_bad_rank(rank):
    with pytest.raises(ValueError, match="rank must be a positive integer"):
        trainability.add_lora(fc.load_pretrained_base(), rank)


def test_add_lora_says_when_no_layer_supports_it():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.DepthwiseConv2D(3)], name="depthwise")
    with pytest.raises(ValueError, match="supports enable_lora"):
        trainability.add_lora(model, 2)
