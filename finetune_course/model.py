"""The pretrained base: its architecture, the shipped file, and classifiers built on it.

The base is a small VGG-style convnet (three blocks of conv -> BatchNorm -> ReLU,
twice, with max-pooling between blocks) ending in global average pooling, so it
maps a 16x16x1 image to 64 features. Like the bases in ``keras.applications`` it
has many layers and BatchNormalization, so "freeze", "unfreeze the last N" and
"keep BatchNorm frozen" mean what they mean on a real model.
``scripts/pretrain_base.py`` reproduces the shipped file.
"""
from __future__ import annotations

import pathlib

import keras
from keras import layers

from . import data

SOURCE_MODEL_FILE = pathlib.Path(__file__).with_name("assets") / "source_model.keras"
BLOCK_FILTERS = (16, 32, 64)


def build_base(name: str = "base") -> keras.Model:
    """A freshly initialised (untrained) base with the pretrained base's architecture."""
    inputs = keras.Input((data.IMAGE_SIZE, data.IMAGE_SIZE, 1), name="image")
    x = inputs
    for block, filters in enumerate(BLOCK_FILTERS, start=1):
        if block > 1:
            x = layers.MaxPooling2D(name=f"block{block - 1}_pool")(x)
        for i in (1, 2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{block}_conv{i}")(x)
            x = layers.BatchNormalization(momentum=0.9, name=f"block{block}_bn{i}")(x)
            x = layers.ReLU(name=f"block{block}_relu{i}")(x)
    outputs = layers.GlobalAveragePooling2D(name="features")(x)
    return keras.Model(inputs, outputs, name=name)


def build_source_model(base: keras.Model | None = None) -> keras.Model:
    """The base followed by the source task's head (one logit per source class)."""
    base = build_base() if base is None else base
    return keras.Sequential([base, layers.Dense(len(data.SOURCE_CLASSES), name="source_head")],
                            name="source_model")


def load_source_model(path: str | pathlib.Path = SOURCE_MODEL_FILE) -> keras.Model:
    """The pretrained model as shipped: base + source head, uncompiled. A fresh copy on every call.

    The architecture is built in code and only the weights are read from the ``.keras`` file:
    a file saved by one Keras version records layer options that older versions reject (Keras
    3.13, which Colab ships, cannot ``load_model`` a file saved by 3.15), while the weights load
    on both."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"No pretrained model at {path}. Reinstall the course package "
            "(`pip install -e .` in the course folder) or rebuild it with "
            "`python scripts/pretrain_base.py`.")
    model = build_source_model()
    key = (path.resolve(), path.stat().st_mtime_ns)   # a rebuilt file is read again
    if key in _saved_weights:
        model.set_weights(_saved_weights[key])
    else:
        model.load_weights(path)
        _saved_weights[key] = model.get_weights()
    return model


# The weights of each shipped file read so far: reading the file takes about as long as building
# the model, and the lessons load the base dozens of times. (Reading them into a separate model
# instead would draw initial weights for it and shift every random draw after the first load.)
_saved_weights: dict = {}


def load_pretrained_base(path: str | pathlib.Path = SOURCE_MODEL_FILE) -> keras.Model:
    """The pretrained base alone (image -> 64 features), a fresh copy on every call."""
    return get_base(load_source_model(path))


def get_base(model: keras.Model) -> keras.Model:
    """The layer named ``base`` inside ``model``, with a clear error if there is none."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a Keras model, got {type(model).__name__}.")
    if model.name == "base":
        return model
    for layer in model.layers:
        if layer.name == "base" and isinstance(layer, keras.Model):
            return layer
    raise ValueError(
        f"Model {model.name!r} has no pretrained base: none of its layers "
        f"({', '.join(l.name for l in model.layers)}) is named 'base'. Build it with "
        "`build_classifier(load_pretrained_base())`.")


def build_classifier(base: keras.Model, num_classes: int = len(data.TARGET_CLASSES),
                     name: str = "classifier") -> keras.Model:
    """``base`` followed by a new, randomly initialised head: one Dense layer of logits."""
    if not isinstance(base, keras.Model):
        raise TypeError(f"build_classifier needs the base model (a keras.Model), got {type(base).__name__}.")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
    return keras.Sequential([base, layers.Dense(num_classes, name="head")], name=name)


def copy_classifier(classifier: keras.Model) -> keras.Model:
    """An independent copy of a classifier made by :func:`build_classifier`: same layers,
    same weights (BatchNorm statistics included), same trainable flags, not compiled."""
    base = get_base(classifier)
    copy = build_classifier(build_base(), classifier.output_shape[-1], name=classifier.name)
    copy.set_weights(classifier.get_weights())
    copy_base = get_base(copy)
    copy_base.trainable = base.trainable
    for original, copied in zip(base.layers + classifier.layers[1:], copy_base.layers + copy.layers[1:]):
        copied.trainable = original.trainable
    return copy


def compile_classifier(model: keras.Model,
                       learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None,
                       optimizer: str | keras.optimizers.Optimizer = "adam", steps_per_execution: int = 1,
                       **optimizer_kwargs) -> keras.Model:
    """Compile ``model`` for integer labels and logits, with accuracy. Returns the model.

    ``optimizer`` is ``"adam"`` or ``"sgd"`` (made with ``learning_rate`` and ``optimizer_kwargs``),
    or an optimizer instance (then ``learning_rate`` must be None). ``steps_per_execution`` > 1
    runs that many batches per call into TensorFlow, which is faster for small models but makes
    per-batch callbacks fire once per group of batches.
    """
    optimizers = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None or optimizer_kwargs:
            raise ValueError("Pass either an optimizer instance or a learning rate (and options), not both.")
    elif optimizer in optimizers:
        optimizer = optimizers[optimizer](learning_rate=learning_rate, **optimizer_kwargs)
    else:
        raise ValueError(f"Unknown optimizer {optimizer!r}; use one of {sorted(optimizers)} or an optimizer instance.")
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=steps_per_execution)
    return model
