"""The course's speed machinery: what it caches, and why the results stay the same.

On a CPU, tracing a Keras model's training step costs more than the training itself on a few
hundred images, and an eager evaluation of a model costs more than a traced one. The lessons train
and evaluate dozens of models of a few architectures, so this module keeps

* one **compiled model per recipe** (:func:`compiled_model`): the recipes load their starting
  weights into it and reset its optimizer to its initial state (learning rate included), which is
  exactly what a freshly compiled model starts from (``tests/test_recipes.py`` checks the results
  are bit-identical to recompiling);
* one **traced twin per architecture** for inference (:func:`predict`): each call loads the
  model's weights into it (``tests/test_speed.py`` checks it never mixes models up).

Nothing here is a step a lesson teaches: the lessons write the Keras, and the recipes repeat it.
"""
from __future__ import annotations

import collections
import functools
import re

import keras
import numpy as np

from .. import model as models
from ..trainability import add_lora, unfreeze_all_but_batchnorm, unfreeze_last

# The cached models run this many batches per call into TensorFlow (compile's steps_per_execution):
# with a network this small, the per-call overhead otherwise costs more than the arithmetic.
STEPS_PER_EXECUTION = 10


def unfreeze(base: keras.Model, layers: int | None) -> None:
    """The base's last ``layers`` layers unfrozen (all if None), BatchNorm kept frozen."""
    if layers is None:
        unfreeze_all_but_batchnorm(base)
    else:
        unfreeze_last(base, layers)


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """``model(x, training=False)`` as a NumPy array.

    Called eagerly, a Keras model runs its ops one by one; traced, the same arithmetic runs about
    twice as fast on a CPU, but tracing costs more than one evaluation of a thousand images. So
    the first evaluation of an architecture runs eagerly, and from the second on, models with
    that architecture (``to_json()``, trainable flags aside: they do not change inference) share
    one traced copy, into which each call loads the model's weights. The lessons evaluate dozens
    of fine-tuned copies of one architecture this way."""
    key = _architecture_key(model)
    _evaluations[key] += 1
    if _evaluations[key] == 1:
        return keras.ops.convert_to_numpy(model(x, training=False))
    twin, run = _traced_twin(key, tuple(model.input_shape[1:]))
    twin.set_weights(model.get_weights())
    return run(np.asarray(x, dtype="float32")).numpy()


_evaluations: collections.Counter = collections.Counter()


def _architecture_key(model: keras.Model) -> str:
    """``model.to_json()`` with what does not change inference made equal: trainable flags, and
    the number Keras appends to an automatically named input layer (``input_layer_3``)."""
    architecture = model.to_json().replace('"trainable": false', '"trainable": true')
    input_names = set(re.findall(r'"input_layer_\d+"', architecture))
    if len(input_names) == 1:   # one input: renaming it everywhere keeps the wiring
        architecture = architecture.replace(input_names.pop(), '"input_layer"')
    return architecture


@functools.lru_cache(maxsize=8)
def _traced_twin(architecture: str, input_shape: tuple):
    import tensorflow as tf

    twin = keras.models.model_from_json(architecture)
    signature = [tf.TensorSpec((None, *input_shape), tf.float32)]
    return twin, tf.function(lambda x: twin(x, training=False), input_signature=signature)


@functools.lru_cache(maxsize=None)
def compiled_model(key: tuple) -> tuple[keras.Model, list[np.ndarray]]:
    """``("head", features, classes)``: a head on features, with Adam; ``("scratch",)``: the whole
    classifier, with Adam; ``("fine_tune", n)``: the classifier with its base's last ``n`` layers
    (all if None) unfrozen, BatchNorm excepted, with a ``LayerwiseAdam``; ``("lora", rank)``: the
    classifier with LoRA of that rank on its base's convolutions (:func:`trainability.add_lora`), with Adam.

    A LayerwiseAdam whose multipliers are all 1 (as it starts) computes exactly Adam's steps, since
    ``rate * 1.0 == rate``; ``tests/test_recipes.py`` checks the weights are bit-identical. With it,
    plain fine-tuning and discriminative rates (:func:`train_discriminative`) share one compiled
    model, so the training step of the whole network is traced once, not once per recipe."""
    from ..discriminative import LayerwiseAdam

    if key[0] == "head":
        model = keras.Sequential([keras.Input((key[1],)), keras.layers.Dense(key[2], name="head")])
        models.compile_classifier(model, 1e-3, steps_per_execution=STEPS_PER_EXECUTION)
    else:
        model = models.build_classifier(models.build_base())
        if key[0] == "fine_tune":
            unfreeze(models.get_base(model), key[1])
        elif key[0] == "lora":
            add_lora(models.get_base(model), key[1])
        optimizer = LayerwiseAdam(1e-3) if key[0] == "fine_tune" else keras.optimizers.Adam(1e-3)
        models.compile_classifier(model, None, optimizer, steps_per_execution=STEPS_PER_EXECUTION)
    build_optimizer_and_metrics(model)
    return model, [variable.numpy() for variable in model.optimizer.variables]


def build_optimizer_and_metrics(model: keras.Model) -> None:
    """Create the optimizer's and the compiled metrics' variables now, eagerly.

    Keras 3 on TensorFlow (without a distribution strategy) otherwise creates them inside the first
    trace of the train step, and TensorFlow traces a function that created variables a second time,
    which would double the tracing cost of every recipe. The metrics are built on one blank example
    whose counts are then reset, so they leave no trace in what ``fit`` reports. The optimizer is
    built on the trainable variables as they are now: only do this where they stay so (as in the
    compiled models above), since a variable unfrozen later would be unknown to it."""
    model.optimizer.build(model.trainable_variables)
    x = np.zeros((1, *model.input_shape[1:]), "float32")
    model.compute_metrics(x, np.zeros((1,), "int64"), model(x, training=False), sample_weight=None)
    model.reset_metrics()
