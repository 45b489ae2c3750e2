"""Measure the course's central claims over several seeds and print a mean +- sd table.

    python scripts/measure_claims.py --seeds 0 1 2 3 4

For each seed (which fixes the labelled split and the initialisation): training from
scratch, the frozen base + head, the head trained for longer (the control), and
fine-tuning the unfrozen base at several learning rates, with target accuracy on the
validation split and the base's remaining source accuracy (forgetting). Settings are chosen
on validation; ``--split test`` reads the test split instead, once, for settings already chosen.

    python scripts/measure_claims.py --scratch-grid --seeds 0 1 2 3 4

chooses lesson 1's setting for the network trained from scratch, on the validation split
only: validation accuracy after 30, 60 and 100 epochs at each learning rate of
``--scratch-lrs``, with the frozen base + head beside it.

    python scripts/measure_claims.py --sweep --seeds 0 1 2 3 4 --output docs/lesson3_sweep.md

runs lesson 3's full sweep instead: the fine-tuning rate from the head's own to 1000x lower, each
against the control, on the validation split (the lesson itself runs 1x to 30x lower, and 100x on
its first seed).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def measure_seed(seed: int, labels_per_class: int, head_epochs: int, tune_epochs: int,
                 head_lr: float, tune_lrs: list[float], scratch_epochs: int, scratch_lr: float,
                 split: str = "val") -> dict[str, float]:
    from finetune_course import data, recipes
    from finetune_course import model as fc_model

    if split not in ("val", "test"):
        raise ValueError(f"split must be 'val' or 'test', got {split!r}.")
    task = data.load_target(labels_per_class=labels_per_class, seed=seed)
    scored = getattr(task, split)
    row = {}
    scratch, _ = recipes.train_from_scratch(task, scratch_epochs, scratch_lr, seed, validate=False)
    row["scratch"] = recipes.accuracy(scratch, scored)
    classifier, _ = recipes.train_head(task, head_epochs, head_lr, seed, validate=False)
    row["frozen"] = recipes.accuracy(classifier, scored)
    control, _ = recipes.continue_head(classifier, task, tune_epochs, head_lr, seed, validate=False)
    row["head_longer"] = recipes.accuracy(control, scored)
    for lr in tune_lrs:
        tuned, _ = recipes.fine_tuned_copy(classifier, task, tune_epochs, lr, seed, validate=False)
        row[f"tuned@{lr:g}"] = recipes.accuracy(tuned, scored)
        row[f"source@{lr:g}"] = recipes.source_accuracy(fc_model.get_base(tuned))
    return row


def scratch_grid_seed(seed: int, learning_rates: list[float], epochs: list[int], labels_per_class: int = 3,
                      head_epochs: int = 20, head_lr: float = 1e-2) -> dict[str, float]:
    """Lesson 1's choice of a setting for the network trained from scratch, on one seed and the
    validation split only: its validation accuracy after each number of ``epochs`` at each
    learning rate (one run per rate, read from the history: the first k epochs of a longer run are
    a k-epoch run), and the frozen base + head's (``head_epochs`` at ``head_lr``) beside it."""
    from finetune_course import data, recipes

    task = data.load_target(labels_per_class=labels_per_class, seed=seed)
    classifier, _ = recipes.train_head(task, head_epochs, head_lr, seed, validate=False)
    row = {"frozen": recipes.accuracy(classifier, task.val)}
    for lr in learning_rates:
        _, history = recipes.train_from_scratch(task, max(epochs), lr, seed)
        for e in epochs:
            row[f"scratch {lr:g} x {e}"] = float(history.history["val_accuracy"][e - 1])
    return row


def scratch_grid_table(rows: list[dict[str, float]]) -> list[str]:
    """Markdown: per setting, validation accuracy mean +- sd and how often it was the seed's best
    scratch setting (ties count for each)."""
    import numpy as np

    settings = [key for key in rows[0] if key.startswith("scratch")]
    values = np.array([[row[key] for key in settings] for row in rows])
    best = values == values.max(axis=1, keepdims=True)
    lines = ["| setting (learning rate x epochs) | validation accuracy, mean +- sd | best on |", "|---|---|---|"]
    sd = (lambda v: v.std(ddof=1) if len(v) > 1 else 0.0)
    for j, key in enumerate(settings):
        lines.append(f"| {key} | {values[:, j].mean():.3f} +- {sd(values[:, j]):.3f} | {best[:, j].sum()}/{len(rows)} |")
    frozen = np.array([row["frozen"] for row in rows])
    lines.append(f"| frozen base + head | {frozen.mean():.3f} +- {sd(frozen):.3f} | |")
    lines.append(f"\nchosen (the highest mean validation accuracy): {settings[int(values.mean(axis=0).argmax())]}")
    return lines


def sweep_seed(seed: int, divisors: list[float], labels_per_class: int = 20, head_epochs: int = 10,
               tune_epochs: int = 10, head_lr: float = 1e-2) -> dict[str, float]:
    """Lesson 3's sweep on one seed, on the validation split only (it chooses a rate, so the test
    split stays out): the head trained at ``head_lr``, then the control and fine-tuning at
    ``head_lr / d`` for each divisor ``d``; validation loss and the source accuracy left."""
    from finetune_course import data, recipes
    from finetune_course import model as fc_model

    task = data.load_target(labels_per_class=labels_per_class, val_per_class=30, seed=seed)
    classifier, _ = recipes.train_head(task, head_epochs, head_lr, seed, validate=False)
    control, _ = recipes.continue_head(classifier, task, tune_epochs, head_lr, seed, validate=False)
    row = {"frozen": recipes.cross_entropy(classifier, task.val), "control": recipes.cross_entropy(control, task.val)}
    for d in divisors:
        tuned, _ = recipes.fine_tuned_copy(classifier, task, tune_epochs, head_lr / d, seed, validate=False)
        row[f"val_loss/{d:g}"] = recipes.cross_entropy(tuned, task.val)
        row[f"source/{d:g}"] = recipes.source_accuracy(fc_model.get_base(tuned))
    return row


def sweep_table(rows: list[dict[str, float]], divisors: list[float]) -> list[str]:
    """Markdown: per divisor, the mean and sd of the validation loss, how often it was the seed's
    best, how often it beat the control and the frozen model, and the source accuracy left."""
    import numpy as np

    losses = np.array([[row[f"val_loss/{d:g}"] for d in divisors] for row in rows])
    best = losses.argmin(axis=1)
    control = np.array([row["control"] for row in rows])
    frozen = np.array([row["frozen"] for row in rows])
    lines = ["| fine-tuning rate | val loss, mean +- sd | best on | below the control on | below the frozen model on "
             "| source accuracy left, mean (min-max) |", "|---|---|---|---|---|---|"]
    for j, d in enumerate(divisors):
        source = np.array([row[f"source/{d:g}"] for row in rows])
        lines.append(f"| head's / {d:g} | {losses[:, j].mean():.3f} +- {losses[:, j].std(ddof=1) if len(rows) > 1 else 0:.3f} "
                     f"| {np.sum(best == j)}/{len(rows)} | {np.sum(losses[:, j] < control)}/{len(rows)} "
                     f"| {np.sum(losses[:, j] < frozen)}/{len(rows)} | {source.mean():.2f} ({source.min():.2f}-{source.max():.2f}) |")
    lines.append(f"| control (head, as many epochs more) | {control.mean():.3f} +- {control.std(ddof=1) if len(rows) > 1 else 0:.3f} "
                 "| | | | the pretrained base's |")
    return lines


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--labels-per-class", type=int, default=3)
    parser.add_argument("--head-epochs", type=int, default=20)
    parser.add_argument("--tune-epochs", type=int, default=20)
    parser.add_argument("--head-lr", type=float, default=1e-2)
    parser.add_argument("--tune-lrs", type=float, nargs="+", default=[1e-4, 1e-3, 1e-2])
    parser.add_argument("--scratch-epochs", type=int, default=100)   # lesson 1's, chosen by --scratch-grid
    parser.add_argument("--scratch-lr", type=float, default=1e-2)
    parser.add_argument("--split", choices=["val", "test"], default="val",
                        help="the split the main table scores (default val; test only for settings already chosen)")
    parser.add_argument("--scratch-grid", action="store_true",
                        help="choose lesson 1's scratch setting instead: validation accuracy after 30, 60 and 100 "
                             "epochs at each of --scratch-lrs")
    parser.add_argument("--scratch-lrs", type=float, nargs="+", default=[1e-3, 3e-3, 1e-2])
    parser.add_argument("--sweep", type=float, nargs="*", metavar="DIVISOR",
                        help="run lesson 3's sweep instead (20 labels per digit, head 10 epochs at --head-lr, "
                             "fine-tuning 10 epochs at head-lr / DIVISOR, on the validation split); "
                             "default divisors 1 3 10 30 100 300 1000")
    parser.add_argument("--output", help="with --sweep: also write the table, with how it was made, to this file")
    args = parser.parse_args(argv)
    from finetune_course import environment

    environment.start_lesson()   # as every lesson: deterministic ops, graph optimizer off (results as in the lessons)
    if args.scratch_grid:
        rows = []
        for seed in args.seeds:
            started = time.perf_counter()
            rows.append(scratch_grid_seed(seed, args.scratch_lrs, [30, 60, 100], args.labels_per_class,
                                          args.head_epochs, args.head_lr))
            print(f"seed {seed} ({time.perf_counter() - started:.0f} s): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items()), flush=True)
        print(f"\n{len(rows)} seeds, {args.labels_per_class} labels per digit, validation split (the test split is not read)")
        print("\n".join(scratch_grid_table(rows)))
        return 0
    if args.sweep is not None:
        divisors = args.sweep or [1, 3, 10, 30, 100, 300, 1000]
        rows = []
        for seed in args.seeds:
            started = time.perf_counter()
            rows.append(sweep_seed(seed, divisors, head_lr=args.head_lr))
            print(f"seed {seed} ({time.perf_counter() - started:.0f} s): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items()), flush=True)
        import datetime

        import keras

        text = "\n".join([
            "# Lesson 3's sweep of the fine-tuning rate, over seeds", "",
            f"Generated by `python scripts/measure_claims.py --sweep {' '.join(f'{d:g}' for d in divisors)} "
            f"--seeds {' '.join(map(str, args.seeds))}` on {datetime.date.today()}, Keras {keras.__version__}: "
            f"{len(rows)} seeds, 20 labels per digit, the head 10 epochs at {args.head_lr:g} on the frozen base, then "
            "the control (the head 10 epochs more) and fine-tuning (the base unfrozen, BatchNorm frozen, Adam, 10 "
            "epochs) at the head's rate divided by each divisor, all from the same head-trained model; scored on "
            "the validation split (30 digits per class). The test split is not read.", "",
            *sweep_table(rows, divisors), ""])
        print("\n" + text)
        if args.output:
            Path(args.output).write_text(text)
        return 0
    rows = []
    for seed in args.seeds:
        started = time.perf_counter()
        rows.append(measure_seed(seed, args.labels_per_class, args.head_epochs, args.tune_epochs,
                                 args.head_lr, args.tune_lrs, args.scratch_epochs, args.scratch_lr, args.split))
        print(f"seed {seed} ({time.perf_counter() - started:.0f} s): "
              + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items()), flush=True)
    print(f"\n| arm | mean | sd | min | max |  ({len(rows)} seeds, {args.labels_per_class} labels per class, "
          f"accuracy on the {args.split} split)")
    print("|---|---|---|---|---|")
    for key in rows[0]:
        values = np.array([row[key] for row in rows])
        print(f"| {key} | {values.mean():.3f} | {values.std(ddof=1) if len(values) > 1 else 0:.3f} "
              f"| {values.min():.3f} | {values.max():.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
