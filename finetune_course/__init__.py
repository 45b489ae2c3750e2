"""Helpers for the course "Fine-tuning pretrained networks with Keras 3".

Everything the notebooks share lives here, once, laid out by who calls it.

**Learner helpers** (the most used are also importable from the package itself, ``fc.<name>``):

* :mod:`.data` - the source task (generated printed characters) and the target task
  (real handwritten digits, few labels per class);
* :mod:`.model` - the pretrained base, and classifiers with a new head on it;
* :mod:`.trainability` - layer tables, parameter counts, weight snapshots and drift, unfreezing
  (BatchNorm kept frozen), LoRA, and a guard against training a model whose trainability changed
  since it was compiled;
* :mod:`.recipes` - the training recipes the lessons compare (frozen head, scratch, fine-tune, LoRA);
* :mod:`.environment` - seeds, determinism and an environment report;
* :mod:`.plots` - image grids, training curves, predictions and confusion matrices;
* :mod:`.schedules` - learning-rate schedules Keras lacks (one continued across phases).

**Lesson tools** (one or two lessons each):

* :mod:`.diagnostics` - per-batch losses and update sizes, and the loss's curvature;
* :mod:`.lr_finder` - a learning-rate range test (Smith 2017) as a Keras callback, run on a copy of a model;
* :mod:`.interruptions` - a simulated disconnect, to rehearse resuming a run;
* :mod:`.discriminative` - per-layer learning rates;
* :mod:`.images` - image folders: a generated demo, a check with clear messages, a verified
  download, and the target task written as folders (the final project);
* :mod:`.capstone` - lesson 9's offline task (digit image folders, the course's MobileNetV2
  weights), when mixed precision pays, and its recipe in one call under any tf.distribute strategy.

**Grading** (:mod:`.grading`): :mod:`.grading.checks` (one check per exercise),
:mod:`.grading.quiz` (the review quiz), :mod:`.grading.project` (the final project's check), and
:mod:`.grading.guards`, what they all ask first.

**Internals** (:mod:`.internals`, never called from a notebook): :mod:`.internals.compat` (every
private Keras attribute the course reads), :mod:`.internals.speed` (what the recipes cache, and
why results stay the same), :mod:`.internals.pretrain` (how the shipped bases were pretrained).

Lesson by lesson: every lesson uses data, model, trainability and environment (through ``fc.``);
the others, and what grades its exercise (exercises/ and solutions/ share the numbers):

====  ==========================================  ==================================  ===============
 no.  lesson (notebooks/)                         other helpers                       graded by
====  ==========================================  ==================================  ===============
 0    setup and the two tasks                     plots, recipes
 1    frozen feature extraction                   recipes                             grading.checks
 2    the recompile gotcha                        (trainability's RecompileGuard)     grading.checks
 3    fine-tuning at a lower learning rate        recipes, plots                      grading.checks
 4    selective unfreezing                        recipes, plots                      grading.checks
 5    learning-rate schedules                     schedules                           grading.checks
 6    NaN at a high learning rate                 diagnostics, recipes                grading.checks
 6b   finding the learning rate                   lr_finder, recipes                  grading.checks
 7    monitoring, overfitting, early stopping     plots, recipes                      grading.checks
 7b   resuming after an interruption              interruptions, recipes
 8    per-layer learning rates                    discriminative, recipes             grading.checks
 8b   parameter-efficient fine-tuning (LoRA)      recipes                             grading.checks
 9    capstone: your own images                   capstone, images, plots
 10   review quiz (exercise only)                                                     grading.quiz
 11   final project (exercise only)               images                              grading.project
====  ==========================================  ==================================  ===============
"""
import os as _os

# Keep TensorFlow's C++ start-up chatter out of notebooks; set before TensorFlow loads.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .data import (SOURCE_CLASSES, TARGET_CLASSES, as_dataset, load_source_eval, load_target,  # noqa: E402
                   load_task, make_source)
from .environment import (course_seed, environment_report, print_environment, set_seeds, skip_graph_optimizer,  # noqa: E402
                          start_lesson)
from .model import (build_base, build_classifier, compile_classifier, get_base,  # noqa: E402
                    copy_classifier, load_pretrained_base, load_source_model)
from .trainability import (RecompileGuard, RecompileNeededError, backward_pass_work, base_weight_change,  # noqa: E402
                           check_compiled_trainability, layer_rows, max_weight_change, optimizer_variables,
                           parameter_counts, print_layer_table, relative_weight_change, snapshot_weights,
                           trainability_changed_since_compile, unfreeze_all_but_batchnorm, unfreeze_last,
                           unreachable_trainable_warning, weight_change)
from .schedules import OffsetSchedule  # noqa: E402
from .images import (DownloadError, ImageFolderError, check_image_folder, fetch_dataset,  # noqa: E402
                     make_demo_image_folder)

__all__ = [   # the names above, and only those: `from finetune_course import *` brings no module name
    "SOURCE_CLASSES", "TARGET_CLASSES", "as_dataset", "load_source_eval", "load_target",
    "load_task", "make_source", "course_seed", "environment_report", "print_environment", "start_lesson",
    "set_seeds", "skip_graph_optimizer", "build_base", "build_classifier", "compile_classifier",
    "get_base", "copy_classifier", "load_pretrained_base", "load_source_model", "RecompileGuard",
    "RecompileNeededError", "backward_pass_work", "base_weight_change",
    "check_compiled_trainability", "layer_rows", "max_weight_change", "optimizer_variables",
    "parameter_counts", "print_layer_table", "relative_weight_change", "snapshot_weights",
    "trainability_changed_since_compile", "unfreeze_all_but_batchnorm", "unfreeze_last",
    "unreachable_trainable_warning", "weight_change", "OffsetSchedule", "DownloadError",
    "ImageFolderError", "check_image_folder", "fetch_dataset", "make_demo_image_folder",
]
