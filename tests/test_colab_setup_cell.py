"""The Colab setup cell, run for real but offline: a stand-in ``google.colab`` module, the course
package served from a local git repository (``git+file://``) at its version's tag, installed into
a fresh virtual environment that sees the packages Colab preinstalls (TensorFlow, Keras, ...,
here this test run's own), and then lesson 1's first code cells importing it and loading the
shipped base. Off Colab the same cell installs nothing."""
import json
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from support import ROOT, SCRIPTS

sys.path.insert(0, str(SCRIPTS))
import colab  # noqa: E402

pytestmark = pytest.mark.slow   # a git repository, a venv and a pip install: skipped by -m "not slow"


@pytest.fixture(scope="module")
def colab_machine(tmp_path_factory):
    """(python of a fresh venv that sees this run's packages, the setup cell, the tag it installs)."""
    work = tmp_path_factory.mktemp("colab")
    repo = work / "course"
    shutil.copytree(ROOT / "finetune_course", repo / "finetune_course", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    version = tomllib.loads((repo / "pyproject.toml").read_text())["project"]["version"]
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "the course"], ["tag", f"v{version}"]):
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True)
    # pip reads a file URL with a host ("file://localhost/...") where pip 23 refuses "file:///...@tag".
    target = colab.Target(f"file://localhost{repo}", "main", "finetune-course", f"v{version}")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True, capture_output=True)
    python = work / "venv" / "bin" / "python"
    fresh_site = subprocess.run([python, "-c", "import site; print(site.getsitepackages()[0])"],
                                check=True, capture_output=True, text=True).stdout.strip()
    # Colab's preinstalled packages: this test run's own site-packages, after the venv's.
    Path(fresh_site, "preinstalled.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    stub = work / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    # No google/__init__.py: "google" stays a namespace package, as on Colab, so google.protobuf
    # (TensorFlow's) is still found beside the stand-in google.colab.
    (stub / "__init__.py").write_text('"""A stand-in for Colab\'s google.colab module."""\n')
    return python, Path(fresh_site), work, target


def run_cells(python, work, cells, on_colab):
    script = work / ("on_colab.ipy" if on_colab else "off_colab.ipy")
    preamble = [f"import sys\nsys.path.insert(0, {str(work / 'stub')!r})\nimport google.colab\n"] if on_colab else []
    script.write_text("\n".join(preamble + cells) + "\n")
    return subprocess.run([python, "-m", "IPython", "--quick", "--no-banner", str(script)], cwd=work,
                          capture_output=True, text=True, timeout=900)


def first_code_cells(notebook, count):
    cells = json.loads((ROOT / notebook).read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"
            and "colab-setup" not in c.get("metadata", {}).get("tags", [])]
    return code[:count]


def test_off_colab_the_setup_cell_installs_nothing(colab_machine):
    python, fresh_site, work, target = colab_machine
    done = run_cells(python, work, [target.setup_source()], on_colab=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert not list(fresh_site.glob("finetune_course*"))


def test_on_colab_the_setup_cell_installs_the_tagged_course_and_lesson_1_runs(colab_machine):
    python, fresh_site, work, target = colab_machine
    outer = sorted(p.name for p in Path(site.getsitepackages()[0]).glob("finetune_course*"))
    check = ("import finetune_course\n"
             f"assert finetune_course.__file__.startswith({str(fresh_site)!r}), finetune_course.__file__\n"
             "print('base layers:', len(fc.load_pretrained_base().layers))")
    done = run_cells(python, work, [target.setup_source(), *first_code_cells("notebooks/01_frozen_feature_extraction.ipynb", 1), check],
                     on_colab=True)
    assert done.returncode == 0 and "base layers: 22" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    recorded = json.loads(next(fresh_site.glob("finetune_course-*.dist-info")).joinpath("direct_url.json").read_text())
    assert recorded["vcs_info"]["requested_revision"] == target.ref
    assert sorted(p.name for p in Path(site.getsitepackages()[0]).glob("finetune_course*")) == outer   # untouched
