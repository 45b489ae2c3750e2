"""Tests of weight drift, selective unfreezing and the diagnostics of lesson 6 (trainability.py, recipes.py, diagnostics.py)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import recipes


def test_relative_weight_change_is_norm_of_change_over_norm():
    before = {"a/kernel": np.array([3.0, 4.0]), "a/bias": np.array([1.0])}
    after = {"a/kernel": np.array([3.0, 4.5]), "a/bias": np.array([1.0])}
    assert fc.relative_weight_change(before, after, contains="kernel") == {"a/kernel": pytest.approx(0.1)}
    assert fc.relative_weight_change(before, after)["a/bias"] == 0.0
    with pytest.raises(ValueError, match="No weight path contains"):
        fc.relative_weight_change(before, after, contains="gamma")


def test_unfreeze_last_unfreezes_the_last_layers_but_not_batchnorm():
    base = fc.load_pretrained_base()
    fc.unfreeze_last(base, 7)
    trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    assert trainable == ["block3_conv1", "block3_conv2"]
    for bad in (0, 23, -1, 2.5, True):
        with pytest.raises(ValueError, match="n must be an integer from 1 to 22"):
            fc.unfreeze_last(base, bad)


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
