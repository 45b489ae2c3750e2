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
