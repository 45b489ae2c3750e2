"""Exercises: generated from the solutions, and their checks judge answers as a teacher would.

nbval runs the solutions as they are. Here we execute each exercise as a learner receives it, and
each solution with a plausible wrong answer swapped in and with a right answer written another
way, and assert what the graded check cells say. Real nbgrader judges two of these runs too: its
``Validator`` (what ``nbgrader validate`` runs) reads the notebook this test has just executed,
instead of executing it a second time. The untouched exercise must fail every check (``nbgrader
validate --invert``); a right answer must pass them all (``nbgrader validate``).

All runs of one exercise share a kernel, as a learner who edits a cell and presses "Run all"
again does: every cell runs again from the top, but TensorFlow is imported once per exercise,
not once per run (that import is most of a run's time).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.validator import Validator

from support import ROOT, SCRIPTS

sys.path.insert(0, str(SCRIPTS))
import make_exercises  # noqa: E402
import refresh_outputs  # noqa: E402

pytestmark = pytest.mark.slow   # runs notebooks or servers: skipped by -m "not slow"

# For each exercise: (text in the solution cell, what a plausible wrong answer puts there instead,
# a phrase the check's message must contain).
WRONG_ANSWERS = {
    "06b_finding_the_learning_rate.ipynb": [
        ('chosen_lr = range_test.suggestion()["min_over_10"]', "chosen_lr = range_test.rates[-1]", "too close to where the loss blew up"),
        ('chosen_lr = range_test.suggestion()["min_over_10"]', "chosen_lr = 1e-5", "too slow"),
        ("base.trainable = False\n", "", "only the head should be trainable"),
        ("keras.optimizers.SGD(learning_rate=1e-3, momentum=0.9)", "keras.optimizers.Adam(1e-3)", "momentum 0.9"),
    ],
    "11_project_whole_recipe.ipynb": [
        ("    if isinstance(layer, keras.layers.BatchNormalization):\n        layer.trainable = False\n",
         "    pass\n", "BatchNormalization layers changed"),
        ('model.compile(optimizer=keras.optimizers.Adam(1e-3),\n'
         '              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])\n',
         "", "call model.compile(...) again"),
        ("base.layers[:-7]", "base.layers[:-14]", "unfreeze only the top layers"),
        ("initial_epoch=10, epochs=40", "epochs=30", "initial_epoch"),
        ("patience=3, restore_best_weights=True", "patience=3", "put the best epoch's weights back"),
        ('monitor="val_loss", patience=3', 'monitor="loss", patience=3', "watch the validation loss"),
        ("keras.layers.Dense(10)]", 'keras.layers.Dense(10, activation="softmax")]', "from_logits must match"),
        ('test_accuracy = model.evaluate(test, return_dict=True, verbose=0)["accuracy"]', "test_accuracy = 0.95",
         "set it from model.evaluate"),
        ("(x / 255.0, y)", "(x, y)", "divide the images by 255"),
        # phase 2 at the head's rate: the lesson the whole course teaches
        ("model.compile(optimizer=keras.optimizers.Adam(1e-3),", "model.compile(optimizer=keras.optimizers.Adam(1e-2),",
         "Fine-tune about 10x lower than the head's rate"),
        # phase 1 cut to one epoch while phase 2 still numbers on from 10
        ("epochs=10, shuffle=False", "epochs=1, shuffle=False", "but phase 1 ran 1 epoch(s)"),
        # early stopping that watched the test folder
        ("history = model.fit(train, validation_data=val,", "history = model.fit(train, validation_data=test,",
         "`val_loss` is the loss on the test folder"),
        # scaled twice: in the pipeline and by a Rescaling layer in the model
        ("model = keras.Sequential([base, keras.layers.Dense(10)])",
         "model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Rescaling(1 / 255), base, keras.layers.Dense(10)])",
         "divided by 255 more than once"),
    ],
    "07_monitoring_early_stopping.ipynb": [
        (", restore_best_weights=True", "", "see its `restore_best_weights` argument"),
        ('monitor="val_loss"', 'monitor="loss"', 'use monitor="val_loss"'),
        ("initial_epoch=initial_epoch,\n                    epochs=initial_epoch + 30",
         "\n                    epochs=30", "continue its count by passing `initial_epoch`"),
        ("epochs=initial_epoch + 30", "epochs=30", "`epochs` is the epoch to stop at"),
        ('model.compile(optimizer=keras.optimizers.Adam(1e-3),   # recompile: trainable changed\n'
         '              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])\n',
         "", "did not compile the model again"),
        ("base.trainable = True\n", "", "The base is still frozen"),
    ],
    "10_review_quiz.ipynb": [
        ('answer_staircase_values = "C"', 'answer_staircase_values = "A"', "it does not subtract"),
        ('answer_staircase_values = "C"', 'answer_staircase_values = "B"', "the schedule starts at 0.001 itself"),
        ('answer_learning_rate_call = "B"', 'answer_learning_rate_call = "A"', "calling it raises TypeError"),
        ('answer_nan_few_batches = "A"', 'answer_nan_few_batches = "B"', "Lesson 6 measured otherwise on the course's classifier"),
        ('answer_nan_few_batches = "A"', 'answer_nan_few_batches = "D"', "Adam does not clip"),
        ('answer_recompile = "D"', 'answer_recompile = "E"', "is not one of the choices"),
    ],
    "08b_lora.ipynb": [
        ('model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),\n'
         '              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])\n',
         "", "Call `model.compile(...)` again after enabling LoRA"),
        ("base.trainable = True\nfor layer in base.layers:\n    layer.trainable = layer.name.startswith(\"block3_conv\")"
         "   # BatchNorm and blocks 1-2 stay frozen\nfor layer in base.layers:\n    if layer.name.startswith(\"block3_conv\"):\n"
         "        layer.enable_lora(RANK)\n",
         "for layer in base.layers:\n    if layer.name.startswith(\"block3_conv\"):\n        layer.enable_lora(RANK)\n"
         "base.trainable = True\nfor layer in base.layers:\n    layer.trainable = layer.name.startswith(\"block3_conv\")\n",
         "unfreeze first, then enable LoRA"),   # the base unfrozen after LoRA: the kernels train too
        ('base.trainable = True\nfor layer in base.layers:\n    layer.trainable = layer.name.startswith("block3_conv")'
         '   # BatchNorm and blocks 1-2 stay frozen\n', "", "adds frozen factors"),   # LoRA on the frozen base
        ("merged = plain", "merged = model", "`merged` still has LoRA enabled"),
        ("merged = plain", "merged = keras.models.clone_model(model)\nmerged.set_weights(model.get_weights())",
         "`merged` still has LoRA enabled"),   # a copy of the LoRA model is not a merged one
        ("plain.load_weights(weights_file)\n", "", "predicts differently from your LoRA model"),
        ('    if layer.name.startswith("block3_conv"):\n        layer.enable_lora(RANK)',
         "    if isinstance(layer, keras.layers.Conv2D):\n        layer.enable_lora(RANK)", "only the top block"),
        ("        layer.enable_lora(RANK)", "        layer.lora_rank = RANK", "setting `lora_rank`"),
        ('    layer.trainable = layer.name.startswith("block3_conv")   # BatchNorm and blocks 1-2 stay frozen',
         "    layer.trainable = True", "only the top block should adapt"),
    ],
    "08_discriminative_learning_rates.ipynb": [
        ('"block3": 1e-3 / 2.6, "block2": 1e-3 / 2.6 ** 2, "block1": 1e-3 / 2.6 ** 3',
         '"block3": 1e-3, "block2": 1e-3, "block1": 1e-3', "all of them train at one rate"),
        ('rates = {"head": 1e-3, "block3": 1e-3 / 2.6, "block2": 1e-3 / 2.6 ** 2, "block1": 1e-3 / 2.6 ** 3}',
         'rates = {"head": 1e-3 / 2.6 ** 3, "block3": 1e-3 / 2.6 ** 2, "block2": 1e-3 / 2.6, "block1": 1e-3}',
         "Lower groups should learn more slowly"),
        ('rates = {"head": 1e-3,', 'rates = {"head": 1e-2,', "the largest change in head was 0.01,"),
        ("keras.optimizers.Adam(learning_rate=rate)", "keras.optimizers.SGD(learning_rate=rate)",
         "not Adam"),
        ("model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))",
         "", "is not compiled with your `optimizer`"),
    ],
    "06_nan_at_high_learning_rate.ipynb": [
        ("SGD(learning_rate=0.01, clipnorm=1.0)", "SGD(learning_rate=0.01)", "clipnorm"),
        ("SGD(learning_rate=0.01, clipnorm=1.0)", "SGD(learning_rate=0.001)", "Keep plain SGD"),
        ("model = keras.Sequential([base, keras.layers.Dense(1)])\n"
         "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, clipnorm=1.0)",
         "base.trainable = False\nmodel = keras.Sequential([base, keras.layers.Dense(1)])\n"
         "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01)", "The base is frozen"),
        ("keras.optimizers.SGD(learning_rate=0.01, clipnorm=1.0)", "keras.optimizers.Adam(learning_rate=0.01)",
         "Keep plain SGD"),
        ("clipnorm=1.0)", "clipnorm=1.0, momentum=0.9)", "without momentum"),
    ],
    "04_selective_unfreezing.ipynb": [
        ("N = 14\n", "N = 7\n", "block2_conv1, block2_conv2 did not move"),
        ("N = 14\n", "N = 18\n", "block1_conv2 moved but should stay frozen"),
        ("for layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n        layer.trainable = False\n",
         "", "BatchNormalization layers are trainable"),
        ('model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),\n'
         '              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])\n',
         "", "`fit` ignored the change"),
        ("N = 14\nbase.trainable = True\nfor layer in base.layers[:-N]:",   # right flags, set another way
         "N = 7\nbase.trainable = True\nfor layer in base.layers[:8]:", "not because of `N` = 7"),
    ],
    "03_fine_tuning_lower_lr.ipynb": [
        ("for rate in (1e-3, 1e-4):", "for rate in (1e-8, 1e-9):", "barely moved"),
        ("for rate in (1e-3, 1e-4):", "for rate in (1e-2, 2e-2):", "did not lower the validation loss enough"),
        ("model.evaluate(task.val.x, task.val.y", "model.evaluate(task.test.x, task.test.y",
         "on the validation split (`task.val`)"),
        ("min(val_losses, key=val_losses.get)", "max(val_losses, key=val_losses.get)",
         "choose the rate whose model does best on the validation split"),
        ("    base.trainable = True\n", "", "Not one weight of `tuned`'s base moved"),
        ("    for layer in base.layers:\n        if isinstance(layer, keras.layers.BatchNormalization):\n"
         "            layer.trainable = False\n", "", "BatchNormalization layers in `tuned` are trainable"),
        # a clone whose weights were never copied from the frozen model
        ("    model.set_weights(frozen_model.get_weights())\n", "", "starts from random weights"),
    ],
    "01_frozen_feature_extraction.ipynb": [
        ("keras.layers.Dense(10)]", 'keras.layers.Dense(10, activation="softmax")]', "outputs probabilities"),
        ("loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)", 'loss="sparse_categorical_crossentropy"',
         "outputs logits"),
        ("base.trainable = False\n", "", "The base is still trainable"),
        ("keras.layers.Dense(10)", "keras.layers.Dense(45)", "needs 10 units"),
        ("history = model.fit(task.train.x, task.train.y, batch_size=10, epochs=20, verbose=0)",   # a helper's History
         "from finetune_course import recipes\n"
         "_, history = recipes.train_head(task, epochs=20, learning_rate=1e-2, seed=SEED)",
         "comes from training another model"),
    ],
    "02_recompile_gotcha.ipynb": [
        ('model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),\n'
         '              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),\n'
         '              metrics=["accuracy"])\n', "", "did not compile the model again"),
        ("for layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n        layer.trainable = False\n",
         "", "BatchNormalization layers are trainable"),
        ("base.trainable = True\n", "", "The base is still frozen"),
        ("Adam(learning_rate=1e-3)", "Adam(learning_rate=1e-2)", "ten times lower than the head's"),
        # BatchNorm frozen first, then base.trainable = True unfreezes it again
        ("base.trainable = True\nfor layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n"
         "        layer.trainable = False\n",
         "for layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n"
         "        layer.trainable = False\nbase.trainable = True\n", "BatchNormalization layers are trainable"),
    ],
    "05_learning_rate_schedules.ipynb": [
        ("staircase=True", "staircase=False", "set staircase=True"),
        ("decay_steps=2 * steps_per_epoch", "decay_steps=2", "not epochs"),
        ("math.ceil(train_images / batch_size)", "train_images // batch_size", "math.ceil"),
        ("float(schedule(4 * steps_per_epoch))", "0.00025", "Don't type it"),
        ("float(schedule(4 * steps_per_epoch))", "initial_learning_rate * 0.5 ** 2", "Don't type it"),
        ("float(schedule(4 * steps_per_epoch))", "float(schedule(5))", "counts optimizer steps, not epochs"),
    ],
}


# Right answers written another way: for each exercise, edits of its solution cells ((text, what
# replaces it), each text in exactly one solution cell) after which every graded cell must pass,
# so that an over-strict check is caught as surely as a lenient one.
RIGHT_ANSWERS = {
    "08b_lora.ipynb": [
        # the base left "frozen": the top block's layers unfrozen one by one train all the same (Keras 3
        # reads each variable's flag), another rank, LoRA chosen by type and name, and the merge by hand
        [('base.trainable = True\nfor layer in base.layers:\n    layer.trainable = layer.name.startswith("block3_conv")',
          'for layer in base.layers:\n    layer.trainable = layer.name.startswith("block3_conv")'),
         ("RANK = 4", "RANK = 2"),
         ('    if layer.name.startswith("block3_conv"):\n        layer.enable_lora(RANK)',
          '    if isinstance(layer, keras.layers.Conv2D) and "block3" in layer.name:\n        layer.enable_lora(RANK)'),
         ("model.save_weights(weights_file)\nplain.load_weights(weights_file)\nmerged = plain",
          'for layer in model.get_layer("base").layers:\n'
          '    if layer.weights:\n'
          '        target = plain.get_layer("base").get_layer(layer.name)\n'
          '        if getattr(layer, "lora_enabled", False):\n'
          '            target.set_weights([keras.ops.convert_to_numpy(layer.kernel)])   # the merged kernel\n'
          '        else:\n'
          '            target.set_weights(layer.get_weights())\n'
          'plain.get_layer("head").set_weights(model.get_layer("head").get_weights())\nmerged = plain')],
    ],
    "01_frozen_feature_extraction.ipynb": [
        # frozen after building the model, before compile: the same freezing in another order
        [("base.trainable = False\nmodel = keras.Sequential([base, keras.layers.Dense(10)])\n",
          "model = keras.Sequential([base, keras.layers.Dense(10)])\nbase.trainable = False\n")],
        # probabilities out of the head, and a loss that expects them
        [("keras.layers.Dense(10)]", 'keras.layers.Dense(10, activation="softmax")]'),
         ("loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)", 'loss="sparse_categorical_crossentropy"')],
    ],
    "02_recompile_gotcha.ipynb": [
        [("for layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n        layer.trainable = False\n",
          "for layer in base.layers:\n    layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)\n"),
         ("Adam(learning_rate=1e-3)", "Adam(0.001)")],
    ],
    "03_fine_tuning_lower_lr.ipynb": [
        [("min(val_losses, key=val_losses.get)", "sorted(val_losses, key=lambda rate: val_losses[rate])[0]"),
         ("    model = keras.models.clone_model(frozen_model)\n    model.set_weights(frozen_model.get_weights())\n",
          "    model = keras.models.clone_model(frozen_model)\n    for copy, original in zip(model.weights, frozen_model.weights):\n"
          "        copy.assign(original)\n")],
    ],
    "04_selective_unfreezing.ipynb": [
        [("base.trainable = True\nfor layer in base.layers[:-N]:\n    layer.trainable = False\n"
          "for layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n        layer.trainable = False\n",
          "base.trainable = True\nfor i, layer in enumerate(base.layers):\n"
          "    layer.trainable = i >= len(base.layers) - N and not isinstance(layer, keras.layers.BatchNormalization)\n")],
    ],
    "05_learning_rate_schedules.ipynb": [
        [("math.ceil(train_images / batch_size)", "(train_images + batch_size - 1) // batch_size"),
         ("decay_steps=2 * steps_per_epoch", "decay_steps=steps_per_epoch * 2")],
    ],
    "06_nan_at_high_learning_rate.ipynb": [
        [("SGD(learning_rate=0.01, clipnorm=1.0)", "SGD(learning_rate=0.01, global_clipnorm=1.0)")],
    ],
    "06b_finding_the_learning_rate.ipynb": [
        [("keras.optimizers.SGD(learning_rate=1e-3, momentum=0.9)", "keras.optimizers.SGD(1e-3, 0.9)"),
         ('chosen_lr = range_test.suggestion()["min_over_10"]', 'chosen_lr = range_test.suggestion()["steepest"]')],
    ],
    "07_monitoring_early_stopping.ipynb": [
        # monitor="val_loss" is EarlyStopping's default
        [('keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)',
          'keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True, mode="min")')],
    ],
    "08_discriminative_learning_rates.ipynb": [
        [('    layer = variable.path.split("/")[-2]   # ".../block2_conv1/kernel" -> "block2_conv1"\n'
          '    return adams[layer.split("_")[0]]      # "block2_conv1" -> "block2"; "head" -> "head"\n',
          '    for group, adam in adams.items():   # the layer\'s name starts with its group\'s\n'
          '        if variable.path.split("/")[-2].startswith(group):\n            return adam\n')],
    ],
    "10_review_quiz.ipynb": [
        [('answer_staircase_values = "C"', 'answer_staircase_values = "c"'),
         ('answer_recompile = "D"', 'answer_recompile = " D "')],
    ],
    "11_project_whole_recipe.ipynb": [
        # scaling inside the model, as Keras' guides do, and the pipeline left in 0-255
        [("dataset.map(lambda x, y: (x / 255.0, y)).cache()", "dataset.cache()"),
         ("model = keras.Sequential([base, keras.layers.Dense(10)])",
          "model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Rescaling(1 / 255), base, "
          "keras.layers.Dense(10)])")],
        # block 3 chosen by name, BatchNorm in the same line, the rate written as 0.001
        [("base.trainable = True\nfor layer in base.layers[:-7]:\n    layer.trainable = False\n"
          "for layer in base.layers:\n    if isinstance(layer, keras.layers.BatchNormalization):\n        layer.trainable = False\n",
          "base.trainable = True\nfor layer in base.layers:\n"
          "    layer.trainable = layer.name.startswith(\"block3_\") and not isinstance(layer, keras.layers.BatchNormalization)\n"),
         ("model.compile(optimizer=keras.optimizers.Adam(1e-3),", "model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),")],
    ],
}


class SharedKernel:
    """One live kernel per exercise, reused by all runs of that exercise's notebooks.

    ``run(nb, path)`` executes every cell of ``nb``, errors allowed, in the kernel of
    ``path.name``'s exercise; asking for another exercise shuts the previous kernel down first,
    so at most one kernel is alive.
    """

    def __init__(self):
        self.name, self.owner = None, None

    def run(self, nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
        if path.name != self.name:
            self.close()
            self.owner = refresh_outputs.make_client(nb, path, allow_errors=True)
            self.owner.km = self.owner.create_kernel_manager()
            self.owner.start_new_kernel(env={**os.environ, **refresh_outputs.KERNEL_ENV})
            self.name = path.name
        client = refresh_outputs.make_client(nb, path, allow_errors=True, km=self.owner.km)
        try:
            client.execute()
        finally:
            client.kc.stop_channels()
        return nb

    def close(self):
        if self.owner is not None:
            self.owner._cleanup_kernel()
        self.name, self.owner = None, None


@pytest.fixture(scope="module")
def kernel():
    shared = SharedKernel()
    yield shared
    shared.close()


def graded_errors(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(ename, evalue) of the error in each graded check cell, or ("", "") where it passed."""
    found = []
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            found.append((errors[0].ename, errors[0].evalue) if errors else ("", ""))
    return found


def test_exercises_match_solutions():
    assert make_exercises.main(["--check"]) == 0, "run `python scripts/make_exercises.py`"


def test_every_solution_has_wrong_answers_listed():
    names = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    assert names == set(WRONG_ANSWERS), "list plausible wrong answers for every exercise here"


def test_every_solution_has_right_answers_listed():
    names = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    assert names == set(RIGHT_ANSWERS), "list right answers written another way for every exercise here"


def nbgrader_verdict(nb: nbformat.NotebookNode, folder: Path, invert: bool = False) -> dict:
    """What nbgrader's Validator finds in ``nb``, already executed: ``{}`` means the notebook passes
    every test (or, with ``invert``, that it passes none). With no preprocessors it
    judges the outputs as they are instead of executing the notebook again."""
    path = folder / "executed.ipynb"
    nbformat.write(nb, path)
    return Validator(preprocessors=[], invert=invert).validate(str(path))


def untouched_exercise_fails_with_a_helpful_message(kernel, name, tmp_path):
    path = ROOT / "exercises" / name
    nb = kernel.run(nbformat.read(path, as_version=4), path)
    stubs = [c for c in nb.cells if "raise NotImplementedError()" in c.source]
    assert stubs and all(c.outputs[-1].ename == "NotImplementedError" for c in stubs)
    errors = graded_errors(nb)
    assert errors, "the exercise has no graded check cell"
    for ename, evalue in errors:
        assert ename == "ExerciseCheckError" and "still None" in evalue, (ename, evalue)
    assert nbgrader_verdict(nb, tmp_path, invert=True) == {}, "nbgrader finds a check the untouched exercise passes"


def plausible_wrong_answer_fails_with_a_helpful_message(kernel, name, right, wrong, phrase):
    path = ROOT / "solutions" / name
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")
             and right in c.source]
    assert len(cells) == 1, f"{right!r} should appear in exactly one solution cell of {name}"
    cells[0].source = cells[0].source.replace(right, wrong)
    errors = graded_errors(kernel.run(nb, path))
    assert any(ename == "ExerciseCheckError" and phrase in evalue for ename, evalue in errors), errors


def right_answer_passes_every_check(kernel, name, edits, tmp_path):
    path = ROOT / "solutions" / name
    nb = nbformat.read(path, as_version=4)
    solution_cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    for right, other in edits:
        cells = [c for c in solution_cells if right in c.source]
        assert len(cells) == 1, f"{right!r} should appear in exactly one solution cell of {name}"
        cells[0].source = cells[0].source.replace(right, other)
    nb = kernel.run(nb, path)
    errors = graded_errors(nb)
    assert errors and all(error == ("", "") for error in errors), errors
    assert nbgrader_verdict(nb, tmp_path) == {}, "nbgrader finds a check this right answer fails"


# Each exercise's cases in a row, so that they share its kernel: the untouched exercise, then each
# plausible wrong answer in the solution, then each right answer written another way.
CASES = [pytest.param(name, "untouched", None, id=f"{name}-untouched") for name in sorted(WRONG_ANSWERS)]
CASES += [pytest.param(name, "wrong", case, id=f"{name}-wrong-{index}")
          for name, cases in WRONG_ANSWERS.items() for index, case in enumerate(cases)]
CASES += [pytest.param(name, "right", case, id=f"{name}-right-{index}")
          for name, cases in RIGHT_ANSWERS.items() for index, case in enumerate(cases)]
CASES.sort(key=lambda param: param.values[0])   # stable: the untouched run comes first


@pytest.mark.parametrize("name, kind, answer", CASES)
def test_check_judges_the_answer(kernel, name, kind, answer, tmp_path):
    if kind == "untouched":
        untouched_exercise_fails_with_a_helpful_message(kernel, name, tmp_path)
    elif kind == "wrong":
        plausible_wrong_answer_fails_with_a_helpful_message(kernel, name, *answer)
    else:
        right_answer_passes_every_check(kernel, name, answer, tmp_path)
