"""Unit tests for finetune_course.images (lesson 9): the demo folder, the folder check's messages,
and the download's messages (offline: an address where nothing listens, and a local file)."""
import hashlib
import pathlib
import zipfile

import pytest
from PIL import Image

from finetune_course import images


def _png(path: pathlib.Path, size=(8, 8)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size).save(path)


def test_demo_folder_is_deterministic_and_valid(tmp_path):
    a = images.make_demo_image_folder(tmp_path / "a", per_class=3, size=32, seed=0)
    b = images.make_demo_image_folder(tmp_path / "b", per_class=3, size=32, seed=0)
    summary = images.check_image_folder(a, verbose=False)
    assert summary.classes == images.DEMO_CLASSES
    assert summary.counts == {name: 3 for name in images.DEMO_CLASSES}
    assert summary.sizes == ((32, 32),)
    for file in sorted(a.rglob("*.png")):
        assert file.read_bytes() == (b / file.relative_to(a)).read_bytes()
    c = images.make_demo_image_folder(tmp_path / "c", per_class=3, size=32, seed=1)
    assert (a / "checks" / "checks_000.png").read_bytes() != (c / "checks" / "checks_000.png").read_bytes()



def test_demo_folder_replaces_only_what_it_wrote(tmp_path):
    first = images.make_demo_image_folder(tmp_path / "demo", per_class=2, size=32, seed=0)
    again = images.make_demo_image_folder(tmp_path / "demo", per_class=1, size=32, seed=0)   # its own: replaced
    assert sorted(p.name for p in (again / "checks").iterdir()) == ["checks_000.png"] and first == again
    mine = tmp_path / "mine"
    (mine / "cats").mkdir(parents=True)
    (mine / "cats" / "tom.png").write_bytes(b"not yours")
    with pytest.raises(FileExistsError, match="nothing of yours is overwritten"):
        images.make_demo_image_folder(mine, per_class=1, size=32)
    assert (mine / "cats" / "tom.png").read_bytes() == b"not yours" and len(list(mine.rglob("*"))) == 2

def test_demo_folder_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="per_class"):
        images.make_demo_image_folder(tmp_path, per_class=0)
    with pytest.raises(ValueError, match="at least 32"):
        images.make_demo_image_folder(tmp_path, size=16)


def test_missing_folder(tmp_path):
    with pytest.raises(images.ImageFolderError, match="does not exist"):
        images.check_image_folder(tmp_path / "nowhere")


def test_file_instead_of_folder(tmp_path):
    (tmp_path / "data.zip").write_bytes(b"zip")
    with pytest.raises(images.ImageFolderError, match="is a file, not a folder.*unzip"):
        images.check_image_folder(tmp_path / "data.zip")


def test_one_class(tmp_path):
    _png(tmp_path / "cats" / "1.png")
    with pytest.raises(images.ImageFolderError, match="at least two class sub-folders.*found only 'cats'"):
        images.check_image_folder(tmp_path)


def test_no_class(tmp_path):
    _png(tmp_path / "1.png")
    with pytest.raises(images.ImageFolderError, match="found none"):
        images.check_image_folder(tmp_path)


def test_empty_class(tmp_path):
    _png(tmp_path / "cats" / "1.png")
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "readme.txt").write_text("no images here")
    with pytest.raises(images.ImageFolderError, match=r"class folder '.*dogs' has no images.*remove the folder"):
        images.check_image_folder(tmp_path)


def test_unreadable_files_are_named(tmp_path):
    _png(tmp_path / "cats" / "1.png")
    _png(tmp_path / "dogs" / "2.png")
    (tmp_path / "dogs" / "broken.jpg").write_bytes(b"not a jpeg")
    good = tmp_path / "cats" / "truncated.png"
    _png(good, (64, 64))
    good.write_bytes(good.read_bytes()[:40])
    with pytest.raises(images.ImageFolderError) as info:
        images.check_image_folder(tmp_path)
    message = str(info.value)
    assert message.startswith("2 file(s) in") and "cannot be read as images" in message
    assert "'cats/truncated.png'" in message and "'dogs/broken.jpg'" in message and "delete or replace" in message


def test_mixed_sizes_are_a_note_not_an_error(tmp_path, capsys):
    _png(tmp_path / "cats" / "1.png", (8, 8))
    _png(tmp_path / "dogs" / "2.png", (12, 10))
    summary = images.check_image_folder(tmp_path)
    assert summary.sizes == ((8, 8), (12, 10)) and summary.counts == {"cats": 1, "dogs": 1}
    out = capsys.readouterr().out
    assert "2 classes, 2 images (cats: 1, dogs: 1)" in out
    assert "note: the images come in 2 sizes (8x8, 12x10); image_dataset_from_directory resizes them all" in out
    images.check_image_folder(tmp_path, verbose=False)
    assert capsys.readouterr().out == ""


def _zip(tmp_path) -> pathlib.Path:
    folder = tmp_path / "src"
    _png(folder / "ds" / "a" / "1.png")
    archive = tmp_path / "ds.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(folder / "ds" / "a" / "1.png", "ds/a/1.png")
    return archive


def test_fetch_without_network_is_one_sentence(tmp_path):
    with pytest.raises(images.DownloadError) as info:
        images.fetch_dataset("http://127.0.0.1:9/data.zip", "0" * 64, tmp_path / "dest")
    message = str(info.value)
    assert message.startswith("Could not download http://127.0.0.1:9/data.zip (")
    assert message.endswith("check the network connection, or set the download switch back to False "
                            "to use the offline demo folder.")
    assert "\n" not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not list((tmp_path / "dest").iterdir())   # no partial file left behind


def test_fetch_checks_the_hash(tmp_path):
    archive = _zip(tmp_path)
    right = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.raises(images.DownloadError, match=f"has SHA-256 {right}, not the expected {'a' * 64}"):
        images.fetch_dataset(archive.as_uri(), "a" * 64, tmp_path / "bad")
    assert not (tmp_path / "bad" / "ds.zip").exists()   # the bad file is deleted
    dest = images.fetch_dataset(archive.as_uri(), right.upper(), tmp_path / "good")
    assert (dest / "ds" / "a" / "1.png").is_file()
    assert images.fetch_dataset("http://127.0.0.1:9/ds.zip", right, tmp_path / "good") == dest   # cached


def test_fetch_without_hash_prints_it(tmp_path, capsys):
    archive = _zip(tmp_path)
    images.fetch_dataset(archive.as_uri(), None, tmp_path / "dest")
    assert f"its SHA-256 is {images.sha256_of(archive)} (pin it" in capsys.readouterr().out


def test_fetch_rejects_a_malformed_hash(tmp_path):
    with pytest.raises(ValueError, match="64 hex digits"):
        images.fetch_dataset("http://127.0.0.1:9/x.zip", "abc", tmp_path)
