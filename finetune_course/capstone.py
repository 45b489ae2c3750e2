"""The capstone (lesson 9): the course's whole recipe on a real architecture and a folder of images.

``keras.utils.image_dataset_from_directory`` reads the folder, ``keras.applications.MobileNetV2``
is the base (with its own ``preprocess_input``), and training runs in two phases:

1. :func:`fit_head`: the base frozen, a new head trained (Adam at ``head_lr``);
2. :func:`unfreeze_and_recompile`: the top ``unfreeze_top`` layers of the base unfrozen, BatchNormalization
   layers kept frozen (``recipes.unfreeze_last``), recompiled at a 10x lower peak rate with a
   warm-up and cosine decay; then :func:`fine_tune` trains under EarlyStopping (best weights
   restored), TerminateOnNaN and BackupAndRestore.

Every function that creates variables takes a ``tf.distribute`` strategy (default: the current
one, i.e. one device) and does so in ``strategy.scope()``; the datasets are batched at the
*global* batch size, ``batch_per_replica * strategy.num_replicas_in_sync``. So the same code
trains on one CPU, one GPU, or several under ``MirroredStrategy``
(``tests/test_capstone_distributed.py`` checks two replicas against one device).
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import pathlib
import shutil
import tempfile

import keras
import numpy as np

from . import images, recipes


@dataclasses.dataclass
class CapstoneConfig:
    """Everything the capstone's training depends on. The defaults are the offline demo's (a small
    random-weight MobileNetV2 on 64x64 images, to run in seconds on a CPU, with horizontal flips
    only and no dropout: a random network's features change more under a small rotation than
    between classes, which drowns what little it can learn); the online run uses
    ``weights="imagenet"``, ``alpha=1.0`` and 160x160 images, as TensorFlow's transfer-learning
    tutorial does, with rotations and dropout."""
    image_size: tuple[int, int] = (64, 64)
    alpha: float = 0.35              # MobileNetV2's width multiplier
    weights: str | None = None       # "imagenet" online; None = random weights (offline, CI)
    batch_per_replica: int = 18      # the global batch is this times the number of replicas
    validation_split: float = 0.25
    head_epochs: int = 4
    head_lr: float = 1e-3
    tune_epochs: int = 6
    tune_lr_factor: float = 0.1      # fine-tune at 10x lower than the head's rate
    unfreeze_top: int = 30           # layers of the base, counted from its output
    patience: int = 2
    augment: bool = True             # RandomFlip, and RandomRotation if rotation > 0
    rotation: float = 0.0            # RandomRotation's factor (a fraction of a full turn); 0.1 online
    dropout: float = 0.0             # before the logits; 0.2 online
    mixed_precision: bool = False    # mixed_float16: worth it on a GPU, slower on a CPU
    seed: int = 0

    @property
    def tune_lr(self) -> float:
        return self.head_lr * self.tune_lr_factor


def default_strategy(strategy=None):
    """``strategy``, or TensorFlow's current (default: one-device) strategy."""
    if strategy is not None:
        return strategy
    import tensorflow as tf

    return tf.distribute.get_strategy()


def load_datasets(folder, config: CapstoneConfig, strategy=None, check: bool = True):
    """Training and validation datasets from a folder of class sub-folders, batched at the global
    batch size, with MobileNetV2's ``preprocess_input`` applied (pixels 0..255 -> -1..1).

    The folder is checked first (:func:`images.check_image_folder`) unless ``check=False``.
    Returns ``(train, val, class_names)``."""
    import tensorflow as tf

    if check:
        images.check_image_folder(folder, verbose=False)
    strategy = default_strategy(strategy)
    batch = config.batch_per_replica * strategy.num_replicas_in_sync
    with contextlib.redirect_stdout(io.StringIO()):   # Keras prints "Using N files for training."
        train, val = keras.utils.image_dataset_from_directory(
            str(folder), image_size=config.image_size, batch_size=batch, validation_split=config.validation_split,
            subset="both", seed=config.seed, shuffle=True, verbose=False)
    class_names = tuple(train.class_names)
    return _preprocessed(train).prefetch(tf.data.AUTOTUNE), _preprocessed(val).prefetch(tf.data.AUTOTUNE), class_names


def _preprocessed(dataset):
    """``dataset`` of (images, labels) with MobileNetV2's ``preprocess_input`` applied, cached."""
    return dataset.map(lambda x, y: (keras.applications.mobilenet_v2.preprocess_input(x), y)).cache()


def build_model(num_classes: int, config: CapstoneConfig, strategy=None) -> tuple[keras.Model, keras.Model]:
    """MobileNetV2 (no top, frozen) + augmentation + a new head, built and compiled for phase 1 in
    ``strategy.scope()``. Returns ``(model, base)``.

    With ``config.mixed_precision`` the layers compute in float16 (variables stay float32) and the
    logits layer is kept in float32, so the softmax and the loss are computed in full precision;
    Keras then wraps the optimizer in a ``LossScaleOptimizer`` by itself."""
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer of at least 2, got {num_classes!r}.")
    strategy = default_strategy(strategy)
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16" if config.mixed_precision else "float32")
    try:
        with strategy.scope():
            keras.utils.set_random_seed(config.seed)
            inputs = keras.Input((*config.image_size, 3), name="image")   # already preprocessed, -1..1
            x = inputs
            if config.augment:
                x = keras.layers.RandomFlip("horizontal", seed=config.seed, name="flip")(x)
                if config.rotation > 0:
                    x = keras.layers.RandomRotation(config.rotation, fill_mode="reflect", seed=config.seed,
                                                    name="rotate")(x)
            base = keras.applications.MobileNetV2(input_shape=(*config.image_size, 3), include_top=False,
                                                  weights=config.weights, alpha=config.alpha)
            base.trainable = False
            # training=False keeps BatchNorm in inference mode only while the base is frozen: in Keras 3
            # fit's training=True overrides it once a layer is trainable (lesson 4, keras-team/keras#20285),
            # so unfreeze_and_recompile keeps the BatchNorm layers non-trainable instead.
            x = base(x, training=False)
            x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
            x = keras.layers.Dropout(config.dropout, seed=config.seed, name="dropout")(x)
            outputs = keras.layers.Dense(num_classes, dtype="float32", name="logits")(x)
            model = keras.Model(inputs, outputs, name="capstone")
            _compile(model, keras.optimizers.Adam(config.head_lr))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return model, base


def calibrate_batchnorm(base: keras.Model, train) -> None:
    """Give a *randomly initialised* base BatchNorm statistics measured on the training images.

    A random MobileNetV2 (``weights=None``) has moving means of 0 and variances of 1 in every
    BatchNorm layer, which do not match its activations: in inference mode they shrink by orders
    of magnitude per block and its output is about 1e-11, useless as features. One forward pass in
    training mode with ``momentum=0`` replaces every layer's statistics by those of the training
    images (one data-dependent initialisation). Pretrained weights come with their own
    statistics: this is for the offline stand-in only. ``base`` is left frozen as it was."""
    images_ = np.concatenate([keras.ops.convert_to_numpy(x) for x, _ in train])
    layers = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    was_trainable, momenta = base.trainable, [layer.momentum for layer in layers]
    base.trainable = True   # a frozen BatchNorm layer ignores training=True in Keras 3
    for layer in layers:
        layer.momentum = 0.0
    try:
        base(images_, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
        base.trainable = was_trainable


def _compile(model: keras.Model, optimizer) -> None:
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])


def _fit(model, train, val, epochs: int, callbacks: list, initial_epoch: int = 0):
    recipes.forget_resumed_epoch(model)
    return model.fit(train, validation_data=val, epochs=initial_epoch + epochs, initial_epoch=initial_epoch,
                     callbacks=callbacks, shuffle=False, verbose=0)


def fit_head(model: keras.Model, train, val, config: CapstoneConfig, backup_dir) -> keras.callbacks.History:
    """Phase 1: train the head on the frozen base for ``config.head_epochs``, with TerminateOnNaN
    and BackupAndRestore (into ``backup_dir``/head)."""
    callbacks = [keras.callbacks.TerminateOnNaN(),
                 keras.callbacks.BackupAndRestore(str(pathlib.Path(backup_dir) / "head"))]
    return _fit(model, train, val, config.head_epochs, callbacks)


def fine_tune_schedule(config: CapstoneConfig, steps_per_epoch: int):
    """Phase 2's learning rate: a linear warm-up from 0 to ``config.tune_lr`` over the first epoch,
    then cosine decay towards 0 over the remaining epochs."""
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=config.tune_lr, warmup_steps=steps_per_epoch,
        decay_steps=max(1, steps_per_epoch * (config.tune_epochs - 1)))


def unfreeze_and_recompile(model: keras.Model, base: keras.Model, train, config: CapstoneConfig, strategy=None) -> None:
    """Phase 2, first half: unfreeze the top ``config.unfreeze_top`` layers of ``base`` (BatchNorm
    kept frozen) and recompile ``model`` in ``strategy.scope()`` with a fresh Adam on
    :func:`fine_tune_schedule`. The weights are not touched; the compiled steps are traced again
    on their next use."""
    strategy = default_strategy(strategy)
    steps_per_epoch = int(train.cardinality())
    with strategy.scope():
        recipes.unfreeze_last(base, config.unfreeze_top)
        _compile(model, keras.optimizers.Adam(fine_tune_schedule(config, steps_per_epoch)))


def fine_tune(model: keras.Model, train, val, config: CapstoneConfig, backup_dir, initial_epoch: int = 0):
    """Phase 2, second half, after :func:`unfreeze_and_recompile`: train up to ``config.tune_epochs`` epochs
    from ``initial_epoch`` under EarlyStopping(val_loss, restore_best_weights=True), TerminateOnNaN
    and BackupAndRestore (``backup_dir``/tune). Returns ``(history, early_stopping)``."""
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                   restore_best_weights=True)
    callbacks = [early_stopping, keras.callbacks.TerminateOnNaN(),
                 keras.callbacks.BackupAndRestore(str(pathlib.Path(backup_dir) / "tune"))]
    history = _fit(model, train, val, config.tune_epochs, callbacks, initial_epoch=initial_epoch)
    return history, early_stopping


def train_capstone(folder, config: CapstoneConfig, strategy=None) -> dict:
    """The whole capstone in one call: datasets, model, phase 1 and phase 2, under ``strategy``.
    Backups go to a temporary folder, removed at the end. Returns a dict with the ``model``, its
    ``base``, ``class_names``, the ``train``/``val`` datasets, both ``histories``, the
    ``early_stopping`` callback and ``replicas`` (``strategy.num_replicas_in_sync``)."""
    strategy = default_strategy(strategy)
    train, val, class_names = load_datasets(folder, config, strategy)
    model, base = build_model(len(class_names), config, strategy)
    if config.weights is None:
        calibrate_batchnorm(base, train)
    backup_dir = tempfile.mkdtemp(prefix="capstone_backup_")
    try:
        head = fit_head(model, train, val, config, backup_dir)
        unfreeze_and_recompile(model, base, train, config, strategy)
        tune, early_stopping = fine_tune(model, train, val, config, backup_dir, initial_epoch=len(head.epoch))
    finally:
        shutil.rmtree(backup_dir, ignore_errors=True)
    return {"model": model, "base": base, "class_names": class_names, "train": train, "val": val,
            "histories": (head, tune), "early_stopping": early_stopping,
            "replicas": strategy.num_replicas_in_sync}


def load_test_dataset(folder, config: CapstoneConfig, strategy=None):
    """A held-out folder (same class sub-folders) as a dataset in file order, preprocessed and
    batched like the training data (so ``model.evaluate`` reuses its traced step)."""
    images.check_image_folder(folder, verbose=False)
    batch = config.batch_per_replica * default_strategy(strategy).num_replicas_in_sync
    test = keras.utils.image_dataset_from_directory(str(folder), image_size=config.image_size,
                                                    batch_size=batch, shuffle=False, verbose=False)
    return _preprocessed(test)
