"""Pretraining the base on the source task (what ``scripts/pretrain_base.py`` runs)."""
from __future__ import annotations

import json
import pathlib
import time

import keras

from .. import data, environment, model
from ..capstone import MOBILENET_ALPHA, MOBILENET_WEIGHTS_FILE, remeasure_batchnorm


def pretrain_source_model(n_images: int = 40_000, epochs: int = 6, seed: int = 0,
                          batch_size: int = 128, verbose: int = 2) -> tuple[keras.Model, data.Split, dict]:
    """Train base + source head from scratch on ``n_images`` generated source images.

    Returns the trained model (uncompiled, ready to save), the source evaluation set (made
    from its own seed, never used in training) and a dict of what was measured:
    source accuracy on the held-out source evaluation set, images, epochs and seconds.
    """
    environment.set_seeds(seed)
    started = time.perf_counter()
    x, y = data.make_source(n_images, seed=data.PRETRAIN_SEED)
    evaluation = data.make_source_eval()
    generated = time.perf_counter() - started
    trained = model.build_source_model()
    model.compile_classifier(trained, learning_rate=2e-3)
    trained.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                validation_data=tuple(evaluation))
    accuracy = trained.evaluate(*evaluation, batch_size=512, verbose=0)[1]
    # Save an uncompiled copy: the file then holds weights only, no optimizer state.
    shipped = model.build_source_model()
    shipped.set_weights(trained.get_weights())
    report = {"images": n_images, "epochs": epochs, "seed": seed,
              "source_accuracy": round(float(accuracy), 4),
              "generate_s": round(generated, 1),
              "total_s": round(time.perf_counter() - started, 1)}
    return shipped, evaluation, report


def save_source_model(trained: keras.Model, report: dict,
                      path: str | pathlib.Path = model.SOURCE_MODEL_FILE) -> pathlib.Path:
    """Write the pretrained model where :func:`model.load_source_model` finds it, and the
    report of how it was made next to it (same name, ``.json``)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    trained.save(path)
    path.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    return path


# The capstone's base (lesson 9): a real keras.applications architecture, pretrained by the course.


def pretrain_mobilenet(n_images: int = 40_000, epochs: int = 5, seed: int = 0, batch_size: int = 128,
                       learning_rate: float = 2e-3, eval_images: int = 2000,
                       verbose: int = 2) -> tuple[keras.Model, dict]:
    """Train ``keras.applications.MobileNetV2`` (``alpha=0.35``, 64x64 RGB, no top) from scratch
    with a head over the letters on ``n_images`` colour letters (:func:`data.make_colour_letters`), Adam on a
    warm-up + cosine schedule. Then its BatchNorm moving statistics are measured afresh on 1024
    training images (their running averages still remember the random start after a few thousand
    steps at MobileNetV2's momentum of 0.999). Returns the base (no top) and a report: source
    accuracy on ``eval_images`` letters from their own seed (never trained on), before and after
    that re-measurement, the settings and the seconds taken."""
    import tensorflow as tf

    environment.set_seeds(seed)
    started = time.perf_counter()
    x, y = data.make_colour_letters(n_images, seed=data.PRETRAIN_SEED)
    x_eval, y_eval = data.make_colour_letters(eval_images, seed=data.SOURCE_EVAL_SEED)
    generated = time.perf_counter() - started
    preprocess = keras.applications.mobilenet_v2.preprocess_input

    def batches(images, labels, shuffle):
        dataset = tf.data.Dataset.from_tensor_slices((images, labels))
        if shuffle:
            dataset = dataset.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        return (dataset.batch(batch_size).map(lambda a, b: (preprocess(tf.cast(a, "float32")), b))
                .prefetch(tf.data.AUTOTUNE))

    size = data.CAPSTONE_IMAGE_SIZE
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), include_top=False, weights=None,
                                          alpha=MOBILENET_ALPHA)
    classifier = keras.Sequential([keras.Input((size, size, 3)), base, keras.layers.GlobalAveragePooling2D(),
                                   keras.layers.Dense(len(data.LETTER_CLASSES))])
    steps = -(-n_images // batch_size) * epochs
    warmup = max(1, steps // 20)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, max(1, steps - warmup), warmup_target=learning_rate,
                                                      warmup_steps=warmup)
    classifier.compile(optimizer=keras.optimizers.Adam(schedule),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    evaluation = batches(x_eval, y_eval, shuffle=False)
    history = classifier.fit(batches(x, y, shuffle=True), epochs=epochs, validation_data=evaluation,
                             verbose=verbose)
    before = classifier.evaluate(evaluation, verbose=0, return_dict=True)["accuracy"]
    remeasure_batchnorm(base, preprocess(x[:1024].astype("float32")))
    after = classifier.evaluate(evaluation, verbose=0, return_dict=True)["accuracy"]
    report = {"architecture": "keras.applications.MobileNetV2", "alpha": MOBILENET_ALPHA,
              "input_shape": [size, size, 3], "include_top": False,
              "source_task": f"{len(data.LETTER_CLASSES)} printed letters in colour (data.make_colour_letters)",
              "images": n_images, "epochs": epochs, "batch_size": batch_size, "peak_learning_rate": learning_rate,
              "seed": seed, "eval_images": eval_images,
              "source_accuracy_by_epoch": [round(float(a), 4) for a in history.history["val_accuracy"]],
              "source_accuracy_before_batchnorm_remeasure": round(float(before), 4),
              "source_accuracy": round(float(after), 4),
              "generate_s": round(generated, 1), "total_s": round(time.perf_counter() - started, 1)}
    return base, report


def save_mobilenet_weights(base: keras.Model, report: dict,
                           path: str | pathlib.Path = MOBILENET_WEIGHTS_FILE) -> pathlib.Path:
    """Write the base's weights (``.weights.h5``, what ``keras.applications.MobileNetV2(weights=path)``
    loads) and the report next to it (same stem, ``.json``)."""
    path = pathlib.Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"Keras loads weights from a file whose name ends in .weights.h5; got {path.name}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    base.save_weights(path)
    report = {**report, "file_kb": round(path.stat().st_size / 1024)}
    path.with_name(path.name[: -len(".weights.h5")] + ".json").write_text(json.dumps(report, indent=1) + "\n")
    return path
