"""The final project's helpers: the digits written as an image folder, and the check's first words."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import checks, project


@pytest.fixture(scope="module")
def task():
    return fc.load_target(labels_per_class=1, val_per_class=1, seed=0)


def test_write_digit_folders_round_trips_through_image_dataset_from_directory(tmp_path, task):
    folders = project.write_digit_folders(tmp_path / "digits", task)
    assert sorted(folders) == ["test", "train", "val"]
    assert sorted(p.name for p in folders["train"].iterdir()) == list(fc.TARGET_CLASSES)
    train = keras.utils.image_dataset_from_directory(folders["train"], color_mode="grayscale", image_size=(16, 16),
                                                     batch_size=100, shuffle=False, verbose=False)
    [(x, y)] = list(train)
    x, y = keras.ops.convert_to_numpy(x) / 255.0, keras.ops.convert_to_numpy(y)
    order = np.argsort(task.train.y, kind="stable")   # the folder lists digit 0 first, then 1, ...
    np.testing.assert_array_equal(y, task.train.y[order])
    assert np.abs(x - task.train.x[order]).max() <= 0.5 / 255 + 1e-6   # 8 bits, rounded


def test_write_digit_folders_never_touches_an_existing_folder(tmp_path, task):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        project.write_digit_folders(mine, task)
    assert (mine / "keep.txt").read_text() == "mine" and len(list(mine.iterdir())) == 1


def test_check_project_names_what_is_missing_first():
    with pytest.raises(checks.ExerciseCheckError, match="`model` is still None"):
        project.check_project(None, None, None, None, {}, None, None)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    with pytest.raises(checks.ExerciseCheckError, match="`early_stopping` is still None"):
        project.check_project(model, history, None, None, {}, None, None)
    with pytest.raises(checks.ExerciseCheckError, match="`test_accuracy` is still None"):
        project.check_project(model, history, keras.callbacks.EarlyStopping(), None, {}, None, None)
