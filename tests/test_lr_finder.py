"""The learning-rate range test (finetune_course/lr_finder.py), on a case whose answer is known."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from finetune_course import lr_finder


@pytest.fixture(scope="module")
def regression():
    """A one-weight linear model under MSE and plain SGD. The loss's curvature in the weight is
    2 E[x^2], so gradient descent diverges above the rate 1 / E[x^2] (each step multiplies the
    error by |1 - 2 lr E[x^2]|, above 1 beyond it)."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2.0, size=(512, 1)).astype("float32")
    y = (3 * x + rng.normal(0, 1.0, size=x.shape)).astype("float32")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    return model, tf.data.Dataset.from_tensor_slices((x, y)).batch(64), float(1 / np.mean(x ** 2))


def test_range_test_stops_just_past_the_divergence_rate_and_leaves_the_model_alone(regression):
    model, data, diverges_above = regression
    before = [w.copy() for w in model.get_weights()]
    test = lr_finder.lr_range_test(model, data, min_lr=1e-4, max_lr=10.0, steps=200)
    assert diverges_above < test.rates[-1] < 3 * diverges_above, (diverges_above, test.rates[-1])
    assert len(test.rates) < 200                          # it stopped early, at the blow-up
    np.testing.assert_allclose(test.rates[:3], [1e-4, 1e-4 * test.factor, 1e-4 * test.factor ** 2])
    suggestion = test.suggestion()
    assert all(rate < diverges_above for rate in suggestion.values()), suggestion   # on the safe side
    for a, b in zip(before, model.get_weights()):         # the model passed in is untouched
        np.testing.assert_array_equal(a, b)
    assert np.isclose(float(model.optimizer.learning_rate), 0.01) and int(model.optimizer.iterations) == 0


def test_range_test_stops_at_a_nonfinite_loss():
    x = np.ones((40, 1), "float32") * 1e3
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
    test = lr_finder.lr_range_test(model, tf.data.Dataset.from_tensor_slices((x, x)).batch(8),
                                   min_lr=1.0, max_lr=1e6, steps=50, divergence=1e30)
    assert not np.isfinite(test.losses[-1]) and len(test.losses) < 50


@pytest.mark.parametrize("kwargs, message", [
    ({"min_lr": 1e-2, "max_lr": 1e-3}, "must be below max_lr"),
    ({"min_lr": 0.0}, "min_lr must be a positive number"),
    ({"steps": 0}, "at least 2 batches"),
    ({"smoothing": 1.0}, "smoothing"),
    ({"divergence": 1.0}, "divergence must be above 1"),
])
def test_bad_arguments_name_the_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lr_finder.LRRangeTest(**kwargs)


def test_an_uncompiled_model_or_a_schedule_is_refused(regression):
    _, data, _ = regression
    fresh = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="not compiled: compile it"):
        lr_finder.lr_range_test(fresh, data)
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=10, decay_rate=0.5)
    fresh.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    with pytest.raises(ValueError, match="float learning rate"):
        lr_finder.lr_range_test(fresh, data)
    with pytest.raises(TypeError, match="Keras model"):
        lr_finder.lr_range_test("model", data)
