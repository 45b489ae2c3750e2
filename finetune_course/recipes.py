"""The training recipes the lessons compare, each a few lines of plain Keras.

Lesson 1 writes the frozen-base recipe out by hand; later lessons and the
multi-seed comparisons call these so the code lives in one place.
"""
from __future__ import annotations

import functools
import time

import keras
import numpy as np

from . import data, environment, model as models
from .internals import compat, speed
from .internals.speed import predict  # noqa: F401  (recipes.predict, as the tests and lessons call it)
from .trainability import add_lora, unfreeze_all_but_batchnorm

# The target's training set has 10 x labels_per_class images, so batches of 10 are all full:
# a smaller last batch would make TensorFlow trace the training step a second time.
BATCH_SIZE = 10


def accuracy(model: keras.Model, split: data.Split) -> float:
    """Fraction of ``split`` that ``model`` classifies correctly."""
    logits = predict(model, split.x)
    return float(np.mean(np.argmax(logits, axis=-1) == split.y))


def source_accuracy(base: keras.Model) -> float:
    """How well ``base`` still does the source task: its weights under the original source head,
    on source images never seen in pretraining. The shipped base scores about 0.91
    (see ``assets/source_model.json``)."""
    kernel, bias = _source_head_weights()
    source = data.load_source_eval()
    features = predict(base, source.x)
    return float(np.mean(np.argmax(features @ kernel + bias, axis=-1) == source.y))


@functools.lru_cache(maxsize=1)
def _source_head_weights() -> tuple[np.ndarray, np.ndarray]:
    kernel, bias = models.load_source_model().get_layer("source_head").get_weights()
    return kernel, bias


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every training epoch, in seconds, in ``.seconds``."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)


def forget_resumed_epoch(model: keras.Model) -> None:
    """Undo a leftover of ``keras.callbacks.BackupAndRestore``: it leaves the epoch it resumed
    from in ``model._initial_epoch``, and Keras 3.15 starts every later ``fit`` of that model
    there, whatever ``initial_epoch`` says (measured in lesson 7b). Call it before such a fit."""
    compat.clear_resumed_epoch(model)


def fit(model: keras.Model, task: data.TargetTask, epochs: int, validate: bool = True,
        initial_epoch: int = 0, shuffle: bool = True, seed: int | None = None,
        **kwargs) -> keras.callbacks.History:
    """``model.fit`` on the task's few labels (batches of 10, reshuffled every epoch unless
    ``shuffle=False``), silently, validating on the task's validation split after every epoch
    unless ``validate=False``. Trains ``epochs`` epochs numbered from ``initial_epoch`` on
    (Keras's own ``epochs`` is the number to stop at: ``initial_epoch + epochs``). ``seed`` fixes
    the shuffle order (see :func:`data.as_dataset`)."""
    if not isinstance(initial_epoch, (int, np.integer)) or isinstance(initial_epoch, bool) or initial_epoch < 0:
        raise ValueError(f"initial_epoch must be a non-negative integer, got {initial_epoch!r}.")
    forget_resumed_epoch(model)
    validation = data.as_dataset(task.val, len(task.val.y), shuffle=False) if validate else None
    return model.fit(data.as_dataset(task.train, BATCH_SIZE, shuffle=shuffle, seed=seed), initial_epoch=initial_epoch,
                     epochs=initial_epoch + epochs, validation_data=validation, shuffle=False, verbose=0,
                     **kwargs)


def cross_entropy(model: keras.Model, split: data.Split) -> float:
    """Mean cross-entropy of ``model``'s logits on ``split`` in inference mode: the loss Keras
    reports (``val_loss`` on the validation split), without compiling the model."""
    logits = model(split.x, training=False)
    return float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(split.y, logits))


def features(base: keras.Model, split: data.Split) -> data.Split:
    """``split`` with each image replaced by what ``base`` (in inference mode) makes of it."""
    return data.Split(keras.ops.convert_to_numpy(base(split.x, training=False)), split.y)


# --- the recipes ---------------------------------------------------------------------------
# Each recipe trains with a fresh Adam, on a *reused* compiled model (finetune_course/internals/speed.py
# says what it caches and why the results are bit-identical to recompiling).

def fit_head(classifier: keras.Model, task: data.TargetTask, epochs: int, learning_rate: float,
             validate: bool = True, seed: int | None = None) -> keras.callbacks.History:
    """Train the classifier's head alone, in place, with a fresh Adam; the base is frozen.

    A frozen base is a fixed function, so its features are computed once and the head is fitted
    on them: the same computation as ``fit`` on the whole model with the base frozen, without
    running the base over the images every epoch (``tests/test_recipes.py`` checks that both
    give the same head). ``seed`` fixes the shuffle order (see :func:`fit`).
    """
    base = models.get_base(classifier)
    base.trainable = False
    head = classifier.layers[-1]
    task_features = data.TargetTask(features(base, task.train),
                                    features(base, task.val) if validate else task.val, task.test)
    key = ("head", base.output.shape[-1], classifier.output_shape[-1])
    weights, history = _train_reused(key, head.get_weights(), task_features, epochs, learning_rate, validate,
                                     seed=seed)
    head.set_weights(weights)
    return history


def train_head(task: data.TargetTask, epochs: int, learning_rate: float, seed: int,
               base: keras.Model | None = None, validate: bool = True) -> tuple[keras.Model, keras.callbacks.History]:
    """Frozen pretrained base + new head, head trained for ``epochs`` (see :func:`fit_head`)."""
    environment.seed_model_and_shuffle(seed)
    base = models.load_pretrained_base() if base is None else base
    base.trainable = False
    classifier = models.build_classifier(base)
    return classifier, fit_head(classifier, task, epochs, learning_rate, validate=validate, seed=seed)


def continue_head(classifier: keras.Model, task: data.TargetTask, epochs: int,
                  learning_rate: float, seed: int, validate: bool = True
                  ) -> tuple[keras.Model, keras.callbacks.History]:
    """The control for fine-tuning: a copy of ``classifier`` whose head alone trains ``epochs``
    more, the base frozen. ``classifier`` itself is untouched."""
    environment.seed_model_and_shuffle(seed)
    copy = models.copy_classifier(classifier)
    return copy, fit_head(copy, task, epochs, learning_rate, validate=validate, seed=seed)


def train_from_scratch(task: data.TargetTask, epochs: int, learning_rate: float, seed: int,
                       validate: bool = True) -> tuple[keras.Model, keras.callbacks.History]:
    """The same architecture, randomly initialised from ``seed``, everything trained on the few labels."""
    environment.seed_model_and_shuffle(seed)
    fresh = models.build_classifier(models.build_base())
    weights, history = _train_reused(("scratch",), fresh.get_weights(), task, epochs, learning_rate, validate,
                                     seed=seed)
    fresh.set_weights(weights)
    return fresh, history


def fine_tune(classifier: keras.Model, task: data.TargetTask, epochs: int,
              learning_rate: float, validate: bool = True) -> keras.callbacks.History:
    """Unfreeze the base (BatchNorm kept frozen), recompile at ``learning_rate`` and train on,
    in place: the recipe as you would write it."""
    unfreeze_all_but_batchnorm(models.get_base(classifier))
    models.compile_classifier(classifier, learning_rate)
    return fit(classifier, task, epochs, validate=validate)


def fine_tuned_copy(classifier: keras.Model, task: data.TargetTask, epochs: int, learning_rate: float,
                    seed: int, unfrozen_layers: int | None = None, validate: bool = True,
                    callbacks: list | None = None, initial_epoch: int = 0, shuffle: bool = True
                    ) -> tuple[keras.Model, keras.callbacks.History]:
    """A copy of ``classifier`` fine-tuned as :func:`fine_tune` does (the base unfrozen with
    BatchNorm kept frozen, a fresh Adam at ``learning_rate``), or with only the base's last
    ``unfrozen_layers`` layers unfrozen (:func:`trainability.unfreeze_last`). ``classifier`` itself is untouched.
    For comparing settings from one head-trained model. ``initial_epoch`` and ``shuffle`` are
    passed to :func:`fit` (``epochs`` epochs are trained, numbered from ``initial_epoch``)."""
    models.get_base(classifier)  # a clear error if there is no base
    environment.seed_model_and_shuffle(seed)
    key = ("fine_tune", None if unfrozen_layers is None else int(unfrozen_layers))
    weights, history = _train_reused(key, classifier.get_weights(), task, epochs, learning_rate, validate,
                                     callbacks=callbacks, initial_epoch=initial_epoch, shuffle=shuffle, seed=seed)
    copy = models.copy_classifier(classifier)
    copy.set_weights(weights)
    speed.unfreeze(models.get_base(copy), key[1])
    return copy, history


def lora_copy(classifier: keras.Model, task: data.TargetTask, epochs: int, learning_rate: float, rank: int,
              seed: int, validate: bool = True, callbacks: list | None = None
              ) -> tuple[keras.Model, keras.callbacks.History]:
    """A copy of ``classifier`` with LoRA of ``rank`` on its base's convolutions
    (:func:`trainability.add_lora`: BatchNorm frozen, original kernels frozen), trained ``epochs``
    with a fresh Adam at ``learning_rate``: the head and the LoRA factors train. The factors are
    drawn from ``seed`` as lesson 8b's cells draw them. ``classifier`` itself is untouched."""
    models.get_base(classifier)  # a clear error if there is no base
    copy = models.copy_classifier(classifier)
    environment.seed_model_and_shuffle(seed)   # the factors A are drawn now, as the lesson seeds them
    add_lora(models.get_base(copy), rank)
    weights, history = _train_reused(("lora", int(rank)), copy.get_weights(), task, epochs, learning_rate, validate,
                                     callbacks=callbacks, seed=seed)
    copy.set_weights(weights)
    return copy, history


def train_discriminative(task: data.TargetTask, epochs: int, learning_rate: float, multipliers: dict[str, float],
                         seed: int, validate: bool = True, callbacks: list | None = None
                         ) -> tuple[keras.Model, keras.callbacks.History]:
    """One phase, no freezing: the pretrained base (BatchNorm kept frozen) and a new head trained
    together, the head at ``learning_rate`` and each base layer at ``learning_rate`` times its
    multiplier (``discriminative.LayerwiseAdam``; e.g. ``discriminative.base_multipliers(base, 0.1)``)."""
    environment.seed_model_and_shuffle(seed)
    classifier = models.build_classifier(models.load_pretrained_base())
    weights, history = _train_reused(("fine_tune", None), classifier.get_weights(), task, epochs, learning_rate,
                                     validate, callbacks=callbacks, multipliers=multipliers, seed=seed)
    classifier.set_weights(weights)
    unfreeze_all_but_batchnorm(models.get_base(classifier))
    return classifier, history


def _train_reused(key: tuple, weights: list[np.ndarray], task: data.TargetTask, epochs: int,
                  learning_rate: float, validate: bool, callbacks: list | None = None,
                  multipliers: dict[str, float] | None = None, **fit_kwargs
                  ) -> tuple[list[np.ndarray], keras.callbacks.History]:
    """Train the compiled model for ``key`` from ``weights`` with a fresh optimizer at
    ``learning_rate`` (and, for a LayerwiseAdam, per-layer ``multipliers``); return the trained
    weights and the history. ``fit_kwargs`` go to :func:`fit`."""
    compiled, optimizer_start = speed.compiled_model(key)
    compiled.set_weights(weights)
    compiled.optimizer.set_weights(optimizer_start)   # also resets LayerwiseAdam's multipliers
    compiled.optimizer.learning_rate = float(learning_rate)
    if multipliers is not None:
        compiled.optimizer.set_multipliers(multipliers)
    history = fit(compiled, task, epochs, validate=validate, callbacks=callbacks, **fit_kwargs)
    return compiled.get_weights(), history
