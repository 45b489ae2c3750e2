"""Tests of the exercises' checks that these files do not cover elsewhere (checks.py)."""
import pytest

import finetune_course as fc
from finetune_course import model
from finetune_course.grading import checks
from finetune_course.grading.guards import ExerciseCheckError

from support import _history


def test_unfrozen_and_recompiled_check_rejects_what_it_can_see_without_training():
    base = fc.load_pretrained_base()
    classifier = fc.build_classifier(base)
    before = fc.snapshot_weights(base)
    history = _history(loss=[1.0])

    def message(model_, history_=history):
        with pytest.raises(ExerciseCheckError) as error:
            checks.check_unfrozen_and_recompiled(model_, history_, before)
        return str(error.value)

    assert "still None" in message(None)
    assert "`history` is still None" in message(classifier, None)
    base.trainable = False
    assert "still frozen" in message(classifier)
    base.trainable = True
    assert "not compiled" in message(classifier)
    model.compile_classifier(classifier, 1e-3)
    assert "BatchNormalization layers are trainable" in message(classifier)
    fc.unfreeze_all_but_batchnorm(base)
    model.compile_classifier(classifier, 1e-3)
    assert "convolutions moved" in message(classifier)   # compiled, never fitted: nothing moved
    assert "compile the model again" in message(classifier)
