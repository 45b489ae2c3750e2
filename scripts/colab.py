"""Stamp an Open-in-Colab badge and a Colab-only setup cell into every course notebook.

Everything comes from ONE setting in ``pyproject.toml``::

    [project.urls]
    Repository = "https://github.com/OWNER/NAME"

For every ``notebooks/*.ipynb`` and ``solutions/*.ipynb`` this writes

* a badge line right after the ``# ...`` title line of the first markdown
  cell, opening that very notebook on Colab from the repository's branch
  (``--branch``, default ``main``);
* a code cell tagged ``colab-setup``, placed first among the code cells
  (before the imports), which on Colab runs
  ``%pip install -q "PACKAGE @ git+https://github.com/OWNER/NAME@REF"``,
  PACKAGE being ``[project] name`` and REF the tag ``v`` + ``[project] version``
  (or ``--ref``): a class that opened the notebooks in September installs the
  same course in December, whatever the branch holds by then. Tag that commit
  and push the tag before handing the notebooks out. That installs the helper package with its
  data and pretrained base (package data) and nothing else: Colab's
  TensorFlow 2.20 and Keras 3.13 satisfy the package's ``keras>=3.13``, so
  pip upgrades nothing. Outside Colab the cell does nothing (``pip install -r
  requirements.txt`` installed the package). In a notebook with nbgrader
  metadata (the solutions) the cell is a locked, read-only nbgrader cell
  with grade_id ``colab_setup``, like the exercise's own setup cell.

Then the exercises are regenerated from the solutions with
``make_exercises.main`` so they carry the same cells. Re-stamping replaces
the badge and the setup cell (after a rename of the repository, say); it
never duplicates them. Files are only rewritten when their content changes,
in ``nbformat.write``'s format.

Usage::

    python scripts/colab.py                                      # stamp from pyproject.toml
    python scripts/colab.py --repository https://github.com/OWNER/NAME   # set it, then stamp
    python scripts/colab.py --branch course-2026                 # badges open another branch
    python scripts/colab.py --ref 1a2b3c4                        # the setup cell installs that commit
    python scripts/colab.py --check                              # write nothing; exit 1 if stale

``--check`` compares against the same ``--branch``; with no repository
configured it fails if any notebook carries a badge or setup cell (they
would point nowhere). Needs Python 3.11+ (``tomllib``).

Exit codes: 0 success, 1 notebooks out of date (``--check``), 2 no or an
invalid repository setting, or a notebook without a ``# `` title (nothing
is written then); after stamping, ``make_exercises``' exit code.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import nbformat
from nbformat.v4 import new_code_cell

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_exercises  # noqa: E402  (sibling script)

REPO_ROOT = make_exercises.REPO_ROOT
NOTEBOOK_FOLDERS = ("notebooks", "solutions")
DEFAULT_BRANCH = "main"
SETUP_TAG = "colab-setup"
SETUP_CELL_ID = "colab-setup"
SETUP_GRADE_ID = "colab_setup"
BADGE_PREFIX = "[![Open In Colab]("
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
REPOSITORY_PATTERN = re.compile(
    r"https://github\.com/(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)"
    r"/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/?"
)
BRANCH_PATTERN = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*")
REPOSITORY_KEY_LINE = re.compile(r'\s*("?)Repository\1\s*=')
NO_REPOSITORY = ('No course repository configured: add [project.urls] Repository = '
                 '"https://github.com/OWNER/NAME" to pyproject.toml, or pass --repository.')


class ColabSettingError(ValueError):
    """The repository setting, the branch or a notebook's layout does not allow stamping."""


@dataclass(frozen=True)
class Target:
    """Where the course lives on GitHub, and the package its setup cell installs."""

    repository: str  # https://github.com/OWNER/NAME, no .git, no trailing slash
    branch: str
    package: str     # the distribution name, [project] name in pyproject.toml
    ref: str = ""    # the tag or commit the setup cell installs; the branch if empty

    def badge(self, notebook: str) -> str:
        """The badge line opening ``notebook`` (a path relative to the repository root) on Colab."""
        slug = self.repository.removeprefix("https://github.com/")
        link = f"https://colab.research.google.com/github/{slug}/blob/{self.branch}/{quote(notebook)}"
        return f"{BADGE_PREFIX}{BADGE_IMAGE})]({link})"

    def setup_source(self) -> str:
        """The setup cell's source: a ``%pip install`` from GitHub, on Colab only, of ``ref``: the
        course as it was when the notebooks were stamped, not whatever the branch holds later."""
        return (
            "# Colab only: install the course's helper package (with its data and pretrained base).\n"
            "# On your own machine this cell does nothing: `pip install -r requirements.txt` did it.\n"
            "import sys\n"
            'if "google.colab" in sys.modules:\n'
            f'    %pip install -q "{self.package} @ git+{self.repository}@{self.ref or self.branch}"'
        )


def parse_repository(url: str) -> str:
    """Return ``url`` as ``https://github.com/OWNER/NAME`` (``.git`` and a final ``/`` stripped).

    Raises ``ColabSettingError`` in one sentence when it is not a GitHub
    repository's web address.
    """
    match = REPOSITORY_PATTERN.fullmatch(url.strip())
    if not match or match["name"] in (".", ".."):
        raise ColabSettingError(
            f"Invalid course repository {url!r}: expected a GitHub repository's web address, "
            "https://github.com/OWNER/NAME."
        )
    return f"https://github.com/{match['owner']}/{match['name']}"


def parse_branch(branch: str) -> str:
    """Return ``branch``; raise ``ColabSettingError`` if it cannot be a plain Git branch name."""
    if not BRANCH_PATTERN.fullmatch(branch) or ".." in branch or branch.endswith((".", ".lock")):
        raise ColabSettingError(f"Invalid branch {branch!r}: use a Git branch name such as 'main'.")
    return branch


def read_setting(pyproject_text: str) -> tuple[str | None, str, str]:
    """(repository or ``None`` when unset, package name, version) from pyproject.toml's text."""
    project = tomllib.loads(pyproject_text).get("project", {})
    if "name" not in project or "version" not in project:
        raise ColabSettingError("pyproject.toml has no [project] name and version: the setup cell installs "
                                "that package, at the tag v<version>.")
    url = project.get("urls", {}).get("Repository")
    return (None if url is None else parse_repository(url)), project["name"], project["version"]


def set_repository(pyproject_text: str, url: str) -> str:
    """Return pyproject.toml's text with ``[project.urls] Repository`` set to ``url``.

    Only the ``Repository`` line changes (or, when missing, is added, with
    the ``[project.urls]`` header after the ``[project]`` table if need be);
    every other byte is kept. Raises ``ColabSettingError`` for a bad URL or a
    file this cannot edit safely.
    """
    url = parse_repository(url)
    line = f'Repository = "{url}"\n'
    lines = pyproject_text.splitlines(keepends=True)
    headers = [i for i, text in enumerate(lines) if text.lstrip().startswith("[")]

    def table(name: str) -> tuple[int, int] | None:
        """(header index, index of the next header or the end) of ``[name]``."""
        for i in headers:
            if lines[i].split("#")[0].strip() == f"[{name}]":
                return i, next((j for j in headers if j > i), len(lines))
        return None

    urls, project = table("project.urls"), table("project")
    if urls:
        start, end = urls
        keys = [i for i in range(start + 1, end) if REPOSITORY_KEY_LINE.match(lines[i])]
        if keys:
            ending = lines[keys[0]][len(lines[keys[0]].rstrip("\r\n")):] or "\n"
            lines[keys[0]] = line.rstrip("\n") + ending
        else:
            lines.insert(start + 1, line)
    elif project:
        _, end = project
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        block = ["[project.urls]\n", line]
        if end == len(lines):
            lines += ["\n", *block]
        else:
            lines[end:end] = (block + ["\n"]) if lines[end - 1].strip() == "" else (["\n"] + block + ["\n"])
    else:
        raise ColabSettingError("pyproject.toml has no [project] table to add [project.urls] to.")
    new_text = "".join(lines)

    expected = tomllib.loads(pyproject_text)
    expected.setdefault("project", {}).setdefault("urls", {})["Repository"] = url
    try:
        edited_safely = tomllib.loads(new_text) == expected
    except tomllib.TOMLDecodeError:  # e.g. [project] already has an inline `urls = {...}`
        edited_safely = False
    if not edited_safely:
        raise ColabSettingError(
            'Could not set the repository in pyproject.toml safely (is [project] urls an inline table?): '
            f'add Repository = "{url}" to [project] urls by hand.'
        )
    return new_text


def is_badge(line: str) -> bool:
    """Whether ``line`` is an Open-in-Colab badge line (whatever it links to)."""
    return line.startswith(BADGE_PREFIX)


def is_setup_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is a Colab setup cell (a code cell found by its tag)."""
    return cell.cell_type == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def without_badges(source: str) -> str:
    """``source`` minus every badge line and the blank line just before each."""
    kept = []
    for line in source.split("\n"):
        if is_badge(line):
            if kept and kept[-1] == "":
                kept.pop()
        else:
            kept.append(line)
    return "\n".join(kept)


def setup_cell_metadata(graded: bool) -> dict:
    """The setup cell's metadata: its tag, plus locked nbgrader metadata in a graded notebook."""
    metadata = {"tags": [SETUP_TAG]}
    if graded:  # as nbgrader's "Read-only" cell type writes it, like the exercises' setup cells
        metadata["nbgrader"] = {"grade": False, "grade_id": SETUP_GRADE_ID, "locked": True,
                                "schema_version": 3, "solution": False, "task": False}
    return metadata


def stamp(nb: nbformat.NotebookNode, target: Target, notebook: str) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with exactly one badge and one setup cell for ``target``.

    ``notebook`` is the path the badge opens, relative to the repository
    root. Old badges (in any markdown cell) and setup cells are replaced; a
    kept setup cell keeps its id and outputs. Raises ``ColabSettingError``
    when the first markdown cell does not start with a ``# `` title line.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = without_badges(cell.source)
    title_cell = next((cell for cell in nb.cells if cell.cell_type == "markdown"), None)
    if title_cell is None or not title_cell.source.startswith("# "):
        raise ColabSettingError(f"{notebook}: the first markdown cell must start with a '# ' title line.")
    title, *rest = title_cell.source.split("\n")
    title_cell.source = "\n".join([title, "", target.badge(notebook), *rest])

    graded = any("nbgrader" in cell.metadata for cell in nb.cells)
    old_setup = [cell for cell in nb.cells if is_setup_cell(cell)]
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    if len(old_setup) == 1 and code_cells[0] is old_setup[0]:
        setup = old_setup[0]  # already first among the code cells: it stays where it is
    else:
        setup = old_setup[0] if old_setup else new_code_cell(id=SETUP_CELL_ID)
        cells = [cell for cell in nb.cells if not is_setup_cell(cell)]
        first_code = next((i for i, cell in enumerate(cells) if cell.cell_type == "code"), len(cells))
        nb.cells = cells[:first_code] + [setup] + cells[first_code:]
    setup.source = target.setup_source()
    setup.metadata = setup_cell_metadata(graded)
    return nb


def problems(nb: nbformat.NotebookNode, target: Target | None, notebook: str) -> list[str]:
    """What in ``nb`` disagrees with the setting: ``[]`` when nothing does.

    With no ``target`` (no repository configured) any badge or setup cell
    is a problem: it would point nowhere.
    """
    badges = [line for cell in nb.cells if cell.cell_type == "markdown"
              for line in cell.source.split("\n") if is_badge(line)]
    setups = [cell for cell in nb.cells if is_setup_cell(cell)]
    if target is None:
        return (["has a Colab badge"] if badges else []) + (["has a Colab setup cell"] if setups else [])
    stamped = stamp(nb, target, notebook)
    if make_exercises.render(nb) == make_exercises.render(stamped):
        return []

    def markdown(n):
        return [cell.source for cell in n.cells if cell.cell_type == "markdown"]

    def code(n):
        return [(cell.source, cell.metadata) for cell in n.cells if cell.cell_type != "markdown"]

    found = []
    if markdown(nb) != markdown(stamped):
        found.append("badge out of date" if badges else "badge missing")
    if code(nb) != code(stamped):
        found.append("setup cell out of date or misplaced" if setups else "setup cell missing")
    return found or ["setup cell out of date"]  # e.g. a setup cell without an id


def course_notebooks(root: Path) -> list[Path]:
    """Every ``notebooks/*.ipynb``, then every ``solutions/*.ipynb`` under ``root``, sorted by name."""
    return [path for folder in NOTEBOOK_FOLDERS for path in sorted((root / folder).glob("*.ipynb"))]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if a badge or setup cell is missing or disagrees")
    mode.add_argument("--repository", metavar="URL",
                      help="set [project.urls] Repository in pyproject.toml to URL, then stamp")
    parser.add_argument("--branch", default=DEFAULT_BRANCH,
                        help="branch the badges open (default: main)")
    parser.add_argument("--ref", metavar="TAG_OR_COMMIT",
                        help="what the setup cell installs (default: the tag v<version> of pyproject.toml; "
                             "tag that commit before handing the notebooks out)")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, metavar="DIR",
                        help="repository root holding pyproject.toml, notebooks/, solutions/, exercises/")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Stamp (or with ``--check`` verify) the notebooks; return the exit code.

    ``argv`` defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    root = args.root.resolve()
    pyproject = root / "pyproject.toml"
    try:
        old_pyproject = pyproject.read_bytes().decode("utf-8")  # line endings kept as they are
        new_pyproject = (set_repository(old_pyproject, args.repository)
                         if args.repository else old_pyproject)
        repository, package, version = read_setting(new_pyproject)
        branch = parse_branch(args.branch)
        ref = parse_branch(args.ref) if args.ref else f"v{version}"
        target = Target(repository, branch, package, ref) if repository else None
        if target is None and not args.check:
            raise ColabSettingError(NO_REPOSITORY)
        notebooks = {}
        for path in course_notebooks(root):
            name = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            nb = nbformat.reads(text, as_version=4)
            notebooks[path] = (name, text, problems(nb, target, name) if args.check
                               else make_exercises.render(stamp(nb, target, name)))
    except ColabSettingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except tomllib.TOMLDecodeError as error:
        print(f"error: {pyproject} is not valid TOML ({error}).", file=sys.stderr)
        return 2

    if args.check:
        stale = [f"{name}: {', '.join(found)}" for name, _, found in notebooks.values() if found]
        if stale:
            fix = ("remove them, or configure the repository and run python scripts/colab.py"
                   if target is None else "run python scripts/colab.py")
            print(f"Colab badges / setup cells disagree with pyproject.toml; {fix}", file=sys.stderr)
            print("\n".join(stale), file=sys.stderr)
            return 1
        print(f"{len(notebooks)} notebook(s) agree with pyproject.toml"
              + (f" ({target.repository}, branch {target.branch}, installs {target.ref})" if target else " (no repository)"))
        return 0

    if new_pyproject != old_pyproject:
        pyproject.write_text(new_pyproject, encoding="utf-8", newline="")
        print(f"wrote {pyproject} (Repository = {repository})")
    for path, (name, text, new_text) in notebooks.items():
        if new_text != text:
            path.write_text(new_text, encoding="utf-8", newline="\n")
            print(f"wrote {name}")
    print(f"{len(notebooks)} notebook(s) stamped for {target.repository}, branch {target.branch}; the setup "
          f"cell installs {target.ref}: tag that commit (git tag {target.ref}) and push the tag")
    return make_exercises.main(["--solutions", str(root / "solutions"),
                                "--exercises", str(root / "exercises")])


if __name__ == "__main__":
    sys.exit(main())
