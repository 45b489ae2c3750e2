"""scripts/measure_claims.py: the table of lesson 3's sweep counts what it says it counts."""
import sys

from support import SCRIPTS

sys.path.insert(0, str(SCRIPTS))
import measure_claims  # noqa: E402


def test_sweep_table_counts_best_control_and_frozen():
    rows = [{"frozen": 0.15, "control": 0.10, "val_loss/1": 0.30, "val_loss/10": 0.05, "source/1": 0.05, "source/10": 0.80},
            {"frozen": 0.12, "control": 0.07, "val_loss/1": 0.06, "val_loss/10": 0.08, "source/1": 0.10, "source/10": 0.90}]
    lines = measure_claims.sweep_table(rows, [1, 10])
    by_rate = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]] for line in lines[2:4]}
    assert by_rate["head's / 1"][1:4] == ["1/2", "1/2", "1/2"]     # best on seed 2 only; below control and frozen there
    assert by_rate["head's / 10"][1:4] == ["1/2", "1/2", "2/2"]
    assert by_rate["head's / 10"][4] == "0.85 (0.80-0.90)"
    assert lines[-1].startswith("| control") and "0.085" in lines[-1]


def test_scratch_grid_table_counts_best_settings():
    rows = [{"frozen": 0.90, "scratch 0.001 x 30": 0.50, "scratch 0.003 x 30": 0.80},
            {"frozen": 0.92, "scratch 0.001 x 30": 0.70, "scratch 0.003 x 30": 0.70}]
    lines = measure_claims.scratch_grid_table(rows)
    assert lines[-1].endswith("chosen (the highest mean validation accuracy): scratch 0.003 x 30")
    by_setting = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]] for line in lines[2:-1]}
    assert by_setting["scratch 0.001 x 30"] == ["0.600 +- 0.141", "1/2"]   # a tie counts for both
    assert by_setting["scratch 0.003 x 30"] == ["0.750 +- 0.071", "2/2"]
    assert by_setting["frozen base + head"][0] == "0.910 +- 0.014"


def test_measure_seed_refuses_an_unknown_split():
    import pytest

    with pytest.raises(ValueError, match="split"):
        measure_claims.measure_seed(0, 3, 1, 1, 1e-2, [], 1, 1e-3, split="train")
