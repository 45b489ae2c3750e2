"""Measure the course's central claims over several seeds and print a mean +- sd table.

    python scripts/measure_claims.py --seeds 0 1 2 3 4

For each seed (which fixes the labelled split and the initialisation): training from
scratch, the frozen base + head, the head trained for longer (the control), and
fine-tuning the unfrozen base at several learning rates, with held-out target accuracy
and the base's remaining source accuracy (forgetting).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def measure_seed(seed: int, labels_per_class: int, head_epochs: int, tune_epochs: int,
                 head_lr: float, tune_lrs: list[float], scratch_epochs: int, scratch_lr: float) -> dict[str, float]:
    from finetune_course import data, recipes
    from finetune_course import model as fc_model

    task = data.load_target(labels_per_class=labels_per_class, seed=seed)
    row = {}
    scratch, _ = recipes.train_from_scratch(task, scratch_epochs, scratch_lr, seed, validate=False)
    row["scratch"] = recipes.accuracy(scratch, task.test)
    classifier, _ = recipes.train_head(task, head_epochs, head_lr, seed, validate=False)
    row["frozen"] = recipes.accuracy(classifier, task.test)
    control, _ = recipes.continue_head(classifier, task, tune_epochs, head_lr, seed, validate=False)
    row["head_longer"] = recipes.accuracy(control, task.test)
    for lr in tune_lrs:
        tuned, _ = recipes.fine_tuned_copy(classifier, task, tune_epochs, lr, seed, validate=False)
        row[f"tuned@{lr:g}"] = recipes.accuracy(tuned, task.test)
        row[f"source@{lr:g}"] = recipes.source_accuracy(fc_model.get_base(tuned))
    return row


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--labels-per-class", type=int, default=3)
    parser.add_argument("--head-epochs", type=int, default=20)
    parser.add_argument("--tune-epochs", type=int, default=20)
    parser.add_argument("--head-lr", type=float, default=1e-2)
    parser.add_argument("--tune-lrs", type=float, nargs="+", default=[1e-4, 1e-3, 1e-2])
    parser.add_argument("--scratch-epochs", type=int, default=30)
    parser.add_argument("--scratch-lr", type=float, default=3e-3)
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        started = time.perf_counter()
        rows.append(measure_seed(seed, args.labels_per_class, args.head_epochs, args.tune_epochs,
                                 args.head_lr, args.tune_lrs, args.scratch_epochs, args.scratch_lr))
        print(f"seed {seed} ({time.perf_counter() - started:.0f} s): "
              + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items()), flush=True)
    print(f"\n| arm | mean | sd | min | max |  ({len(rows)} seeds, {args.labels_per_class} labels per class)")
    print("|---|---|---|---|---|")
    for key in rows[0]:
        values = np.array([row[key] for row in rows])
        print(f"| {key} | {values.mean():.3f} | {values.std(ddof=1) if len(values) > 1 else 0:.3f} "
              f"| {values.min():.3f} | {values.max():.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
