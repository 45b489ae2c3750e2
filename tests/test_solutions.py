"""The solutions (solutions/), read without a kernel: every exercise makes the learner write the
lesson's Keras, so no course helper sits inside any ``### BEGIN SOLUTION`` region (set-up cells may
use helpers to reach the starting point), and the exercises that teach a training recipe have
their `compile(` and `.fit(` there. (nbval runs the solutions; tests/test_exercises.py
judges right answers with nbgrader's Validator.)"""
import re

import nbformat
import pytest

from support import ROOT

REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HELPERS = re.compile(r"(?<![\w.])(fc|finetune_course|recipes|checks|diagnostics|discriminative|lr_finder|project|quiz|plots|"
                     r"schedules|interruptions|capstone|images|trainability)\.")
TRAINING_RECIPES = ["01_frozen_feature_extraction", "02_recompile_gotcha", "03_fine_tuning_lower_lr", "04_selective_unfreezing",
                    "07_monitoring_early_stopping", "11_project_whole_recipe"]
SOLUTIONS = sorted(path.stem for path in (ROOT / "solutions").glob("*.ipynb"))


def regions(name):
    nb = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    return [region for cell in nb.cells for region in REGION.findall(cell.source)]


@pytest.mark.parametrize("name", SOLUTIONS)
def test_no_course_helper_inside_a_solution_region(name):
    found = regions(name)
    assert found, f"{name} has no solution region"
    calls = [match.group(0) for region in found for match in HELPERS.finditer(region)]
    assert not calls, f"{name}: course helpers inside the solution regions: {calls}"


@pytest.mark.parametrize("name", TRAINING_RECIPES)
def test_recipe_exercises_have_the_learner_compile_and_fit(name):
    code = "\n".join(regions(name))
    assert "compile(" in code and ".fit(" in code, f"{name}: the learner should write compile(...) and fit(...)"
