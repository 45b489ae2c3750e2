"""Reproduce the course's pretrained base: ``finetune_course/assets/source_model.keras``.

    python scripts/pretrain_base.py                 # the shipped file (minutes on a CPU)
    python scripts/pretrain_base.py --quick --out /tmp/base.keras   # a small run, as the tests do

The base is trained from scratch on generated printed characters (the source task,
see ``finetune_course/data.py``), deterministically from ``--seed``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv: list[str] | None = None) -> int:
    from finetune_course import data, model
    from finetune_course.internals import pretrain

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=40_000, help="generated source images")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="600 images, 1 epoch: checks the pipeline only")
    parser.add_argument("--out", default=str(model.SOURCE_MODEL_FILE), help="where to write the .keras file")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.epochs = 600, 1
    trained, evaluation, report = pretrain.pretrain_source_model(
        args.images, args.epochs, args.seed, verbose=0 if args.quick else 2)
    path = pretrain.save_source_model(trained, report, args.out)
    if not args.quick:  # next to the model file: the shipped assets only when --out is the default
        data.save_source_eval(evaluation, path.with_name(data.SOURCE_EVAL_FILE.name))
    print(json.dumps({**report, "file": str(path), "file_kb": round(path.stat().st_size / 1024)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
