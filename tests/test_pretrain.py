"""Tests of scripts/pretrain_base.py (how the shipped base was made)."""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import finetune_course as fc
from finetune_course import data, model

from support import ROOT, ASSETS


def _asset_state():
    return {path.name: (path.stat().st_mtime_ns, path.read_bytes()) for path in ASSETS.iterdir()}


@pytest.mark.slow
def test_pretrain_script_quick_run_writes_only_to_out(tmp_path):
    shipped = _asset_state()
    out = tmp_path / "base.keras"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pretrain_base.py"), "--quick",
                             "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.exists() and out.with_suffix(".json").exists()
    assert '"images": 600' in out.with_suffix(".json").read_text()
    loaded = fc.load_source_model(out)
    assert fc.get_base(loaded).output_shape == (None, 64)
    assert loaded.output_shape == (None, len(fc.SOURCE_CLASSES))
    assert _asset_state() == shipped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "base.keras"]


@pytest.mark.slow
def test_pretrain_script_full_run_keeps_shipped_assets(tmp_path, monkeypatch):
    """A full run with --out elsewhere writes its evaluation set next to --out, not into the
    shipped assets. Training is stubbed out: this checks where the script writes."""
    spec = importlib.util.spec_from_file_location("pretrain_base", ROOT / "scripts" / "pretrain_base.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    from finetune_course.internals import pretrain

    calls = []

    def fake_pretrain(n_images, epochs, seed, verbose):
        calls.append((n_images, epochs, seed))
        evaluation = data.Split(np.zeros((4, 16, 16, 1), np.float32), np.arange(4))
        return model.build_source_model(), evaluation, {"images": n_images, "epochs": epochs}

    monkeypatch.setattr(pretrain, "pretrain_source_model", fake_pretrain)
    shipped = _asset_state()
    out = tmp_path / "full" / "base.keras"
    assert script.main(["--out", str(out), "--images", "123", "--epochs", "2"]) == 0
    assert calls == [(123, 2, 0)]
    assert _asset_state() == shipped
    assert sorted(p.name for p in out.parent.iterdir()) == ["base.json", "base.keras", "source_eval.npz"]
    with np.load(out.parent / "source_eval.npz") as stored:
        assert stored["x"].shape == (4, 16, 16, 1)
