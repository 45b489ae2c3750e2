"""Grading: what tells a learner whether an exercise is done, and why not.

* :mod:`.guards` - what every check asks first (a model, a History, the pretrained base, unfrozen
  layers), and :class:`~.guards.ExerciseCheckError`, which every failed check raises;
* :mod:`.checks` - one check per exercise, in exercise order (1, 2, 3, 4, 5, 6, 6b, 7, 8, 8b),
  each judging the learner's objects by what they did, with a message that says how to fix them;
* :mod:`.quiz` - the review quiz (answers sealed by ``scripts/seal_quiz.py`` from ``tests/quiz_key.py``);
* :mod:`.project` - the check of the final project.

The notebooks import it as ``from finetune_course.grading import checks`` (or ``quiz``, ``project``).
"""
