"""Tests of per-layer learning rates (discriminative.py)."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import model

from support import _toy_two_layer


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
