"""Pretraining the base on the source task (what ``scripts/pretrain_base.py`` runs)."""
from __future__ import annotations

import json
import pathlib
import time

import keras

from . import data, environment, model


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
