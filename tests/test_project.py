"""The final project's helpers: the digits written as an image folder, and the check's first words."""
import keras
import numpy as np
import pytest

import finetune_course as fc
from finetune_course import images
from finetune_course.grading import project
from finetune_course.grading.guards import ExerciseCheckError


@pytest.fixture(scope="module")
def task():
    return fc.load_target(labels_per_class=1, val_per_class=1, seed=0)


def test_write_digit_folders_round_trips_through_image_dataset_from_directory(tmp_path, task):
    folders = images.write_task_folders(tmp_path / "digits", task)
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
        images.write_task_folders(mine, task)
    assert (mine / "keep.txt").read_text() == "mine" and len(list(mine.iterdir())) == 1


def test_check_project_names_what_is_missing_first():
    with pytest.raises(ExerciseCheckError, match="`model` is still None"):
        project.check_project(None, None, None, None, None, {}, None, None)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    phase1 = model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    with pytest.raises(ExerciseCheckError, match="`phase1` is still None"):
        project.check_project(model, None, None, None, None, {}, None, None)
    history = model.fit(np.ones((4, 3)), np.ones((4, 2)), initial_epoch=1, epochs=2, verbose=0)
    with pytest.raises(ExerciseCheckError, match="the same History"):
        project.check_project(model, history, history, None, None, {}, None, None)
    with pytest.raises(ExerciseCheckError, match="`early_stopping` is still None"):
        project.check_project(model, phase1, history, None, None, {}, None, None)
    with pytest.raises(ExerciseCheckError, match="`test_accuracy` is still None"):
        project.check_project(model, phase1, history, keras.callbacks.EarlyStopping(), None, {}, None, None)


def test_what_reaches_the_base_counts_scaling_inside_the_model():
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="base")
    pixels = np.full((2, 4), 255.0, "float32")
    inside = keras.Sequential([keras.Input((4,)), keras.layers.Rescaling(1 / 255), base, keras.layers.Dense(3)])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(project._base_inputs(inside, base, pixels)), 1.0)
    plain = keras.Sequential([base, keras.layers.Dense(3)])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(project._base_inputs(plain, base, pixels)), 255.0)
    inputs = keras.Input((4,))
    functional = keras.Model(inputs, keras.layers.Dense(3)(base(keras.layers.Rescaling(1 / 255)(inputs))))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(project._base_inputs(functional, base, pixels)), 1.0)


def test_the_fine_tuning_rate_is_read_from_a_rate_or_a_schedule():
    assert project._fine_tuning_rate(keras.optimizers.Adam(1e-3)) == pytest.approx(1e-3)
    schedule = keras.optimizers.schedules.CosineDecay(1e-4, decay_steps=100, warmup_target=1e-3, warmup_steps=10)
    optimizer = keras.optimizers.Adam(schedule)
    optimizer.iterations.assign(50)
    assert project._fine_tuning_rate(optimizer) == pytest.approx(1e-3, rel=0.05)
