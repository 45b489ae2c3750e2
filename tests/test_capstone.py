"""Unit tests for lesson 9's helpers: the digit folders, the shipped MobileNetV2 weights and the
script that reproduces them, the input pipeline and the unfreeze loop."""
import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from finetune_course import capstone, data, images
from finetune_course.internals import pretrain

from support import ROOT, ASSETS


def test_digit_folders_are_deterministic_disjoint_and_refuse_foreign_folders(tmp_path):
    train, test = capstone.write_digit_folders(tmp_path / "a", seed=3, train_per_class=4, test_per_class=2)
    again, _ = capstone.write_digit_folders(tmp_path / "b", seed=3, train_per_class=4, test_per_class=2)
    summary = images.check_image_folder(train, verbose=False)
    assert summary.classes == tuple(str(d) for d in range(10)) and set(summary.counts.values()) == {4}
    assert summary.sizes == ((64, 64),)
    assert set(images.check_image_folder(test, verbose=False).counts.values()) == {2}
    names = lambda folder: {p.relative_to(folder).as_posix() for p in folder.rglob("*.png")}
    assert names(train) == names(again)                       # the same seed, the same digits
    assert not {p.name for p in train.rglob("*.png")} & {p.name for p in test.rglob("*.png")}   # disjoint
    pixels = keras.utils.img_to_array(keras.utils.load_img(next(train.glob("3/*.png"))))
    assert pixels.shape == (64, 64, 3) and np.array_equal(pixels[..., 0], pixels[..., 2])   # grey, as RGB
    capstone.write_digit_folders(tmp_path / "a", seed=4, train_per_class=1, test_per_class=1)   # its own: replaced
    assert set(images.check_image_folder(tmp_path / "a" / "train", verbose=False).counts.values()) == {1}
    mine = tmp_path / "mine"
    (mine / "keep.txt").parent.mkdir()
    (mine / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="nothing of yours is overwritten"):
        capstone.write_digit_folders(mine)
    assert (mine / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="at most 174"):
        capstone.write_digit_folders(tmp_path / "c", train_per_class=100, test_per_class=100)
    with pytest.raises(ValueError, match="positive integer"):
        capstone.write_digit_folders(tmp_path / "c", train_per_class=0)


def test_colour_letters_are_letters_only_and_balanced():
    x, y = data.make_colour_letters(70, seed=5)
    assert x.shape == (70, 64, 64, 3) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [2] * len(data.LETTER_CLASSES)
    assert not any(c.isdigit() for c in data.LETTER_CLASSES)   # no target class among the source's
    assert np.array_equal(data.make_colour_letters(70, seed=5)[0], x)
    with pytest.raises(ValueError, match="positive number"):
        data.make_colour_letters(0)


def test_the_shipped_weights_load_with_the_applications_call():
    report = json.loads((ASSETS / "mobilenet_v2_letters.json").read_text())
    assert (ASSETS / "mobilenet_v2_letters.weights.h5").stat().st_size <= 3 * 1024 * 1024
    assert report["architecture"] == "keras.applications.MobileNetV2" and report["alpha"] == capstone.MOBILENET_ALPHA
    assert report["total_s"] <= 15 * 60 and report["source_accuracy"] > 0.5
    base = keras.applications.MobileNetV2(input_shape=(64, 64, 3), include_top=False, alpha=capstone.MOBILENET_ALPHA,
                                          weights=capstone.PRETRAINED_WEIGHTS)
    random = keras.applications.MobileNetV2(input_shape=(64, 64, 3), include_top=False,
                                            alpha=capstone.MOBILENET_ALPHA, weights=None)
    assert not np.array_equal(base.get_layer("Conv1").kernel.numpy(), random.get_layer("Conv1").kernel.numpy())
    moving = base.get_layer("bn_Conv1").moving_variance.numpy()
    assert not np.allclose(moving, 1.0)                       # pretrained statistics, not the initial ones


@pytest.mark.slow
def test_pretrain_mobilenet_quick_run_writes_only_to_out(tmp_path):
    shipped = {p.name: p.read_bytes() for p in ASSETS.iterdir()}
    out = tmp_path / "m.weights.h5"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pretrain_mobilenet.py"), "--quick",
                             "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "m.json").read_text())
    assert report["images"] == 256 and report["epochs"] == 1 and report["file_kb"] <= 3 * 1024
    base = keras.applications.MobileNetV2(input_shape=(64, 64, 3), include_top=False,
                                          alpha=capstone.MOBILENET_ALPHA, weights=str(out))
    assert base.output_shape == (None, 2, 2, 1280)
    assert {p.name: p.read_bytes() for p in ASSETS.iterdir()} == shipped
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        pretrain.save_mobilenet_weights(base, report, tmp_path / "m.h5")


def test_pipeline_caches_then_shuffles_every_epoch():
    import tensorflow as tf

    pairs = tf.data.Dataset.from_tensor_slices((np.arange(20, dtype="float32"), np.arange(20)))
    shuffled = capstone.pipeline(pairs, batch_size=8, shuffle_seed=1)
    epochs = [np.concatenate([y.numpy() for _, y in shuffled]) for _ in range(2)]
    assert [len(b) for b, _ in shuffled] == [8, 8, 4]
    assert sorted(epochs[0]) == list(range(20)) and not np.array_equal(epochs[0], epochs[1])
    in_order = np.concatenate([y.numpy() for _, y in capstone.pipeline(pairs, batch_size=8)])
    assert in_order.tolist() == list(range(20))


def test_unfreeze_top_keeps_batchnorm_frozen_unless_asked():
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, alpha=0.35, weights=None)
    config = capstone.CapstoneConfig(unfreeze_top=10)
    capstone.unfreeze_top(base, config)
    trainable = [layer for layer in base.layers if layer.trainable and layer.weights]
    assert all(layer in base.layers[-10:] for layer in trainable)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in trainable)
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), include_top=False, alpha=0.35, weights=None)
    base.trainable = False   # a fresh frozen base, as lesson 9's comparison builds one
    capstone.unfreeze_top(base, capstone.CapstoneConfig(unfreeze_top=10, freeze_batchnorm=False))
    assert any(isinstance(layer, keras.layers.BatchNormalization) and layer.trainable for layer in base.layers[-10:])
    assert not any(layer.trainable for layer in base.layers[:-10] if layer.weights)


def test_build_model_rejects_a_bad_class_count():
    with pytest.raises(ValueError, match="at least 2"):
        capstone.build_model(1, capstone.CapstoneConfig())
