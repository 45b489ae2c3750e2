"""The capstone (lesson 9): what is not the lesson's recipe, and the recipe once more for the tests.

Lesson 9 writes the whole recipe in its own cells. This module holds the rest:

* the offline task: :func:`write_digit_folders` writes the handwritten digits as 64x64 RGB PNG
  files (``train/`` and ``test/``, one sub-folder per digit), and :data:`PRETRAINED_WEIGHTS` is
  the ``keras.applications.MobileNetV2`` weights file the course pretrained on colour letters
  (``scripts/pretrain_mobilenet.py``), loaded with ``MobileNetV2(weights=PRETRAINED_WEIGHTS)``;
* the device: :func:`mixed_precision_pays` (a GPU of compute capability 7.0 or more);
* :func:`train_capstone`, the lesson's steps in one call under a ``tf.distribute`` strategy (with
  :func:`load_datasets`, :func:`build_model` and :func:`unfreeze_top`): for a run on several GPUs,
  and for the tests. ``tests/test_capstone_online.py`` checks that it gives exactly the weights of
  the lesson's cells; ``tests/test_capstone_distributed.py`` runs it on two replicas against one
  device.

Folder checks and the download are in :mod:`finetune_course.images`.
"""
from __future__ import annotations

import dataclasses
import pathlib
import shutil
import tempfile

import keras
import numpy as np

from . import data, images, trainability
# The course's MobileNetV2, pretrained on colour letters by scripts/pretrain_mobilenet.py
# (finetune_course.internals.pretrain), and loaded here at run time.
MOBILENET_WEIGHTS_FILE = pathlib.Path(__file__).with_name("assets") / "mobilenet_v2_letters.weights.h5"
MOBILENET_ALPHA = 0.35
PRETRAINED_WEIGHTS = str(MOBILENET_WEIGHTS_FILE)
DIGIT_FOLDER_MARKER = ".finetune_course_digits"


@dataclasses.dataclass
class CapstoneConfig:
    """Every setting of :func:`train_capstone`. The defaults are lesson 9's offline run: the
    course's pretrained MobileNetV2 on the handwritten digit folders."""
    image_size: tuple[int, int] = (data.CAPSTONE_IMAGE_SIZE, data.CAPSTONE_IMAGE_SIZE)
    alpha: float = MOBILENET_ALPHA      # MobileNetV2's width multiplier
    weights: str | None = PRETRAINED_WEIGHTS   # a .weights.h5 path, "imagenet", or None (random)
    batch_per_replica: int = 40         # the global batch is this times the number of replicas
    validation_split: float = 0.2
    head_epochs: int = 20               # at most: phase 1 stops when the validation loss stops falling
    head_lr: float = 1e-3
    tune_epochs: int = 5
    tune_lr_factor: float = 0.1         # fine-tune at 10x lower than the head's rate
    unfreeze_top: int = 30              # layers of the base, counted from its output
    freeze_batchnorm: bool = True       # keep BatchNorm frozen when the top layers are unfrozen
    patience: int = 2
    flip: bool = False                  # RandomFlip("horizontal"): for cats and dogs, not for digits
    rotation: float = 0.03              # RandomRotation's factor (a fraction of a full turn)
    fill_mode: str = "constant"         # how rotations fill the corners: black; "reflect" for photos
    translation: float = 0.08           # RandomTranslation's factor (a fraction of the size)
    dropout: float = 0.0                # before the logits
    mixed_precision: bool = False       # mixed_float16: only where mixed_precision_pays()
    seed: int = 0

    @property
    def tune_lr(self) -> float:
        return self.head_lr * self.tune_lr_factor


# --- the offline task --------------------------------------------------------------------------

def write_digit_folders(root, seed: int = 0, train_per_class: int = 40, test_per_class: int = 48,
                        size: int = data.CAPSTONE_IMAGE_SIZE) -> tuple[pathlib.Path, pathlib.Path]:
    """Write handwritten digits as ``size`` x ``size`` RGB PNGs: ``root``/train/<digit>/ with
    ``train_per_class`` images per digit (to split into training and validation) and
    ``root``/test/<digit>/ with ``test_per_class`` others, held out. The digits are drawn from
    ``seed``. Returns ``(train_folder, test_folder)``. ``root`` must be new or empty, or a folder
    this function wrote before (it leaves a marker file); anything else is refused and left as it is."""
    for name, value in (("train_per_class", train_per_class), ("test_per_class", test_per_class)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if train_per_class + test_per_class > 174:
        raise ValueError(f"train_per_class + test_per_class = {train_per_class + test_per_class}, but the "
                         "smallest digit class has 174 images: ask for at most 174 in all.")
    root = images.clear_own_folder(root, DIGIT_FOLDER_MARKER, "a digit folder")
    pixels, labels = data.digit_images(size)
    rng = np.random.default_rng(seed)
    for digit in range(10):
        chosen = rng.permutation(np.flatnonzero(labels == digit))
        for split, index in (("train", chosen[:train_per_class]),
                             ("test", chosen[train_per_class:train_per_class + test_per_class])):
            folder = root / split / str(digit)
            folder.mkdir(parents=True)
            for i in index:
                keras.utils.save_img(folder / f"{i:04d}.png", pixels[i], scale=False)
    (root / DIGIT_FOLDER_MARKER).write_text("Written by finetune_course.capstone.write_digit_folders; safe to delete.\n")
    return root / "train", root / "test"


# --- the device --------------------------------------------------------------------------------

def remeasure_batchnorm(base: keras.Model, images) -> None:
    """Replace every BatchNorm layer's moving mean and variance by those of ``images`` (already
    preprocessed): one pass in training mode with momentum 0 (the layers' momentum and
    ``trainable`` flags are put back afterwards; a frozen BatchNorm layer would ignore training mode)."""
    trainable = [(layer, layer.trainable) for layer in [base, *base.layers]]
    base.trainable = True
    layers = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    try:
        base(images, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
        for layer, was in trainable:
            layer.trainable = was


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """The compute capability (major, minor) of each GPU TensorFlow sees; empty on a CPU."""
    if keras.backend.backend() != "tensorflow":
        return []
    import tensorflow as tf

    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability:
            found.append(tuple(int(v) for v in capability))
    return found


def mixed_precision_pays(capabilities: list[tuple[int, int]] | None = None) -> bool:
    """True when every GPU has compute capability 7.0 or more (T4, V100, A100, L4, H100...), whose
    tensor cores run float16 fast. False on a CPU and on older GPUs (a K80, a P100), where
    ``mixed_float16`` is no faster or slower. ``capabilities`` defaults to
    :func:`gpu_compute_capabilities`."""
    capabilities = gpu_compute_capabilities() if capabilities is None else capabilities
    return bool(capabilities) and all(tuple(c) >= (7, 0) for c in capabilities)


def default_strategy(strategy=None):
    """``strategy``, or TensorFlow's current (default: one-device) strategy."""
    if strategy is not None:
        return strategy
    import tensorflow as tf

    return tf.distribute.get_strategy()


# --- the lesson's steps, in one call -----------------------------------------------------------

def pipeline(images_, batch_size: int, shuffle_seed: int | None = None):
    """Lesson 9's input pipeline: unbatched (image, label) pairs from
    ``image_dataset_from_directory(..., batch_size=None)``, cached one image at a time, shuffled
    after the cache (a new order every epoch) when ``shuffle_seed`` is given, then batched and
    prefetched. The pixels stay 0..255: the model applies ``preprocess_input`` itself."""
    import tensorflow as tf

    images_ = images_.cache()
    if shuffle_seed is not None:
        images_ = images_.shuffle(images_.cardinality(), seed=shuffle_seed, reshuffle_each_iteration=True)
    return images_.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load_datasets(folder, config: CapstoneConfig, strategy=None):
    """Training and validation datasets from ``folder`` (checked first), batched at the global
    batch size. Returns ``(train, val, class_names)``."""
    images.check_image_folder(folder, verbose=False)
    batch = config.batch_per_replica * default_strategy(strategy).num_replicas_in_sync
    train_images, val_images = keras.utils.image_dataset_from_directory(
        str(folder), image_size=config.image_size, batch_size=None, validation_split=config.validation_split,
        subset="both", seed=config.seed, verbose=False)
    return (pipeline(train_images, batch, shuffle_seed=config.seed), pipeline(val_images, batch),
            tuple(train_images.class_names))


def augmentation(config: CapstoneConfig) -> keras.layers.Layer:
    """The augmentation layers lesson 9 uses (active in training only); an identity if none."""
    layers = [keras.layers.RandomFlip("horizontal", seed=config.seed)] if config.flip else []
    if config.rotation > 0:
        layers.append(keras.layers.RandomRotation(config.rotation, fill_mode=config.fill_mode, seed=config.seed))
    if config.translation > 0:
        layers.append(keras.layers.RandomTranslation(config.translation, config.translation,
                                                     fill_mode="constant", seed=config.seed))
    return keras.Sequential(layers, name="augment") if layers else keras.layers.Identity(name="augment")


def build_model(num_classes: int, config: CapstoneConfig, strategy=None) -> tuple[keras.Model, keras.Model]:
    """Augmentation, MobileNetV2's ``preprocess_input``, MobileNetV2 (no top, frozen) and a new
    head whose logits stay float32, built in ``strategy.scope()`` under ``mixed_float16`` if
    ``config.mixed_precision``, and compiled for phase 1; returns ``(model, base)``."""
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer of at least 2, got {num_classes!r}.")
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16" if config.mixed_precision else "float32")
    try:
        with default_strategy(strategy).scope():
            keras.utils.set_random_seed(config.seed)
            augment = augmentation(config)
            base = keras.applications.MobileNetV2(input_shape=(*config.image_size, 3), include_top=False,
                                                  weights=config.weights, alpha=config.alpha)
            base.trainable = False
            inputs = keras.Input((*config.image_size, 3))
            x = augment(inputs)
            x = keras.applications.mobilenet_v2.preprocess_input(x)
            x = base(x, training=False)
            x = keras.layers.GlobalAveragePooling2D()(x)
            x = keras.layers.Dropout(config.dropout, seed=config.seed)(x)
            outputs = keras.layers.Dense(num_classes, dtype="float32", name="logits")(x)
            model = keras.Model(inputs, outputs)
            _compile(model, keras.optimizers.Adam(config.head_lr))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    return model, base


def _compile(model: keras.Model, optimizer) -> None:
    """Lesson 9's compile; the optimizer's variables are built at once, so that ``fit`` traces its
    training step once (a ``tf.function`` that creates variables on its first trace is traced again)."""
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)


def unfreeze_top(base: keras.Model, config: CapstoneConfig) -> None:
    """Lesson 9's unfreeze loop: the top ``config.unfreeze_top`` layers trainable, the rest frozen,
    and every BatchNorm layer frozen too (:func:`trainability.unfreeze_last`) unless
    ``config.freeze_batchnorm`` is False."""
    if config.freeze_batchnorm:
        trainability.unfreeze_last(base, config.unfreeze_top)
        return
    base.trainable = True
    for layer in base.layers[:-config.unfreeze_top]:
        layer.trainable = False


def fine_tune_schedule(config: CapstoneConfig, steps_per_epoch: int):
    """A linear warm-up from 0 to ``config.tune_lr`` over the first epoch, then a cosine decay
    towards 0 over the other ``config.tune_epochs - 1``."""
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(1, steps_per_epoch * (config.tune_epochs - 1)),
        warmup_target=config.tune_lr, warmup_steps=steps_per_epoch)


def train_capstone(folder, config: CapstoneConfig, strategy=None, backup_dir=None) -> dict:
    """Lesson 9's recipe in one call, under ``strategy``: the datasets, the model, phase 1 (the head
    on the frozen base, EarlyStopping with the best weights restored) and phase 2 (the top layers unfrozen, recompiled on
    :func:`fine_tune_schedule`, EarlyStopping with the best weights restored), with TerminateOnNaN
    and BackupAndRestore; phase 2 is skipped when ``config.tune_epochs`` is 0.

    With random weights (``config.weights=None``, the comparison lesson 9 measures) the frozen
    base's BatchNorm statistics are first measured on the training images
    (:func:`remeasure_batchnorm`): a random MobileNetV2's are means of 0 and variances of
    1, which shrink its output towards 0 block after block in inference mode.

    Backups go to ``backup_dir`` (BackupAndRestore deletes its folders when training ends), or to
    a temporary folder removed at the end. Returns a dict with ``model``, ``base``,
    ``class_names``, ``train``, ``val``, ``histories``, ``early_stopping`` and ``replicas``."""
    strategy = default_strategy(strategy)
    train, val, class_names = load_datasets(folder, config, strategy)
    model, base = build_model(len(class_names), config, strategy)
    own_backup = backup_dir is None
    backup_dir = pathlib.Path(tempfile.mkdtemp(prefix="capstone_backup_") if own_backup else backup_dir)
    histories, early_stopping = [], None
    if config.weights is None:
        pixels = np.concatenate([keras.ops.convert_to_numpy(x) for x, _ in train])
        remeasure_batchnorm(base, keras.applications.mobilenet_v2.preprocess_input(pixels))
    try:
        histories.append(model.fit(train, validation_data=val, epochs=config.head_epochs, shuffle=False, verbose=0, callbacks=[
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience, restore_best_weights=True),
            keras.callbacks.TerminateOnNaN(), keras.callbacks.BackupAndRestore(str(backup_dir / "head"))]))
        if config.tune_epochs > 0:
            with strategy.scope():
                unfreeze_top(base, config)
                _compile(model, keras.optimizers.Adam(fine_tune_schedule(config, int(train.cardinality()))))
            early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                           restore_best_weights=True)
            start = len(histories[0].epoch)
            histories.append(model.fit(
                train, validation_data=val, initial_epoch=start, epochs=start + config.tune_epochs, shuffle=False, verbose=0,
                callbacks=[early_stopping, keras.callbacks.TerminateOnNaN(),
                           keras.callbacks.BackupAndRestore(str(backup_dir / "tune"))]))
    finally:
        if own_backup:
            shutil.rmtree(backup_dir, ignore_errors=True)
    return {"model": model, "base": base, "class_names": class_names, "train": train, "val": val,
            "histories": tuple(histories), "early_stopping": early_stopping,
            "replicas": strategy.num_replicas_in_sync}
