"""Reproduce the capstone's pretrained base: ``finetune_course/assets/mobilenet_v2_letters.weights.h5``.

    python scripts/pretrain_mobilenet.py                  # the shipped file (minutes on a CPU)
    python scripts/pretrain_mobilenet.py --quick --out /tmp/m.weights.h5   # a small run, as the tests do

``keras.applications.MobileNetV2`` (alpha 0.35, 64x64 RGB, no top) is trained from scratch on
generated colour letters (no digits: the capstone's target is the handwritten digits), see
``finetune_course/internals/pretrain.py``. Lesson 9 loads the file with the call a learner uses for ImageNet:
``keras.applications.MobileNetV2(include_top=False, weights=<path>, alpha=0.35, ...)``. A report
(source accuracy, settings, seconds) is written next to it as ``.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv: list[str] | None = None) -> int:
    from finetune_course import capstone
    from finetune_course.internals import pretrain

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=40_000, help="generated source images")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="256 images, 1 epoch: checks the pipeline only")
    parser.add_argument("--out", default=str(capstone.MOBILENET_WEIGHTS_FILE),
                        help="where to write the .weights.h5 file (the report goes next to it)")
    args = parser.parse_args(argv)
    kwargs = {"eval_images": 128} if args.quick else {}
    if args.quick:
        args.images, args.epochs = 256, 1
    base, report = pretrain.pretrain_mobilenet(args.images, args.epochs, args.seed,
                                               verbose=0 if args.quick else 2, **kwargs)
    path = pretrain.save_mobilenet_weights(base, report, args.out)
    print(json.dumps({**report, "file": str(path), "file_kb": round(path.stat().st_size / 1024)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
