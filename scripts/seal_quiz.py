"""Seal the review quiz's key into finetune_course/grading/quiz.py and write its question cells.

The questions' text and choices live in ``quiz.QUESTIONS`` (finetune_course/grading/quiz.py); the right
letters and the explanations in the clear live in tests/quiz_key.py, outside the package. This
script rewrites each question's ``answer_digest`` and ``sealed_why`` in quiz.py from the key, and
rewrites the question cells of solutions/10_review_quiz.ipynb (a heading, ``quiz.show``, the
answer cell, the graded ``quiz.check``) in the order of ``quiz.QUESTIONS``, keeping the cells
before the first question and after the last. Then run ``python scripts/refresh_outputs.py
solutions/10_review_quiz.ipynb`` and ``python scripts/make_exercises.py``.

``--check`` changes nothing and exits 1 when quiz.py or the notebook is out of date.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
QUIZ_PY = ROOT / "finetune_course" / "grading" / "quiz.py"
NOTEBOOK = ROOT / "solutions" / "10_review_quiz.ipynb"
START, END = "QUESTIONS: dict[str, Question] = {", "\n}\n"


def _key():
    sys.path.insert(0, str(ROOT / "tests"))
    import quiz_key
    return importlib.reload(quiz_key)


def render_questions(quiz, key) -> str:
    lines = [START]
    for qid, question in quiz.QUESTIONS.items():
        digest, sealed = quiz.seal(qid, key.ANSWERS[qid], key.WHY[qid])
        lines += [f"    {qid!r}: Question(", f"        {question.text!r},"]
        items = list(question.choices.items())
        for i, (letter, choice) in enumerate(items):
            lines.append(("        {" if i == 0 else "         ") + f"{letter!r}: {choice!r}"
                         + ("}," if i == len(items) - 1 else ","))
        lines.append(f"        {digest!r},")
        chunks = [sealed[i:i + 96] for i in range(0, len(sealed), 96)] or [""]
        lines.append("        (" + "\n         ".join(repr(c) for c in chunks) + "),")
        lines.append(f"        lesson={question.lesson!r}),")
    return "\n".join(lines)


def sealed_source(quiz, key) -> str:
    text = QUIZ_PY.read_text()
    start = text.index(START)
    end = text.index(END, start)
    return text[:start] + render_questions(quiz, key) + text[end:]


def _is_question_cell(cell) -> bool:
    source = cell.source
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    return (source.startswith("## Question") or source.startswith("quiz.show(")
            or grade_id.startswith(("answer_", "check_")))


def question_cells(quiz, key) -> list:
    cells = []
    for number, (qid, question) in enumerate(quiz.QUESTIONS.items(), start=1):
        lesson = f" (lesson {question.lesson})" if question.lesson else ""
        heading = nbformat.v4.new_markdown_cell(f"## Question {number}{lesson}")
        show = nbformat.v4.new_code_cell(f'quiz.show("{qid}")', metadata={"tags": ["nbval-check-output"]})
        answer = nbformat.v4.new_code_cell(
            f'answer_{qid} = None\n### BEGIN SOLUTION\nanswer_{qid} = "{key.ANSWERS[qid]}"\n### END SOLUTION',
            metadata={"nbgrader": {"grade": False, "grade_id": f"answer_{qid}", "locked": False,
                                   "schema_version": 3, "solution": True, "task": False}})
        check = nbformat.v4.new_code_cell(
            f'quiz.check("{qid}", answer_{qid})',
            metadata={"nbgrader": {"grade": True, "grade_id": f"check_{qid}", "locked": True, "points": 1,
                                   "schema_version": 3, "solution": False, "task": False}})
        for suffix, cell in zip(("h", "show", "answer", "check"), (heading, show, answer, check)):
            cell.id = f"{qid.replace('_', '-')}-{suffix}"[:64]
        cells += [heading, show, answer, check]
    return cells


def rebuilt_notebook(quiz, key) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    flags = [_is_question_cell(c) for c in nb.cells]
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    old = {c.get("id"): c for c in nb.cells[first:last + 1]}
    new = question_cells(quiz, key)
    for cell in new:   # keep the stored outputs of a cell whose source did not change
        previous = old.get(cell.id)
        if previous is not None and previous.source == cell.source and cell.cell_type == "code":
            cell.outputs, cell.execution_count = previous.outputs, previous.execution_count
    nb.cells = nb.cells[:first] + new + nb.cells[last + 1:]
    return nb


def _signature(nb) -> list:
    return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader"), c.get("metadata", {}).get("tags"))
            for c in nb.cells]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of date")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from finetune_course.grading import quiz
    key = _key()
    missing = set(quiz.QUESTIONS) ^ set(key.ANSWERS) | set(quiz.QUESTIONS) ^ set(key.WHY)
    if missing:
        print(f"quiz.QUESTIONS and tests/quiz_key.py disagree on: {', '.join(sorted(missing))}")
        return 1
    source = sealed_source(quiz, key)
    nb = rebuilt_notebook(quiz, key)
    stale = []
    if source != QUIZ_PY.read_text():
        stale.append(str(QUIZ_PY.relative_to(ROOT)))
    if _signature(nb) != _signature(nbformat.read(NOTEBOOK, as_version=4)):
        stale.append(str(NOTEBOOK.relative_to(ROOT)))
    if args.check:
        if stale:
            print(f"out of date: {', '.join(stale)}: run `python scripts/seal_quiz.py`")
        return 1 if stale else 0
    QUIZ_PY.write_text(source)
    nbformat.write(nb, NOTEBOOK)
    print(f"wrote {', '.join(stale) or 'nothing (up to date)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
