"""Folders of images for the capstone (lesson 9): a generated demo folder (for tests), a check of a learner's
own folder, and a download that is verified and fails with one clear sentence.

``keras.utils.image_dataset_from_directory`` reads a folder laid out as one sub-folder per class::

    my_images/
        cats/  001.jpg 002.jpg ...
        dogs/  001.jpg ...

:func:`check_image_folder` checks that layout before any training starts, so a mistake (one
class, an empty class, a broken file) is reported in one sentence that names the folder or the
file, not as a TensorFlow traceback in the middle of ``fit``. :func:`write_task_folders` lays the
course's own target task out that way, for the final project.
"""
from __future__ import annotations

import hashlib
import pathlib
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import NamedTuple

import numpy as np

from . import data

# The file types image_dataset_from_directory reads (Keras 3.15, ALLOWLIST_FORMATS).
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
DEMO_CLASSES = ("checks", "circles", "stripes")
TASK_SPLITS = ("train", "val", "test")


class ImageFolderError(ValueError):
    """An image folder that cannot be trained on; the message says what is wrong and how to fix it."""


class DownloadError(RuntimeError):
    """A dataset that could not be downloaded or did not match its SHA-256."""


class FolderSummary(NamedTuple):
    """What :func:`check_image_folder` found: class names (sorted, as Keras numbers them), the
    number of images per class, and the distinct image sizes as (width, height)."""
    classes: tuple[str, ...]
    counts: dict[str, int]
    sizes: tuple[tuple[int, int], ...]


# --- a demo folder the notebook makes itself -------------------------------------------------

def _draw(kind: str, size: int, rng: np.random.Generator, channel: int = 0):
    """One RGB picture of ``kind``: a bright pattern leaning towards colour ``channel`` at a random
    place and size, on a noisy dark background tinted the same way, as a PIL image."""
    from PIL import Image, ImageDraw

    background = rng.integers(0, 60, size=3)
    background[channel] += 60   # the background too is tinted by the class's colour
    pixels = np.clip(background + rng.normal(0, 8, size=(size, size, 3)), 0, 255).astype("uint8")
    img = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(img)
    colour = rng.integers(0, 100, size=3)
    colour[channel] = rng.integers(200, 256)   # each class leans towards one colour
    colour = tuple(int(c) for c in colour)
    r = rng.uniform(0.25, 0.4) * size
    cx, cy = rng.uniform(r + 1, size - r - 1, size=2)
    box = [int(cx - r), int(cy - r), int(cx + r), int(cy + r)]
    cell = max(2, int(rng.integers(3, 6) * size / 64))
    if kind == "circles":
        draw.ellipse(box, fill=colour)
    elif kind == "stripes":
        for x in range(box[0], box[2], 2 * cell):
            draw.rectangle([x, box[1], min(x + cell - 1, box[2]), box[3]], fill=colour)
    elif kind == "checks":
        for i, x in enumerate(range(box[0], box[2], cell)):
            for j, y in enumerate(range(box[1], box[3], cell)):
                if (i + j) % 2 == 0:
                    draw.rectangle([x, y, min(x + cell - 1, box[2]), min(y + cell - 1, box[3])], fill=colour)
    else:
        raise ValueError(f"Unknown demo class {kind!r}; choose from {DEMO_CLASSES}.")
    return img


DEMO_MARKER = ".finetune_course_demo"   # top level: not a class folder, and hidden


def make_demo_image_folder(path, per_class: int = 40, size: int = 64, seed: int = 0,
                           classes: tuple[str, ...] = DEMO_CLASSES) -> pathlib.Path:
    """Write a small image folder, one sub-folder per class, and return its path.

    Each class (by default checks, circles and stripes) gets ``per_class`` RGB PNGs of
    ``size`` x ``size`` pixels: a bright pattern (checks, a disc or stripes) at a random position and
    size, on a noisy dark background. Each class also leans towards one colour (red, green, blue),
    the easiest cue there is. The tests use it to stand in for a downloaded dataset
    (``tests/test_capstone_online.py``). Everything is drawn from ``seed``: the same arguments
    write the same files. A folder this
    function wrote before (it leaves a ``.finetune_course_demo`` marker) is replaced; any other
    existing, non-empty ``path`` is refused with ``FileExistsError`` and left as it is."""
    if not isinstance(per_class, int) or isinstance(per_class, bool) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}.")
    if not isinstance(size, int) or isinstance(size, bool) or size < 32:
        raise ValueError(f"size must be an integer of at least 32 pixels, got {size!r}.")
    if len(classes) < 2:
        raise ValueError(f"A classifier needs at least two classes, got {classes!r}.")
    path = clear_own_folder(path, DEMO_MARKER, "a demo folder")
    rng = np.random.default_rng(seed)
    for index, name in enumerate(classes):
        folder = path / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            _draw(name, size, rng, channel=index % 3).save(folder / f"{name}_{i:03d}.png")
    (path / DEMO_MARKER).write_text("Written by finetune_course.images.make_demo_image_folder; safe to delete.\n")
    return path


def write_task_folders(root, task) -> dict[str, pathlib.Path]:
    """Write ``task``'s splits (a :class:`~finetune_course.data.TargetTask`) as 8-bit grey 16x16 PNGs under ``root``/train, /val and /test, one
    sub-folder per digit; return the three folders. ``root`` must not exist yet or be empty:
    nothing that is already there is touched, let alone deleted."""
    root = pathlib.Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(f"{root} already exists and is not an empty folder: pass a new path "
                              "(e.g. one from tempfile.mkdtemp()), so nothing of yours is overwritten.")
    import keras

    folders = {}
    for name, split in zip(TASK_SPLITS, (task.train, task.val, task.test)):
        for digit in data.TARGET_CLASSES:
            (root / name / digit).mkdir(parents=True)
        for i, (image, label) in enumerate(zip(split.x, split.y)):
            pixels = np.round(np.clip(image, 0.0, 1.0) * 255)
            keras.utils.save_img(root / name / data.TARGET_CLASSES[int(label)] / f"{i:04d}.png", pixels, scale=False)
        folders[name] = root / name
    return folders


def clear_own_folder(path, marker: str, what: str) -> pathlib.Path:
    """Make ``path`` ready to be written: a folder that holds ``marker`` (left there by the course's
    writer, ``what`` it wrote) is removed; a new path or an empty folder is fine; anything else
    is refused with ``FileExistsError`` and left as it is. Returns ``path`` as a ``Path``."""
    path = pathlib.Path(path)
    if (path / marker).is_file():
        shutil.rmtree(path)
    elif path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise FileExistsError(f"{str(path)!r} already exists and is not {what} written by this function: "
                              "pass a new or empty path, so that nothing of yours is overwritten.")
    return path


# --- checking a folder before training -------------------------------------------------------

def check_image_folder(path, verbose: bool = True) -> FolderSummary:
    """Check that ``path`` is a folder of class sub-folders of readable images, and summarise it.

    Raises :class:`ImageFolderError` (a ``ValueError``) naming the problem and its fix when
    ``path`` is missing or not a folder, has fewer than two class sub-folders, has a class
    sub-folder with no images, or holds files that cannot be read as images (named, up to five).
    Images of different sizes are allowed: ``image_dataset_from_directory`` resizes every image
    to its ``image_size`` (stretching it unless ``crop_to_aspect_ratio=True``), so with
    ``verbose`` a note naming the sizes is printed instead. Returns a :class:`FolderSummary`."""
    from PIL import Image, UnidentifiedImageError

    folder = pathlib.Path(path)
    if not folder.exists():
        raise ImageFolderError(f"The image folder {str(folder)!r} does not exist; set the folder variable to "
                               "a folder that holds one sub-folder of images per class.")
    if not folder.is_dir():
        raise ImageFolderError(f"{str(folder)!r} is a file, not a folder; point to the folder that holds one "
                               "sub-folder of images per class (unzip an archive first).")
    class_dirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_dirs) < 2:
        found = f"only {class_dirs[0].name!r}" if class_dirs else "none"
        raise ImageFolderError(f"{str(folder)!r} needs at least two class sub-folders (one per class, e.g. "
                               f"cats/ and dogs/), found {found}; a classifier cannot learn from one class.")
    counts, sizes, broken = {}, set(), []
    for class_dir in class_dirs:
        files = sorted(p for p in class_dir.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
        if not files:
            raise ImageFolderError(f"The class folder {str(class_dir)!r} has no images ({', '.join(IMAGE_EXTENSIONS)}); "
                                   "add some or remove the folder.")
        counts[class_dir.name] = len(files)
        for file in files:
            try:
                with Image.open(file) as img:
                    img.load()
                    sizes.add(img.size)
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
                broken.append(file)
    if broken:
        names = ", ".join(repr(str(p.relative_to(folder))) for p in broken[:5])
        more = f" and {len(broken) - 5} more" if len(broken) > 5 else ""
        raise ImageFolderError(f"{len(broken)} file(s) in {str(folder)!r} cannot be read as images: {names}{more}; "
                               "delete or replace them.")
    summary = FolderSummary(tuple(counts), counts, tuple(sorted(sizes)))
    if verbose:
        print(f"{str(folder)!r}: {len(counts)} classes, {sum(counts.values())} images "
              f"({', '.join(f'{name}: {n}' for name, n in counts.items())})")
        if len(sizes) > 1:
            shown = ", ".join(f"{w}x{h}" for w, h in summary.sizes[:5])
            more = f" and {len(sizes) - 5} more" if len(sizes) > 5 else ""
            print(f"note: the images come in {len(sizes)} sizes ({shown}{more}); image_dataset_from_directory "
                  "resizes them all to image_size, stretching any of another aspect ratio.")
    return summary


# --- downloading a dataset --------------------------------------------------------------------

def sha256_of(path) -> str:
    """The SHA-256 of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_dataset(url: str, sha256: str | None, dest, timeout: float = 30.0) -> pathlib.Path:
    """Download the zip archive at ``url`` into the folder ``dest``, check its SHA-256 and
    extract it there; returns ``dest``. A file already downloaded is checked, not fetched again.

    ``sha256`` is required: the 64 hex digits the file must have. ``None`` skips the check after
    printing the file's actual hash, for a dataset whose hash you have not pinned yet (pin it).
    Raises :class:`DownloadError` with one sentence when the download fails (no network, wrong
    address) or the file's hash differs, and removes the bad file."""
    if sha256 is not None and (not isinstance(sha256, str) or len(sha256) != 64
                               or any(c not in "0123456789abcdef" for c in sha256.lower())):
        raise ValueError(f"sha256 must be 64 hex digits (or None to skip the check), got {sha256!r}.")
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / (pathlib.PurePosixPath(urllib.parse.urlparse(url).path).name or "download.zip")
    if not archive.exists():
        partial = archive.with_name(archive.name + ".part")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as file:
                shutil.copyfileobj(response, file)
        except (urllib.error.URLError, OSError, ValueError) as error:
            partial.unlink(missing_ok=True)
            reason = getattr(error, "reason", error)
            raise DownloadError(f"Could not download {url} ({reason}): check the network connection, or set "
                                "the download switch back to False to use the offline demo folder.") from None
        partial.rename(archive)
    actual = sha256_of(archive)
    if sha256 is None:
        print(f"warning: {archive.name} was not checked; its SHA-256 is {actual} (pin it as sha256).")
    elif actual != sha256.lower():
        archive.unlink()
        raise DownloadError(f"The file downloaded from {url} has SHA-256 {actual}, not the expected {sha256.lower()}: "
                            "it is damaged or not the file you meant, so it was deleted.")
    try:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(dest)
    except zipfile.BadZipFile:
        raise DownloadError(f"{archive.name} from {url} is not a zip archive.") from None
    return dest


def temporary_folder(prefix: str = "finetune_course_") -> pathlib.Path:
    """A new empty folder under the system's temporary directory (remove it with shutil.rmtree)."""
    return pathlib.Path(tempfile.mkdtemp(prefix=prefix))
