"""Static checks on lessons 5 and 6 (no kernel): what nbval compares must not depend on the Keras
or TensorFlow version, the code a learner copies uses no private attribute, and lesson 6's stored
outputs show a real `nan` (the lesson's title), not only `inf`."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ["notebooks/05_learning_rate_schedules.ipynb", "notebooks/06_nan_at_high_learning_rate.ipynb"]
# Text that only a particular Keras/TensorFlow version prints: an exception's message after its type
# name ("TypeError: ..."), TensorFlow's module paths, Keras' own callback messages.
VERSION_SPECIFIC = re.compile(r"\b\w+Error: \S|tensorflow\.python|EagerTensor|Invalid loss, terminating")


def cells(path):
    return json.loads((ROOT / path).read_text())["cells"]


def text_of(cell):
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append("".join(output["text"]))
        elif "text/plain" in output.get("data", {}):
            parts.append("".join(output["data"]["text/plain"]))
    return "".join(parts)


@pytest.mark.parametrize("path", LESSONS)
def test_checked_outputs_are_not_version_specific(path):
    checked = [c for c in cells(path) if "nbval-check-output" in c.get("metadata", {}).get("tags", [])]
    assert checked, "expected some nbval-check-output cells"
    for cell in checked:
        assert not VERSION_SPECIFIC.search(text_of(cell)), (cell["id"], text_of(cell))


@pytest.mark.parametrize("path", LESSONS)
def test_no_private_attributes_in_code(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            assert not re.search(r"\._[A-Za-z]", source) and "keras.src" not in source, (cell["id"], source)


def test_lesson_6_stores_a_nan():
    outputs = " ".join(text_of(c) for c in cells(LESSONS[1]) if c["cell_type"] == "code")
    assert re.search(r"\bnan\b", outputs) and re.search(r"\binf\b", outputs)
