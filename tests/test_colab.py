"""Tests for scripts/colab.py (Open-in-Colab badges and the Colab-only setup cell), on copies of the course."""

import importlib.util
import shutil
import sys
import types

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from support import ROOT

pytest.importorskip("tomllib", reason="scripts/colab.py reads pyproject.toml with tomllib (Python 3.11+)")

SCRIPT = ROOT / "scripts" / "colab.py"
_spec = importlib.util.spec_from_file_location("colab", SCRIPT)
colab = importlib.util.module_from_spec(_spec)
sys.modules["colab"] = colab  # dataclasses look their module up there
_spec.loader.exec_module(colab)

# Two lessons (lesson 0's first code cell comes after a markdown cell), an exercise and the quiz.
COPIED = ["notebooks/00_setup_and_tasks.ipynb", "notebooks/01_frozen_feature_extraction.ipynb",
          "solutions/01_frozen_feature_extraction.ipynb", "solutions/10_review_quiz.ipynb"]
SOLUTIONS = [name for name in COPIED if name.startswith("solutions/")]
URL = "https://github.com/course-owner/finetune-course"
PIP_LINE = 'install -q "finetune-course @ git+https://github.com/course-owner/finetune-course@v0.1.0"'


@pytest.fixture
def course(tmp_path):
    """A repository root in ``tmp_path`` with the real pyproject.toml and a few real notebooks."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name in COPIED:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def run(root, *args):
    """``colab.main`` on the course at ``root``; its exit code."""
    return colab.main([*args, "--root", str(root)])


def snapshot(root):
    """Every file under ``root`` with its bytes."""
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def badges(nb):
    return [line for cell in nb.cells if cell.cell_type == "markdown"
            for line in cell.source.split("\n") if line.startswith("[![Open In Colab]")]


def setup_cells(nb):
    return [cell for cell in nb.cells if "colab-setup" in cell.metadata.get("tags", [])]


def read(root, name):
    return nbformat.read(root / name, as_version=4)


def run_setup_cell(source, monkeypatch, on_colab):
    """Execute ``source`` as IPython would; the ``run_line_magic`` calls it made."""
    calls = []
    shell = types.SimpleNamespace(run_line_magic=lambda magic, line: calls.append((magic, line)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    code = compile(TransformerManager().transform_cell(source), "<colab-setup>", "exec")
    exec(code, {"get_ipython": lambda: shell})
    return calls


def test_stamping_gives_one_badge_to_itself_and_one_setup_cell_first(course):
    assert run(course, "--repository", URL) == 0
    for name in COPIED:
        nb = read(course, name)
        [badge] = badges(nb)
        assert badge.endswith(f"/course-owner/finetune-course/blob/main/{name})"), badge
        assert nb.cells[0].source.split("\n")[:3] == [nb.cells[0].source.split("\n")[0], "", badge]
        [setup] = setup_cells(nb)
        assert [cell for cell in nb.cells if cell.cell_type == "code"][0] is setup
        assert not setup.outputs and setup.execution_count is None
    for name in SOLUTIONS:  # locked and read-only for nbgrader, with a grade_id of its own
        nb = read(course, name)
        meta = setup_cells(nb)[0].metadata.nbgrader
        assert meta == {"grade": False, "grade_id": "colab_setup", "locked": True,
                        "schema_version": 3, "solution": False, "task": False}
        grade_ids = [cell.metadata.nbgrader.grade_id for cell in nb.cells if "nbgrader" in cell.metadata]
        assert len(grade_ids) == len(set(grade_ids))
    assert "nbgrader" not in setup_cells(read(course, COPIED[0]))[0].metadata


def test_stamping_twice_changes_no_byte(course):
    assert run(course, "--repository", URL) == 0
    before = snapshot(course)
    assert run(course) == 0
    assert run(course, "--repository", URL + ".git") == 0
    assert snapshot(course) == before


def test_a_new_repository_or_branch_replaces_badge_and_setup_cell(course):
    assert run(course, "--repository", URL) == 0
    assert run(course, "--repository", "https://github.com/new-owner/renamed", "--branch", "v2") == 0
    assert (course / "pyproject.toml").read_text().count("Repository = ") == 1
    for name in COPIED:
        text = (course / name).read_text()
        assert "course-owner" not in text
        nb = read(course, name)
        [badge] = badges(nb)
        assert badge.endswith(f"/github/new-owner/renamed/blob/v2/{name})")
        [setup] = setup_cells(nb)
        assert 'git+https://github.com/new-owner/renamed@v0.1.0"' in setup.source   # the version's tag
    assert run(course, "--ref", "1a2b3c4") == 0   # or a commit
    assert 'git+https://github.com/new-owner/renamed@1a2b3c4"' in setup_cells(read(course, COPIED[0]))[0].source
    assert run(course, "--check", "--ref", "1a2b3c4") == 0 and run(course, "--check") == 1


def test_a_moved_or_duplicated_setup_cell_is_put_back_once(course):
    assert run(course, "--repository", URL) == 0
    name = COPIED[1]
    nb = read(course, name)
    nb.cells.append(nbformat.from_dict({**setup_cells(nb)[0], "id": "copy"}))
    nb.cells.insert(3, nb.cells.pop(1))  # the setup cell is no longer first among the code cells
    nbformat.write(nb, course / name)
    assert run(course, "--check") == 1
    assert run(course) == 0
    nb = read(course, name)
    [setup] = setup_cells(nb)
    assert [cell for cell in nb.cells if cell.cell_type == "code"][0] is setup


def test_setup_cell_does_nothing_off_colab(course, monkeypatch):
    assert run(course, "--repository", URL) == 0
    source = setup_cells(read(course, COPIED[1]))[0].source
    assert run_setup_cell(source, monkeypatch, on_colab=False) == []


def test_setup_cell_installs_the_package_from_github_on_colab(course, monkeypatch):
    assert run(course, "--repository", URL) == 0
    source = setup_cells(read(course, COPIED[1]))[0].source
    assert run_setup_cell(source, monkeypatch, on_colab=True) == [("pip", PIP_LINE)]


def test_no_repository_exits_2_with_one_sentence(course, capsys):
    before = snapshot(course)
    assert run(course) == 2
    assert capsys.readouterr().err == (
        'error: No course repository configured: add [project.urls] Repository = '
        '"https://github.com/OWNER/NAME" to pyproject.toml, or pass --repository.\n'
    )
    assert snapshot(course) == before


@pytest.mark.parametrize("url", ["http://github.com/a/b", "https://gitlab.com/a/b", "https://github.com/a",
                                 "https://github.com/a/b/tree/main", "github.com/a/b", "https://github.com/-a/b"])
def test_a_bad_repository_is_refused_and_nothing_written(course, capsys, url):
    before = snapshot(course)
    assert run(course, "--repository", url) == 2
    assert capsys.readouterr().err == (
        f"error: Invalid course repository {url!r}: expected a GitHub repository's web address, "
        "https://github.com/OWNER/NAME.\n"
    )
    assert snapshot(course) == before


def test_a_bad_repository_in_pyproject_is_refused(course, capsys):
    pyproject = course / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[project.urls]\nRepository = "https://example.org/x"\n')
    assert run(course, "--check") == 2
    assert "Invalid course repository 'https://example.org/x'" in capsys.readouterr().err


@pytest.mark.parametrize("url, canonical", [
    ("https://github.com/a-b/c.d.git", "https://github.com/a-b/c.d"),
    ("https://github.com/Owner/Name/", "https://github.com/Owner/Name"),
    (" https://github.com/o/n_1 ", "https://github.com/o/n_1"),
])
def test_repository_urls_are_normalised(url, canonical):
    assert colab.parse_repository(url) == canonical


def test_setting_the_repository_keeps_every_other_byte():
    text = (ROOT / "pyproject.toml").read_text()
    text = text.split("\n[project.urls]\n")[0] + "\n" if "[project.urls]" in text else text
    added = colab.set_repository(text, URL)
    assert added.replace(f'[project.urls]\nRepository = "{URL}"\n\n', "", 1) == text
    replaced = colab.set_repository(added, "https://github.com/x/y")
    assert replaced == added.replace(URL, "https://github.com/x/y")
    other = '[project]\nname = "p"\n\n[project.urls]\nHomepage = "https://h"  # kept\n'
    assert colab.set_repository(other, URL) == other.replace(
        "[project.urls]\n", f'[project.urls]\nRepository = "{URL}"\n')
    with pytest.raises(colab.ColabSettingError, match="inline table"):
        colab.set_repository('[project]\nname = "p"\nurls = {Homepage = "https://h"}\n', URL)


def test_check_names_unstamped_notebooks_when_a_repository_is_configured(course, capsys):
    pyproject = course / "pyproject.toml"
    pyproject.write_text(colab.set_repository(pyproject.read_text(), URL))
    before = snapshot(course)
    assert run(course, "--check") == 1
    err = capsys.readouterr().err
    for name in COPIED:
        assert f"{name}: badge missing, setup cell missing" in err
    assert snapshot(course) == before
    assert run(course) == 0
    assert run(course, "--check") == 0
    assert run(course, "--check", "--branch", "dev") == 1


def test_check_fails_on_badges_that_point_nowhere(course, capsys):
    assert run(course, "--repository", URL) == 0
    pyproject = course / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'Repository = "{URL}"\n', ""))
    capsys.readouterr()
    assert run(course, "--check") == 1
    err = capsys.readouterr().err
    for name in COPIED:
        assert f"{name}: has a Colab badge, has a Colab setup cell" in err


def test_check_agrees_with_the_real_repository():
    assert colab.main(["--check"]) == 0, "run `python scripts/colab.py` (or remove the badges)"


def test_a_notebook_without_a_title_is_refused(course, capsys):
    name = COPIED[1]
    nb = read(course, name)
    nb.cells[0].source = nb.cells[0].source.removeprefix("# ")
    nbformat.write(nb, course / name)
    assert run(course, "--repository", URL) == 2
    assert f"{name}: the first markdown cell must start with a '# ' title line." in capsys.readouterr().err


def test_the_exercise_keeps_the_setup_cell(course):
    assert run(course, "--repository", URL) == 0
    for name in SOLUTIONS:
        exercise = read(course, name.replace("solutions/", "exercises/"))
        [setup] = setup_cells(exercise)
        assert setup is [cell for cell in exercise.cells if cell.cell_type == "code"][0]
        assert setup.source == setup_cells(read(course, name))[0].source
        assert setup.metadata.nbgrader.locked
    assert colab.make_exercises.main(["--check", "--solutions", str(course / "solutions"),
                                      "--exercises", str(course / "exercises")]) == 0


def test_the_exercise_badge_opens_the_exercise(course):
    assert run(course, "--repository", URL) == 0
    for name in SOLUTIONS:
        exercise_name = name.replace("solutions/", "exercises/")
        [badge] = badges(read(course, exercise_name))
        assert badge.endswith(f"/blob/main/{exercise_name})"), badge


def test_the_package_colab_installs_carries_the_data_and_the_base(tmp_path):
    """The setup cell pip-installs the package alone (from git): it must bring every file the
    lessons load, so build its wheel from a copy of the package and look inside."""
    import subprocess
    import zipfile

    source = tmp_path / "source"
    shutil.copytree(ROOT / "finetune_course", source / "finetune_course",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", source / "pyproject.toml")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            str(source), "-w", str(tmp_path / "wheel")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "wheel").glob("finetune_course-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    assets = {f"finetune_course/assets/{p.name}" for p in (ROOT / "finetune_course" / "assets").iterdir()}
    modules = {f"finetune_course/{p.name}" for p in (ROOT / "finetune_course").glob("*.py")}
    assert assets and assets <= inside, assets - inside
    assert modules <= inside, modules - inside
