"""Static checks on the lessons (notebooks/, no kernel): every lesson ends with self-check questions
and their answers; in lessons 5 and 6 what nbval compares does not depend on the Keras or
TensorFlow version, and lesson 6's stored outputs show a real `nan` (the lesson's title), not only
`inf`. (That no lesson reads a private attribute is ruff's job: tests/test_compat.py.)"""
import json
import re

import nbformat
import pytest

from support import ROOT

LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VERSION_CHECKED = ["notebooks/05_learning_rate_schedules.ipynb", "notebooks/06_nan_at_high_learning_rate.ipynb"]
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


@pytest.mark.parametrize("path", VERSION_CHECKED)
def test_checked_outputs_are_not_version_specific(path):
    checked = [c for c in cells(path) if "nbval-check-output" in c.get("metadata", {}).get("tags", [])]
    assert checked, "expected some nbval-check-output cells"
    for cell in checked:
        assert not VERSION_SPECIFIC.search(text_of(cell)), (cell["id"], text_of(cell))


def test_lesson_6_stores_a_nan():
    outputs = " ".join(text_of(c) for c in cells(VERSION_CHECKED[1]) if c["cell_type"] == "code")
    assert re.search(r"\bnan\b", outputs) and re.search(r"\binf\b", outputs)


def _numbered(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_self_check_question_has_an_answer(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert "## Self-check" in text, f"{path.name} has no self-check questions"
    after = text.split("## Self-check", 1)[1]
    questions, _, rest = after.partition("<details><summary>Answers</summary>")
    assert rest, f"{path.name}: its self-check has no collapsed <details><summary>Answers</summary> block"
    answers = rest.split("</details>", 1)[0]
    asked = _numbered(questions)
    assert asked and asked == list(range(1, len(asked) + 1)), (path.name, asked)
    assert _numbered(answers) == asked, f"{path.name}: questions {asked}, answers {_numbered(answers)}"
