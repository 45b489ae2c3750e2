"""The training recipes the lessons compare, each a few lines of plain Keras.

Lesson 1 writes the frozen-base recipe out by hand; later lessons and the
multi-seed comparisons call these so the code lives in one place.
"""
from __future__ import annotations

import functools

import keras
import numpy as np

from . import data, environment, model as models

# The target's training set has 10 x labels_per_class images, so batches of 10 are all full:
# a smaller last batch would make TensorFlow trace the training step a second time.
BATCH_SIZE = 10


def accuracy(model: keras.Model, split: data.Split) -> float:
    """Fraction of ``split`` that ``model`` classifies correctly."""
    logits = keras.ops.convert_to_numpy(model(split.x, training=False))
    return float(np.mean(np.argmax(logits, axis=-1) == split.y))


def source_accuracy(base: keras.Model) -> float:
    """How well ``base`` still does the source task: its weights under the original source head,
    on source images never seen in pretraining. The shipped base scores about 0.91
    (see ``assets/source_model.json``)."""
    kernel, bias = _source_head_weights()
    source = data.load_source_eval()
    features = keras.ops.convert_to_numpy(base(source.x, training=False))
    return float(np.mean(np.argmax(features @ kernel + bias, axis=-1) == source.y))


@functools.lru_cache(maxsize=1)
def _source_head_weights() -> tuple[np.ndarray, np.ndarray]:
    kernel, bias = models.load_source_model().get_layer("source_head").get_weights()
    return kernel, bias


def freeze_all_but_batchnorm(base: keras.Model) -> keras.Model:
    """Unfreeze ``base`` except its BatchNormalization layers (which then keep their statistics)."""
    base.trainable = True
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return base


def fit(model: keras.Model, task: data.TargetTask, epochs: int, validate: bool = True,
        **kwargs) -> keras.callbacks.History:
    """``model.fit`` on the task's few labels (batches of 10), silently, validating on the
    task's validation split after every epoch unless ``validate=False``."""
    validation = data.as_dataset(task.val, len(task.val.y), shuffle=False) if validate else None
    return model.fit(data.as_dataset(task.train, BATCH_SIZE), epochs=epochs,
                     validation_data=validation, shuffle=False, verbose=0, **kwargs)


def train_head(task: data.TargetTask, epochs: int, learning_rate: float, seed: int,
               base: keras.Model | None = None, validate: bool = True) -> tuple[keras.Model, keras.callbacks.History]:
    """Frozen pretrained base + new head, head trained for ``epochs``."""
    environment.set_seeds(seed)
    base = models.load_pretrained_base() if base is None else base
    base.trainable = False
    classifier = models.compile_classifier(models.build_classifier(base), learning_rate)
    return classifier, fit(classifier, task, epochs, validate=validate)


def train_from_scratch(task: data.TargetTask, epochs: int, learning_rate: float, seed: int,
                       validate: bool = True) -> tuple[keras.Model, keras.callbacks.History]:
    """The same architecture, randomly initialised from ``seed``, everything trained on the few labels.

    Compiling a whole network costs about 4 s of TensorFlow tracing on a laptop CPU, so one
    compiled model is kept per learning rate and reused: each call gives it a fresh seeded
    initialisation and the optimizer's initial state, which is exactly what a new model would
    have (``tests/test_helpers.py`` checks this). Returns an independent copy of the result.
    """
    environment.set_seeds(seed)
    fresh = models.build_classifier(models.build_base())
    compiled, optimizer_start = _compiled_scratch_classifier(float(learning_rate))
    compiled.set_weights(fresh.get_weights())
    compiled.optimizer.set_weights(optimizer_start)
    history = fit(compiled, task, epochs, validate=validate)
    fresh.set_weights(compiled.get_weights())
    return fresh, history


@functools.lru_cache(maxsize=2)
def _compiled_scratch_classifier(learning_rate: float) -> tuple[keras.Model, list[np.ndarray]]:
    classifier = models.compile_classifier(models.build_classifier(models.build_base()), learning_rate)
    classifier.optimizer.build(classifier.trainable_variables)
    return classifier, [variable.numpy() for variable in classifier.optimizer.variables]


def fine_tune(classifier: keras.Model, task: data.TargetTask, epochs: int,
              learning_rate: float, validate: bool = True) -> keras.callbacks.History:
    """Unfreeze the base (BatchNorm kept frozen), recompile at ``learning_rate`` and train on."""
    freeze_all_but_batchnorm(models.get_base(classifier))
    models.compile_classifier(classifier, learning_rate)
    return fit(classifier, task, epochs, validate=validate)


def continue_head(classifier: keras.Model, task: data.TargetTask, epochs: int,
                  learning_rate: float, validate: bool = True) -> keras.callbacks.History:
    """The control for fine-tuning: keep the base frozen and train the head for as long."""
    models.get_base(classifier).trainable = False
    models.compile_classifier(classifier, learning_rate)
    return fit(classifier, task, epochs, validate=validate)
