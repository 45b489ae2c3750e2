"""The two tasks of the course, made offline and deterministically.

* **Source task** ("ImageNet in miniature"): printed letters rendered from the
  fonts that ship with matplotlib, in many sizes, slants, weights, positions
  and blurs. It can be generated in any quantity; the base was pretrained on it.
* **Target task** ("cats vs dogs in miniature"): real *handwritten* digits
  (the 1797 of scikit-learn's ``load_digits``, shipped in ``assets/digits.npz``),
  of which the learner gets only a few labels per class.

Both are 16x16 grayscale images with values in [0, 1], ink bright on black. Lesson 9's capstone
uses the same two kinds of image at 64x64 in RGB: colour letters (no digits) to pretrain
``keras.applications.MobileNetV2`` (:func:`make_colour_letters`), and the digits as image files
(:func:`digit_images`).
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import pathlib
import string
from typing import NamedTuple

import numpy as np

IMAGE_SIZE = 16
# Printed digits, the capital letters (less O and I, which print as 0 and 1) and the
# lower-case letters whose shape differs from their capital.
SOURCE_CLASSES = tuple(string.digits + "ABCDEFGHJKLMNPQRSTUVWXYZ" + "abdefghnqrt")
TARGET_CLASSES = tuple(str(d) for d in range(10))

_CANVAS = 64
# Seeds of the generated source sets: pretraining uses PRETRAIN_SEED, measuring forgetting
# uses SOURCE_EVAL_SEED, so the evaluation images were never seen in pretraining.
PRETRAIN_SEED = 1
SOURCE_EVAL_SEED = 2
_FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    "DejaVuSansMono-BoldOblique.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf",
    "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
)


@functools.lru_cache(maxsize=None)
def _font(name: str, size: int):
    import matplotlib
    from PIL import ImageFont

    folder = pathlib.Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ImageFont.truetype(str(folder / name), size)


def _render(char: str, rng: np.random.Generator) -> np.ndarray:
    """One glyph, cropped to its ink and scaled to fill the frame (as the digits do), 16x16."""
    return _upsample(_render_ink8(char, rng))


def _render_ink8(char: str, rng: np.random.Generator) -> np.ndarray:
    """One glyph as an 8x8 image of ink counts in [0, 1], imaged as the UCI digits were."""
    from PIL import Image, ImageDraw, ImageFilter

    font = _font(_FONT_FILES[rng.integers(len(_FONT_FILES))], 48)
    img = Image.new("L", (2 * _CANVAS, 2 * _CANVAS), 0)
    ImageDraw.Draw(img).text((_CANVAS // 2, _CANVAS // 2), char, fill=255, font=font)
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.MaxFilter(int(rng.choice([3, 5, 7]))))  # thicker strokes
    shear = rng.normal(0, 0.15)
    img = img.transform(img.size, Image.AFFINE, (1, shear, -shear * _CANVAS, 0, 1, 0),
                        resample=Image.BILINEAR)
    img = img.rotate(float(rng.normal(0, 8)), resample=Image.BILINEAR)
    glyph = img.crop(img.getbbox())
    height = int(_CANVAS * rng.uniform(0.7, 0.95))
    width = int(min(_CANVAS * 0.95, max(4, glyph.width * height / glyph.height * rng.uniform(0.8, 1.2))))
    glyph = glyph.resize((width, height), Image.BILINEAR)
    canvas = Image.new("L", (_CANVAS, _CANVAS), 0)
    cx = (_CANVAS - width) / 2 + rng.normal(0, 2)
    cy = (_CANVAS - height) / 2 + rng.normal(0, 2)
    canvas.paste(glyph, (int(round(cx)), int(round(cy))))
    ink = _elastic(np.asarray(canvas, dtype=np.float32), rng)
    # Then the same imaging pipeline as the UCI handwritten digits: a 32x32 bitmap whose 4x4
    # blocks are counted into an 8x8 image with 17 grey levels, upsampled like the targets.
    bitmap = np.asarray(Image.fromarray(np.clip(ink, 0, 255).astype(np.uint8), "L")
                        .resize((32, 32), Image.BOX)) > 96
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3))
    return counts / 16.0


def _upsample(image8: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """An 8x8 image in [0, 1] bilinearly upsampled to ``size`` x ``size`` (16x16 for lessons 1-8,
    as both tasks' images are; 64x64 for the capstone's image files)."""
    from PIL import Image

    big = Image.fromarray(image8.astype(np.float32), "F").resize((size, size), Image.BILINEAR)
    return np.clip(np.asarray(big, dtype=np.float32), 0, 1)


def _elastic(image: np.ndarray, rng: np.random.Generator, alpha: float = 6.0, sigma: float = 5.0) -> np.ndarray:
    """A smooth random warp, as handwriting bends printed shapes (Simard et al., 2003)."""
    from scipy.ndimage import gaussian_filter, map_coordinates

    shape = image.shape
    dx, dy = (gaussian_filter(rng.uniform(-1, 1, shape), sigma) for _ in range(2))
    scale = alpha / max(np.abs(dx).max(), np.abs(dy).max(), 1e-6)
    rows, cols = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    return map_coordinates(image, (rows + dy * scale, cols + dx * scale), order=1).astype(np.float32)


def make_source(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` source images (n, 16, 16, 1) and their letter labels, balanced, from ``seed``."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"make_source needs a positive number of images, got n={n!r}.")
    labels = _balanced_labels(n, len(SOURCE_CLASSES), seed)
    images = _render_all(_render_seeded, [(SOURCE_CLASSES[k], (seed, i)) for i, k in enumerate(labels)])
    return images[..., None], labels


def _balanced_labels(n: int, classes: int, seed: int) -> np.ndarray:
    """``n`` labels, as equal a number of each of ``classes`` as ``n`` allows, in an order from ``seed``."""
    return np.random.default_rng(seed).permutation(np.arange(n) % classes).astype(np.int64)


def _render_all(render, jobs: list[tuple]) -> np.ndarray:
    """``render(*job)`` for every job, stacked; in worker processes for 5000 jobs or more. Each
    job carries its own seed, so the result does not depend on how the work is split."""
    if len(jobs) >= 5000 and (os.cpu_count() or 1) > 1:
        with multiprocessing.get_context("spawn").Pool() as pool:
            return np.stack(pool.starmap(render, jobs, chunksize=500))
    return np.stack([render(*job) for job in jobs])


def _render_seeded(char: str, seed: tuple[int, int]) -> np.ndarray:
    return _render(char, np.random.default_rng(seed))


# The capstone's source task (lesson 9, ``scripts/pretrain_mobilenet.py``): the printed letters
# only, so that none of its classes is a target class, in colour on 64x64 RGB images.
LETTER_CLASSES = tuple(c for c in SOURCE_CLASSES if not c.isdigit())
CAPSTONE_IMAGE_SIZE = 64


def make_colour_letters(n: int, seed: int = 0, size: int = CAPSTONE_IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """``n`` source images for the capstone's MobileNetV2, (n, size, size, 3) uint8 RGB, and their
    labels (indices into :data:`LETTER_CLASSES`), balanced, from ``seed``. Each is a letter imaged
    like the digits (8x8 ink counts, upsampled), in a random ink colour on a random background
    with enough contrast; a quarter are white on black, as the digits are."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"make_colour_letters needs a positive number of images, got n={n!r}.")
    labels = _balanced_labels(n, len(LETTER_CLASSES), seed)
    jobs = [(LETTER_CLASSES[k], (seed, i), size) for i, k in enumerate(labels)]
    return _render_all(_colour_letter_seeded, jobs), labels


def _colour_letter_seeded(char: str, seed: tuple[int, int], size: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ink = _upsample(_render_ink8(char, rng), size)[..., None]
    if rng.random() < 0.25:
        background, colour = np.zeros(3), np.ones(3)
    else:
        while True:   # a background and an ink colour whose brightness differs by at least 0.35
            background, colour = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
            if abs((colour - background) @ (0.299, 0.587, 0.114)) >= 0.35:
                break
    return np.round((background + (colour - background) * ink) * 255).astype(np.uint8)


def digit_images(size: int = CAPSTONE_IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """All 1797 handwritten digits as (1797, size, size, 3) uint8 RGB images, white ink on black,
    upsampled from 8x8 as the capstone's source letters are, and their labels."""
    with np.load(DIGITS_FILE) as digits:
        grey = np.stack([_upsample(image / 16.0, size) for image in digits["images"].astype(np.float64)])
        labels = digits["labels"].astype(np.int64)
    return np.repeat(np.round(grey * 255).astype(np.uint8)[..., None], 3, axis=-1), labels


# The 1797 handwritten digits of scikit-learn's ``load_digits`` (UCI, CC BY 4.0): 8x8 ink counts
# 0-16 and labels, copied by ``scripts/export_digits.py`` so the course does not need scikit-learn.
DIGITS_FILE = pathlib.Path(__file__).with_name("assets") / "digits.npz"


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    with np.load(DIGITS_FILE) as digits:
        images = np.stack([_upsample(image / 16.0) for image in digits["images"].astype(np.float64)])
        return images[..., None], digits["labels"].astype(np.int64)


class Split(NamedTuple):
    """Images ``x`` (n, 16, 16, 1) in [0, 1] and integer labels ``y`` (n,)."""
    x: np.ndarray
    y: np.ndarray


class TargetTask(NamedTuple):
    """The target task's few labelled training images, a validation set and a held-out test set."""
    train: Split
    val: Split
    test: Split


def load_target(labels_per_class: int = 10, val_per_class: int = 10, seed: int = 0) -> TargetTask:
    """Split the handwritten digits: ``labels_per_class`` training images per digit,
    ``val_per_class`` validation images per digit, and every other image held out for testing.
    The split is a deterministic function of ``seed``."""
    for name, value in (("labels_per_class", labels_per_class), ("val_per_class", val_per_class)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if labels_per_class + val_per_class > 150:
        raise ValueError(
            f"labels_per_class + val_per_class = {labels_per_class + val_per_class}, but the smallest "
            "digit class has 174 images and at least 24 per class must stay held out for testing: "
            "ask for at most 150 in all.")
    images, labels = _digits()
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for digit in range(len(TARGET_CLASSES)):
        index = rng.permutation(np.flatnonzero(labels == digit))
        cuts = np.split(index, [labels_per_class, labels_per_class + val_per_class])
        for part, chosen in zip(parts, cuts):
            part.append(chosen)
    splits = []
    for part in parts:
        index = rng.permutation(np.concatenate(part))
        splits.append(Split(images[index], labels[index]))
    return TargetTask(*splits)


SOURCE_EVAL_FILE = pathlib.Path(__file__).with_name("assets") / "source_eval.npz"


def make_source_eval(n: int = 1000) -> Split:
    """Generate the source evaluation set: ``n`` images never used in pretraining."""
    return Split(*make_source(n, seed=SOURCE_EVAL_SEED))


def save_source_eval(split: Split, path: pathlib.Path = SOURCE_EVAL_FILE) -> pathlib.Path:
    """Store a source evaluation set compactly (8-bit pixels), as shipped with the course."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x=np.round(split.x * 255).astype(np.uint8), y=split.y.astype(np.uint8))
    return path


@functools.lru_cache(maxsize=1)
def _shipped_source_eval() -> Split:
    if not SOURCE_EVAL_FILE.exists():
        raise FileNotFoundError(f"{SOURCE_EVAL_FILE} is missing: run `python scripts/pretrain_base.py` "
                                "or reinstall the course package.")
    with np.load(SOURCE_EVAL_FILE) as stored:
        return Split(stored["x"].astype(np.float32) / 255.0, stored["y"].astype(np.int64))


def load_source_eval() -> Split:
    """The shipped source evaluation set (1000 images never used in pretraining), to measure
    how much of the source task a base still knows. Made by :func:`make_source_eval`."""
    x, y = _shipped_source_eval()
    return Split(x.copy(), y.copy())


def load_task(name: str, **kwargs) -> Split | TargetTask:
    """``load_task("target", ...)`` is :func:`load_target`; ``load_task("source", ...)`` is
    :func:`load_source_eval`."""
    loaders = {"target": load_target, "source": load_source_eval}
    if name not in loaders:
        raise ValueError(f"Unknown task {name!r}: the course has the tasks {sorted(loaders)}.")
    return loaders[name](**kwargs)


def as_dataset(split: Split, batch_size: int, shuffle: bool = True, seed: int | None = None):
    """``split`` as a batched ``tf.data.Dataset`` of (image, label), reshuffled every epoch.

    Keras spends less time per epoch on a ``tf.data.Dataset`` than on NumPy arrays, which it
    re-wraps every epoch; on sets this small that overhead dominates. The shuffle order follows
    the global seed set by :func:`finetune_course.set_seeds`, and with ``seed`` given it is the
    same for every dataset made with that seed, whatever ran before.
    """
    import tensorflow as tf

    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}.")
    dataset = tf.data.Dataset.from_tensor_slices((split.x, split.y))
    if shuffle:
        dataset = dataset.shuffle(len(split.y), seed=None if seed is None else int(seed),
                                  reshuffle_each_iteration=True)
    return dataset.batch(batch_size)
