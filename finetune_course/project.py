"""The final project: the whole recipe on a folder of images, written by the learner alone.

:func:`write_digit_folders` writes the target task's digits as PNG files, one folder per split
and one sub-folder per digit (what ``keras.utils.image_dataset_from_directory`` reads, as a
project of your own would be laid out); :func:`check_project` checks the learner's model by
what it did, not by how its variables are named.
"""
from __future__ import annotations

import pathlib

import keras
import numpy as np

from .checks import _fail, _require_history, _require_model
from .data import TARGET_CLASSES, Split, TargetTask
from .model import get_base
from .trainability import weight_change

SPLITS = ("train", "val", "test")


def write_digit_folders(root, task: TargetTask) -> dict[str, pathlib.Path]:
    """Write ``task``'s splits as 8-bit grey 16x16 PNGs under ``root``/train, /val and /test, one
    sub-folder per digit; return the three folders. ``root`` must not exist yet or be empty:
    nothing that is already there is touched, let alone deleted."""
    root = pathlib.Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(f"{root} already exists and is not an empty folder: pass a new path "
                              "(e.g. one from tempfile.mkdtemp()), so nothing of yours is overwritten.")
    folders = {}
    for name, split in zip(SPLITS, (task.train, task.val, task.test)):
        for digit in TARGET_CLASSES:
            (root / name / digit).mkdir(parents=True)
        for i, (image, label) in enumerate(zip(split.x, split.y)):
            pixels = np.round(np.clip(image, 0.0, 1.0) * 255)
            keras.utils.save_img(root / name / TARGET_CLASSES[int(label)] / f"{i:04d}.png", pixels, scale=False)
        folders[name] = root / name
    return folders


def _split_of(dataset) -> Split:
    xs, ys = zip(*[(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y)) for x, y in dataset])
    return Split(np.concatenate(xs).astype("float32"), np.concatenate(ys).astype("int64"))


def check_project(model, history, early_stopping, test_accuracy, base_before: dict, val_data,
                  test_data, frozen_blocks: tuple[int, ...] = (1, 2), min_val_accuracy: float = 0.8) -> float:
    """The final project: a frozen-base head, then only block 3 fine-tuned with BatchNorm kept
    frozen, numbered on from phase 1, early-stopped with the best weights restored, and the test
    folder read once. ``base_before`` is the pretrained base's ``snapshot_weights``; ``val_data``
    and ``test_data`` are the learner's (rescaled) validation and test datasets. Returns the
    validation accuracy."""
    model = _require_model(model)
    epochs = _require_history(history)
    if early_stopping is None:
        _fail("`early_stopping` is still None: create the keras.callbacks.EarlyStopping you pass to phase 2's fit.")
    if test_accuracy is None:
        _fail("`test_accuracy` is still None: evaluate the final model once on the test folder.")
    try:
        base = get_base(model)
    except ValueError:
        _fail("Your model does not contain the pretrained base: build it as keras.Sequential([base, <new head>]).")
    val = _split_of(val_data)
    if val.x.max() > 1.5:
        _fail("The validation images reach values above 1: the base was pretrained on pixels in [0, 1], so "
              "divide the images by 255 (a .map on each dataset) before they reach the model.")
    outputs = keras.ops.convert_to_numpy(model(val.x, training=False))
    if outputs.shape[-1] != len(TARGET_CLASSES):
        _fail(f"Your model has {outputs.shape[-1]} outputs; the digits need {len(TARGET_CLASSES)}.")
    if np.all(outputs >= 0) and np.allclose(outputs.sum(axis=-1), 1.0, atol=1e-4):
        _fail("Your head outputs probabilities (softmax) while the loss expects logits: drop the activation "
              "of the last Dense layer, or the loss's from_logits must match what the head returns.")
    changes = weight_change(base_before, base)
    norm_moved = [p for p, c in changes.items() if "_bn" in p and c > 0]
    if norm_moved:
        _fail("Your BatchNormalization layers changed during fine-tuning (their statistics or scale): after "
              "unfreezing, set every BatchNormalization layer's trainable to False, then compile again.")
    early = [p for p, c in changes.items() if any(f"block{b}_" in p for b in frozen_blocks) and c > 0]
    if early:
        _fail(f"Layers below block 3 moved ({early[0].split('/')[0]}, ...): unfreeze only the top layers of the "
              "base (block 3), keep the rest frozen, then compile again.")
    top = [p for p, c in changes.items() if "block3_conv" in p and c > 0]
    if not top:
        _fail("Block 3 of the base did not move: phase 2 trained only the head. After changing `trainable`, "
              "call model.compile(...) again before fit (lesson 2).")
    if min(history.epoch) == 0:
        _fail("Phase 2's epochs are numbered from 0: continue phase 1's count with fit(..., initial_epoch=<epochs "
              "of phase 1>, epochs=<the epoch to stop at>), so the callbacks and the curves see one run.")
    if not isinstance(early_stopping, keras.callbacks.EarlyStopping):
        _fail("`early_stopping` should be a keras.callbacks.EarlyStopping.")
    if early_stopping.monitor != "val_loss":
        _fail(f"Your EarlyStopping watches {early_stopping.monitor!r}: the training loss keeps falling while the "
              "model overfits, so watch the validation loss (monitor=\"val_loss\").")
    val_loss = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(val.y, outputs))
    best = min(epochs["val_loss"])
    if not np.isclose(val_loss, best, rtol=1e-4, atol=1e-5) or not early_stopping.restore_best_weights:
        _fail(f"The final model's validation loss is {val_loss:.4f}, but the best epoch reached {best:.4f}: ask "
              "EarlyStopping to put the best epoch's weights back when it stops (and pass it to phase 2's fit).")
    val_accuracy = float(np.mean(np.argmax(outputs, axis=-1) == val.y))
    if val_accuracy < min_val_accuracy:
        _fail(f"Validation accuracy is {val_accuracy:.3f}, below {min_val_accuracy}: check the learning rates "
              "(the head's about 10x the fine-tuning rate) and that phase 1 trained the head first.")
    test = _split_of(test_data)
    measured = float(np.mean(np.argmax(keras.ops.convert_to_numpy(model(test.x, training=False)), axis=-1) == test.y))
    if not np.isclose(float(test_accuracy), measured, atol=1e-6):
        _fail(f"`test_accuracy` is {float(test_accuracy):.4f}, but the final model scores {measured:.4f} on the "
              "test folder: set it from model.evaluate(test, return_dict=True)[\"accuracy\"] after training.")
    print(f"Recipe verified: block 3 fine-tuned with BatchNorm frozen, best epoch restored "
          f"(validation loss {val_loss:.3f}, accuracy {val_accuracy:.3f}); test accuracy {measured:.3f}.")
    return val_accuracy
