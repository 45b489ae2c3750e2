"""Pictures the lessons share: image grids and training curves over one or more phases."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np


def show_images(images: np.ndarray, labels: Sequence[int], class_names: Sequence[str],
                title: str | None = None, columns: int = 12, rows: int = 2):
    """A grid of the first ``columns * rows`` images, each titled with its class name."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"Expected images shaped (n, height, width, 1), got {images.shape}.")
    count = min(len(images), columns * rows)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.8, rows * 0.95))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < count:
            ax.imshow(images[i, ..., 0], cmap="gray", vmin=0, vmax=1)
            ax.set_title(class_names[int(labels[i])], fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_phases(histories: Sequence, names: Sequence[str] | None = None,
                metrics: Sequence[str] = ("loss", "val_loss")):
    """Training curves of consecutive ``fit`` calls on one epoch axis, with a dashed line where
    each new phase starts. ``histories`` are the ``History`` objects (or their ``.history`` dicts)."""
    dicts = [getattr(h, "history", h) for h in histories]
    names = list(names) if names is not None else [f"phase {i + 1}" for i in range(len(dicts))]
    if len(names) != len(dicts):
        raise ValueError(f"Got {len(dicts)} histories but {len(names)} names.")
    for history, name in zip(dicts, names):  # check all before drawing, so no empty figure is left open
        missing = [m for m in metrics if m not in history]
        if missing:
            raise KeyError(f"History of {name!r} has no {missing}; it has {sorted(history)}.")
    fig, ax = plt.subplots(figsize=(6, 3.2))
    start = 0
    for i, (history, name) in enumerate(zip(dicts, names)):
        epochs = np.arange(start + 1, start + 1 + len(history[metrics[0]]))
        for j, metric in enumerate(metrics):
            ax.plot(epochs, history[metric], color=f"C{j}", label=metric if i == 0 else None)
        if i > 0:
            ax.axvline(start + 0.5, color="gray", linestyle="--")
            ax.text(start + 0.7, ax.get_ylim()[1], name, va="top", fontsize=9, color="gray")
        start += len(epochs)
    ax.set_xlabel("epoch")
    ax.legend()
    fig.tight_layout()
    return fig


def show_predictions(images: np.ndarray, labels: Sequence[int], predicted: Sequence[int],
                     class_names: Sequence[str], columns: int = 12, rows: int = 2, title: str | None = None):
    """A grid of the first ``columns * rows`` images, each titled with the predicted class; a
    mistake is titled in red, with the true class after it ("3 (8)": predicted 3, truly 8).
    ``images`` are grey (n, height, width, 1) in [0, 1], or RGB (n, height, width, 3) in 0..255 as
    ``image_dataset_from_directory`` gives them."""
    images, labels, predicted = np.asarray(images), np.asarray(labels), np.asarray(predicted)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"Expected images shaped (n, height, width, 1) or (n, height, width, 3), got {images.shape}.")
    if not len(images) == len(labels) == len(predicted):
        raise ValueError(f"Got {len(images)} images, {len(labels)} labels and {len(predicted)} predictions; "
                         "pass one label and one prediction per image.")
    count = min(len(images), columns * rows)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.8, rows * 0.95), squeeze=False)
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < count:
            right = predicted[i] == labels[i]
            if images.shape[-1] == 1:
                ax.imshow(images[i, ..., 0], cmap="gray", vmin=0, vmax=1)
            else:
                ax.imshow(np.clip(images[i], 0, 255).astype("uint8"))
            ax.set_title(class_names[int(predicted[i])] + ("" if right else f" ({class_names[int(labels[i])]})"),
                         fontsize=9, color="black" if right else "red")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion(confusion: np.ndarray, class_names: Sequence[str], title: str | None = None):
    """A confusion matrix as a picture: row = true class, column = predicted class, each cell
    with its count (zeros left blank, so the mistakes stand out)."""
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape != (len(class_names), len(class_names)):
        raise ValueError(f"Expected a {len(class_names)}x{len(class_names)} matrix (one row and column per class), "
                         f"got shape {confusion.shape}.")
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (true, pred), count in np.ndenumerate(confusion):
        if count:
            ax.text(pred, true, str(count), ha="center", va="center", fontsize=7,
                    color="white" if true == pred else "black")
    ticks = range(len(class_names))
    ax.set(xticks=ticks, yticks=ticks, xticklabels=class_names, yticklabels=class_names,
           xlabel="predicted", ylabel="true")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
