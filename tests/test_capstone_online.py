"""Lesson 9's online path, run offline: a small zip shaped like ``cats_and_dogs_filtered`` (train/
and validation/, cats and dogs) is served from a loopback HTTP server, and

* ``images.fetch_dataset`` downloads it, checks its SHA-256 (a wrong one is refused and the file
  deleted; ``None`` warns and prints the hash) and unpacks it;
* the lesson notebook itself runs with ``USE_REAL_DATA_AND_IMAGENET = True``, pointed at that
  server, end to end: download, hash check, unpack, train, evaluate, predict. Only what would
  need the internet or a GPU-sized run is replaced: the URL, the pinned hash, the data folder,
  ImageNet weights (the course's own file instead) and the 160x160 full-width network (64x64,
  ``alpha=0.35``). Each replacement must hit exactly one line of the notebook, so a change there
  fails here instead of silently testing something else.
"""
import functools
import http.server
import os
import pathlib
import threading
import zipfile

import nbformat
import pytest
from nbclient import NotebookClient

from finetune_course import capstone, images

from support import ROOT

NOTEBOOK = ROOT / "notebooks" / "09_capstone_your_own_images.ipynb"


def _cats_and_dogs_zip(tmp: pathlib.Path) -> pathlib.Path:
    """cats_and_dogs_filtered.zip in miniature: 40 training and 8 validation images per class (two
    batches of 32 per epoch: phase 2's warm-up starts at rate 0, so its first epoch must take a second step)."""
    root = tmp / "unzipped" / "cats_and_dogs_filtered"
    for split, per_class, seed in (("train", 40, 0), ("validation", 8, 1)):
        images.make_demo_image_folder(root / split, per_class=per_class, size=64, seed=seed,
                                      classes=("circles", "stripes"))
        (root / split / images.DEMO_MARKER).unlink()
        (root / split / "circles").rename(root / split / "cats")
        (root / split / "stripes").rename(root / split / "dogs")
    archive = tmp / "served" / "cats_and_dogs_filtered.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(root.rglob("*")):
            zipped.write(path, path.relative_to(root.parent))
    return archive


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(url of the zip, its SHA-256), served from 127.0.0.1 for the module's tests."""
    archive = _cats_and_dogs_zip(tmp_path_factory.mktemp("zip"))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(archive.parent))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/{archive.name}", images.sha256_of(archive)
    httpd.shutdown()
    thread.join()


def test_fetch_dataset_downloads_checks_and_unpacks(server, tmp_path, capsys):
    url, sha = server
    root = images.fetch_dataset(url, sha, tmp_path / "data")
    summary = images.check_image_folder(root / "cats_and_dogs_filtered" / "train", verbose=False)
    assert summary.classes == ("cats", "dogs") and summary.counts == {"cats": 40, "dogs": 40}
    assert images.check_image_folder(root / "cats_and_dogs_filtered" / "validation", verbose=False).counts == \
        {"cats": 8, "dogs": 8}
    assert capsys.readouterr().out == ""   # a pinned, matching hash: nothing to warn about


def test_fetch_dataset_refuses_a_wrong_hash_and_deletes_the_file(server, tmp_path):
    url, sha = server
    wrong = "0" * 64
    with pytest.raises(images.DownloadError, match="SHA-256 .* not the expected 0{64}.*deleted"):
        images.fetch_dataset(url, wrong, tmp_path / "data")
    assert not (tmp_path / "data" / "cats_and_dogs_filtered.zip").exists()
    assert not (tmp_path / "data" / "cats_and_dogs_filtered").exists()   # nothing unpacked


def test_fetch_dataset_without_a_hash_says_it_did_not_check(server, tmp_path, capsys):
    url, sha = server
    images.fetch_dataset(url, None, tmp_path / "data")
    out = capsys.readouterr().out
    assert "was not checked" in out and sha in out


def test_mixed_precision_only_on_compute_capability_7_or_more():
    assert capstone.mixed_precision_pays([(7, 0)]) and capstone.mixed_precision_pays([(8, 0), (9, 0)])
    assert not capstone.mixed_precision_pays([])            # a CPU
    assert not capstone.mixed_precision_pays([(6, 0)])      # a P100
    assert not capstone.mixed_precision_pays([(8, 0), (3, 7)])   # any older GPU in the mix: off
    if not capstone.gpu_compute_capabilities():             # a machine where TensorFlow sees no GPU
        assert capstone.mixed_precision_pays() is False


SAME_AS_HELPER = """
config = capstone.CapstoneConfig(image_size=IMAGE_SIZE, alpha=ALPHA, weights=WEIGHTS, batch_per_replica=32,
                                 validation_split=0.2, head_epochs=HEAD_EPOCHS, head_lr=HEAD_LR, tune_epochs=TUNE_EPOCHS,
                                 unfreeze_top=UNFREEZE_TOP, patience=PATIENCE, flip=True, rotation=0.1,
                                 fill_mode="reflect", translation=0.0, dropout=DROPOUT, seed=SEED)
again = capstone.train_capstone(folder, config, strategy)
print("train_capstone gives the same weights:",
      all(np.array_equal(a, b) for a, b in zip(again["model"].get_weights(), model.get_weights())))
"""


def _replace_once(notebook, old: str, new: str) -> None:
    hits = [cell for cell in notebook.cells if cell.cell_type == "code" and old in cell.source]
    assert len(hits) == 1 and hits[0].source.count(old) == 1, f"{old!r} is not in exactly one line of lesson 9"
    hits[0].source = hits[0].source.replace(old, new)


@pytest.mark.slow
def test_the_lesson_runs_its_online_path_end_to_end(server, tmp_path):
    url, sha = server
    data_root = tmp_path / "datasets" / "cats_and_dogs"
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for old, new in (
        ("USE_REAL_DATA_AND_IMAGENET = False", "USE_REAL_DATA_AND_IMAGENET = True"),
        ('CATS_AND_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"',
         f"CATS_AND_DOGS_URL = {url!r}"),
        ("CATS_AND_DOGS_SHA256 = None", f"CATS_AND_DOGS_SHA256 = {sha!r}"),
        ('DATA_ROOT = pathlib.Path.home() / ".keras" / "datasets" / "cats_and_dogs"',
         f"DATA_ROOT = pathlib.Path({str(data_root)!r})"),
        ('ONLINE_WEIGHTS = "imagenet"', "ONLINE_WEIGHTS = capstone.PRETRAINED_WEIGHTS"),
        ("IMAGE_SIZE = (64, 64) if OFFLINE else (160, 160)", "IMAGE_SIZE = (64, 64)"),
        ("ALPHA = capstone.MOBILENET_ALPHA if OFFLINE else 1.0", "ALPHA = capstone.MOBILENET_ALPHA"),
    ):
        _replace_once(notebook, old, new)
    # Then train_capstone, with the online run's settings, must give the notebook's model exactly.
    notebook.cells.append(nbformat.v4.new_code_cell(SAME_AS_HELPER))
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("COURSE_SEED", None)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env=env)

    def output_of(fragment):
        cells = [c for c in notebook.cells if c.cell_type == "code" and fragment in c.source]
        assert len(cells) == 1, fragment
        return "".join(o.get("text", "") for o in cells[0].outputs if o.output_type == "stream")

    assert (data_root / "cats_and_dogs_filtered.zip").is_file()
    assert images.check_image_folder(data_root / "cats_and_dogs_filtered" / "train", verbose=False).classes == \
        ("cats", "dogs")
    assert "classes ('cats', 'dogs'); 64 training and 16 validation images" in output_of("def labels_in")
    held_out = output_of("held_out = chosen.evaluate(test")
    assert "on 16 images (chance 0.500)" in held_out, held_out
    assert not [c for c in notebook.cells if "random_model, random_base = build_model" in c.source][0].outputs
    assert output_of("again = capstone.train_capstone").strip().splitlines()[-1] == "train_capstone gives the same weights: True"
    assert "predicted" in output_of("image = keras.utils.img_to_array")
    assert "was not checked" not in "".join(output_of("images.fetch_dataset(CATS_AND_DOGS_URL"))
    # The online run's backups went next to the data; BackupAndRestore removed its own folders at the end.
    backups = data_root.parent / "capstone_backup"
    assert backups.is_dir() and not any(backups.iterdir())
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.zip"))
