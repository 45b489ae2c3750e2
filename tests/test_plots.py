"""Tests of image grids, predictions, confusion matrices and training curves (plots.py)."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import plots

from support import _history


def test_show_images(task):
    names = fc.TARGET_CLASSES
    with pytest.raises(ValueError, match="height, width, 1"):
        plots.show_images(task.train.x[..., 0], task.train.y, names)
    fig = plots.show_images(task.train.x, task.train.y, names, title="digits", columns=5, rows=2)
    assert isinstance(fig, matplotlib.figure.Figure)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == [names[label] for label in task.train.y[:10]]
    assert fig._suptitle.get_text() == "digits"


def test_show_predictions_marks_mistakes_in_red_with_the_true_class(task):
    names = fc.TARGET_CLASSES
    images, labels = task.train.x[:4], task.train.y[:4]
    predicted = labels.copy()
    predicted[1] = (labels[1] + 1) % 10   # one mistake
    with pytest.raises(ValueError, match="one label and one prediction per image"):
        plots.show_predictions(images, labels, predicted[:3], names)
    with pytest.raises(ValueError, match="height, width, 1"):
        plots.show_predictions(images[..., 0], labels, predicted, names)
    fig = plots.show_predictions(images, labels, predicted, names, columns=4, rows=1, title="t")
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == [names[labels[0]], f"{names[predicted[1]]} ({names[labels[1]]})",
                                                 names[labels[2]], names[labels[3]]]
    assert [matplotlib.colors.to_hex(ax.title.get_color()) for ax in titled] == ["#000000", "#ff0000", "#000000", "#000000"]


def test_plot_confusion_writes_every_nonzero_count_and_checks_the_shape():
    confusion = np.array([[5, 0, 1], [0, 4, 0], [2, 0, 3]])
    with pytest.raises(ValueError, match="3x3 matrix"):
        plots.plot_confusion(confusion[:2], ["a", "b", "c"])
    fig = plots.plot_confusion(confusion, ["a", "b", "c"], title="c")
    (ax,) = fig.axes
    written = sorted((text.get_position(), text.get_text()) for text in ax.texts)
    assert written == sorted(((pred, true), str(count)) for (true, pred), count in np.ndenumerate(confusion) if count)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")


def test_plot_phases():
    head = _history(loss=[1.0, 0.8], val_loss=[1.1, 0.9], accuracy=[0.5, 0.6])
    tune = {"loss": [0.7, 0.6, 0.5], "val_loss": [0.85, 0.8, 0.8]}
    with pytest.raises(ValueError, match="2 histories but 1 names"):
        plots.plot_phases([head, tune], names=["head"])
    before = plt.get_fignums()
    with pytest.raises(KeyError, match="accuracy") as error:
        plots.plot_phases([head, tune], names=["head", "fine-tune"], metrics=("loss", "accuracy"))
    assert "fine-tune" in str(error.value)
    assert plt.get_fignums() == before  # no empty figure left behind
    fig = plots.plot_phases([head, tune], names=["head", "fine-tune"])
    assert isinstance(fig, matplotlib.figure.Figure)
    (ax,) = fig.axes
    lines = [line for line in ax.get_lines() if line.get_linestyle() != "--"]
    assert [list(line.get_xdata()) for line in lines] == [[1, 2], [1, 2], [3, 4, 5], [3, 4, 5]]
    assert [line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == "--"] == [2.5]


def test_show_predictions_draws_rgb_images_as_the_folder_reader_gives_them():
    images = np.zeros((2, 8, 8, 3), "float32")
    images[1] = 255.0
    fig = plots.show_predictions(images, [0, 1], [0, 0], ("cats", "dogs"), columns=2, rows=1)
    shown = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    assert [int(np.max(a)) for a in shown] == [0, 255]
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["cats", "cats (dogs)"]
