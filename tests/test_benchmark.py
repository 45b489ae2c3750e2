"""Tests for scripts/benchmark.py (per-notebook timings, peak memory and the CPU probe)."""

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import benchmark  # noqa: E402


def test_cpu_probe_times_the_fixed_loop():
    assert 1 < benchmark.cpu_probe_ms(repeats=1) < 60_000


@pytest.mark.parametrize("repeats", [0, -1, 1.5, "3", True])
def test_cpu_probe_rejects_a_bad_repeat_count(repeats):
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        benchmark.cpu_probe_ms(repeats)


def test_benchmark_reports_each_notebook_and_exits_1_on_a_failure(tmp_path, capsys):
    sleeper, broken = tmp_path / "sleeper.ipynb", tmp_path / "broken.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("import time\ntime.sleep(0.5)")]),
                   sleeper)
    nbformat.write(new_notebook(cells=[new_code_cell("raise ValueError('on purpose')")]), broken)

    assert benchmark.main([str(sleeper), str(broken)]) == 1

    out, err = capsys.readouterr()
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    wall, slowest, cell, index, peak, probe = rows[str(sleeper)]   # the slowest cell reads "0.5 (cell 1)"
    assert float(wall) >= float(slowest) >= 0.5 and (cell, index) == ("(cell", "1)")
    assert float(peak) > 0 and float(probe) > 0
    assert rows[str(broken)] == ["FAILED"]
    assert "broken.ipynb: cell 0 failed (ValueError: on purpose)" in err
