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
