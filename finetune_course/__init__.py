"""Helpers for the course "Fine-tuning pretrained networks with Keras 3".

Everything the notebooks share lives here, once:

* :mod:`.data` - the source task (generated printed characters) and the target task
  (real handwritten digits, few labels per class);
* :mod:`.model` - the pretrained base, and classifiers with a new head on it;
* :mod:`.recipes` - the training recipes the lessons compare (frozen head, scratch, fine-tune);
* :mod:`.speed` - what the recipes cache to run in seconds (compiled models, traced twins), and why results stay the same;
* :mod:`.trainability` - layer tables, parameter counts, weight snapshots and drift, and a
  guard against training a model whose trainability changed since it was compiled;
* :mod:`.environment` - seeds, determinism and an environment report;
* :mod:`.plots` - image grids and training curves;
* :mod:`.schedules` - learning-rate schedules Keras lacks (one continued across phases);
* :mod:`.checks` - feedback for the exercises;
* :mod:`.diagnostics` - per-batch losses and update sizes, and the loss's curvature (lesson 6);
* :mod:`.discriminative` - per-layer learning rates (lesson 8);
* :mod:`.interruptions` - a simulated disconnect, to rehearse resuming a run (lesson 7);
* :mod:`.quiz` - the review quiz;
* :mod:`.pretrain` - how the shipped base was pretrained (run by ``scripts/pretrain_base.py``).
* :mod:`.images` - image folders: a generated demo, a check with clear messages, a verified download (lesson 9);
* :mod:`.capstone` - lesson 9's offline task (digit image folders, the course's MobileNetV2 weights), when mixed precision pays, and its recipe in one call under any tf.distribute strategy.
* :mod:`.project` - the final project: the digits as an image folder, and its check.
* :mod:`.lr_finder` - a learning-rate range test (Smith 2017) as a Keras callback, run on a copy of a model.
"""
import os as _os

# Keep TensorFlow's C++ start-up chatter out of notebooks; set before TensorFlow loads.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .data import (SOURCE_CLASSES, TARGET_CLASSES, as_dataset, load_source_eval, load_target,  # noqa: E402
                   load_task, make_source)
from .environment import course_seed, environment_report, print_environment, set_seeds, skip_graph_optimizer  # noqa: E402
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
    "load_task", "make_source", "course_seed", "environment_report", "print_environment",
    "set_seeds", "skip_graph_optimizer", "build_base", "build_classifier", "compile_classifier",
    "get_base", "copy_classifier", "load_pretrained_base", "load_source_model", "RecompileGuard",
    "RecompileNeededError", "backward_pass_work", "base_weight_change",
    "check_compiled_trainability", "layer_rows", "max_weight_change", "optimizer_variables",
    "parameter_counts", "print_layer_table", "relative_weight_change", "snapshot_weights",
    "trainability_changed_since_compile", "unfreeze_all_but_batchnorm", "unfreeze_last",
    "unreachable_trainable_warning", "weight_change", "OffsetSchedule", "DownloadError",
    "ImageFolderError", "check_image_folder", "fetch_dataset", "make_demo_image_folder",
]
