"""Tests for scripts/check_claims.py (every notebook once per seed, an ok/FAIL table, the failures)."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))
import check_claims  # noqa: E402

pytestmark = pytest.mark.slow   # runs notebooks or servers: skipped by -m "not slow"

SEED_CHECK = 'import os\nseed = int(os.environ["COURSE_SEED"])\nassert seed % 2 == 0, f"odd seed {seed}"'


def write_notebooks(folder: Path) -> tuple[Path, Path]:
    """A notebook whose assertion holds for even seeds only (in its second cell) and one that
    always passes."""
    seeded, steady = folder / "seeded.ipynb", folder / "steady.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell(SEED_CHECK)]), seeded)
    nbformat.write(new_notebook(cells=[new_code_cell("assert 1 + 1 == 2")]), steady)
    return seeded, steady


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / "check_claims.py"), *args],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def table(out: str) -> dict[str, list[str]]:
    """The plain-text table's rows, by notebook: the cells after the name."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("notebook "))
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        name, *cells = line.split()
        rows[name] = cells
    return rows


def test_a_seed_dependent_assertion_fails_on_its_seed_only(tmp_path):
    seeded, steady = write_notebooks(tmp_path)
    # An outer COURSE_SEED must not leak into the kernels: each run's seed replaces it.
    done = run_script("--seeds", "2", "3", "--markdown", str(seeded), str(steady), COURSE_SEED="3")

    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert table(out)[str(seeded)][:2] == ["ok", "FAIL"]
    assert table(out)[str(steady)][:2] == ["ok", "ok"]
    assert f"{seeded} seed 2: ok" in out and f"{seeded} seed 3: FAIL" in out   # the progress lines
    assert "| notebook | seed 2 | seed 3 | wall (s) |" in out
    assert f"| {seeded} | ok | FAIL |" in out

    report = out.split("failures:")[1]
    assert f"{seeded}, seed 3, cell 1:" in report
    assert 'assert seed % 2 == 0, f"odd seed {seed}"' in report
    assert "AssertionError: odd seed 3" in report
    assert "seed 2," not in report and str(steady) not in report
    assert "\x1b[" not in out   # no ANSI colour codes


def test_all_ok_exits_0(tmp_path):
    _, steady = write_notebooks(tmp_path)
    done = run_script("--seeds", "4", str(steady))

    assert done.returncode == 0, done.stdout + done.stderr
    assert table(done.stdout)[str(steady)][0] == "ok"
    assert "failures:" not in done.stdout and "1 of 1 runs ok" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["--seeds", "-1"], "invalid seed '-1'"),
    (["--seeds", "abc"], "invalid seed 'abc'"),
    (["--seeds", "1.5"], "invalid seed '1.5'"),
    (["--seeds"], "expected at least one argument"),
    ([], "the following arguments are required: --seeds"),
    (["--seeds", "1", "1"], "seed given more than once: 1"),
    (["--seeds", "1", "--timeout", "0"], "--timeout: must be a positive number"),
    (["--seeds", "1", "no_such.ipynb"], "no such notebook: no_such.ipynb"),
    (["no_such.ipynb", "--seeds", "1"], "no such notebook: no_such.ipynb"),
])
def test_bad_arguments_exit_2_with_a_message(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        check_claims.main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_arguments_exit_2_from_the_command_line():
    done = run_script("--seeds", "-1")
    assert done.returncode == 2 and "invalid seed '-1'" in done.stderr


def test_failing_line_finds_the_assert_in_a_helper_function():
    traceback = ("An error occurred while executing the following cell:\n------------------\n"
                 "check(-1)\n------------------\n\n"
                 "\x1b[31m---------------------------------------------------------------------------\x1b[39m\n"
                 "\x1b[31mAssertionError\x1b[39m   Traceback (most recent call last)\n"
                 "Cell In[2], line 1\n\x1b[32m----> \x1b[39m\x1b[32m1\x1b[39m check(-1)\n\n"
                 "Cell In[1], line 2, in check(v)\n      1 def check(v):\n"
                 "\x1b[32m----> \x1b[39m\x1b[32m2\x1b[39m     assert v > 0, 'negative'\n\n"
                 "\x1b[31mAssertionError\x1b[39m: negative\n")
    assert check_claims.failing_line(traceback, "AssertionError") == "assert v > 0, 'negative'"
    assert check_claims.failing_line(traceback, "ValueError") == "assert v > 0, 'negative'"
    assert check_claims.failing_line("", "AssertionError", "x = 1\nassert x == 2") == "assert x == 2"
    assert check_claims.one_line_message("AssertionError", "") == "AssertionError"
    assert check_claims.one_line_message("ValueError", "bad\nmore") == "ValueError: bad"
