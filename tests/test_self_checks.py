"""Every lesson ends with self-check questions and, collapsed below them, one answer per question."""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


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
