"""Facts about one Keras release that the lessons teach but do not compare in nbval outputs.

Each test asserts the quirk on the installed Keras. When an upstream release changes it, the test
fails with "fixed in Keras X: update lesson N", so the lesson's prose is updated instead of
silently going stale."""
import warnings

import keras
import numpy as np
import pytest

from finetune_course.internals import compat

VERSION = tuple(int(part) for part in keras.__version__.split(".")[:2])


def _fixed(lesson, what):
    return f"fixed in Keras {keras.__version__}: update lesson {lesson} ({what})"


def test_lesson_2_the_recompile_warning_never_runs():
    """Keras 3.15 has a warning for a changed `trainable`, called right after a `raise`; 3.13 and
    3.14 have none. Either way, unfreezing without recompiling gives no warning."""
    lines = compat.unreachable_trainable_warning()
    if VERSION >= (3, 15):
        assert lines is not None, _fixed(2, "the warning for a changed `trainable` moved or was removed")
        assert lines[0] == "raise ValueError(msg)" and "_warn_if_trainable_state_changed()" in lines[1], \
            _fixed(2, "the warning for a changed `trainable` is no longer right after a raise")
    else:
        assert lines is None
    base = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    base.trainable = False
    model = keras.Sequential([base, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 3), "float32")
    model.fit(x, np.ones((8, 1)), verbose=0)
    base.trainable = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, np.ones((8, 1)), verbose=0)
    messages = [str(w.message) for w in caught if "trainable" in str(w.message)]
    assert not messages, _fixed(2, f"Keras now warns: {messages[0]}")


def test_lesson_7b_backup_and_restore_leaves_the_resumed_epoch_for_later_fits(tmp_path):
    """Keras 3.15: after a run resumed by BackupAndRestore, a later fit of the same model starts
    at the resumed epoch whatever `initial_epoch` says (recipes.forget_resumed_epoch undoes it)."""
    class Disconnect(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("disconnected")

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 3), "float32")
    with pytest.raises(RuntimeError):
        model.fit(x, x[:, :1], epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path), Disconnect()])
    model.fit(x, x[:, :1], epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])
    later = model.fit(x, x[:, :1], initial_epoch=0, epochs=2, verbose=0)
    assert later.epoch == [], _fixed("7b", f"a later fit now trains epochs {later.epoch} instead of none")


def test_lesson_5_a_scheduled_learning_rate_is_a_number_not_the_schedule():
    """Keras 3: `optimizer.learning_rate` evaluates the schedule, so the widely quoted
    `optimizer.learning_rate(step)` raises TypeError, and LR callbacks that assign a number fail."""
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.5)
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    assert not callable(optimizer.learning_rate), _fixed(5, "optimizer.learning_rate is callable again")
    with pytest.raises(TypeError):
        optimizer.learning_rate = 1e-4


def _conv_model():
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(4, 3, name="conv"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, name="head")])
    return model, model.get_layer("conv")


def test_lesson_8b_depthwise_and_separable_convolutions_have_no_lora():
    for kind in ("DepthwiseConv2D", "SeparableConv2D"):
        assert not hasattr(getattr(keras.layers, kind), "enable_lora"), \
            _fixed("8b", f"{kind} now has enable_lora")
    assert all(hasattr(getattr(keras.layers, kind), "enable_lora") for kind in ("Dense", "Conv1D", "Conv2D", "Conv3D"))


def test_lesson_8b_unfreezing_after_enable_lora_unfreezes_the_kernel():
    model, conv = _conv_model()
    model.trainable = False
    conv.enable_lora(2)
    model.trainable = True   # frozen -> trainable sets every variable of each layer trainable, the kernel included
    assert "kernel" in [w.path.split("/")[-1] for w in conv.trainable_weights], \
        _fixed("8b", "unfreezing after enable_lora no longer unfreezes the original kernel")
    model, conv = _conv_model()
    conv.enable_lora(2)
    conv.trainable = True    # already trainable: nothing changes, the kernel stays frozen
    assert "kernel" not in [w.path.split("/")[-1] for w in conv.trainable_weights]


def test_lesson_8b_load_model_brings_lora_back_with_both_factors_zero(tmp_path):
    model, conv = _conv_model()
    conv.enable_lora(2)
    conv.lora_kernel_b.assign(np.full(conv.lora_kernel_b.shape, 0.1, "float32"))
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 1)).astype("float32")
    model.save(tmp_path / "lora.keras")
    reloaded = keras.models.load_model(tmp_path / "lora.keras")
    layer = reloaded.get_layer("conv")
    assert layer.lora_enabled, _fixed("8b", "load_model no longer restores LoRA")
    assert not np.any(layer.lora_kernel_a.numpy()) and not np.any(layer.lora_kernel_b.numpy()), \
        _fixed("8b", "load_model now keeps the LoRA factors instead of zeroing them")
    assert np.allclose(reloaded(x), model(x), atol=1e-6)   # the merged kernel is the reloaded kernel
    reloaded.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    reloaded.fit(x, np.ones((4, 2), "float32"), epochs=2, verbose=0)
    assert not np.any(layer.lora_kernel_a.numpy()) and not np.any(layer.lora_kernel_b.numpy())   # zero gradients


def test_lesson_8b_enable_lora_on_a_frozen_layer_adds_frozen_factors():
    model, conv = _conv_model()
    conv.trainable = False
    conv.enable_lora(2)
    assert not conv.lora_kernel_a.trainable and not conv.lora_kernel_b.trainable, \
        _fixed("8b", "enable_lora on a frozen layer now adds trainable factors")
