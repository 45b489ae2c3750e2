"""Reproduce the course's target data: ``finetune_course/assets/digits.npz``.

    pip install scikit-learn && python scripts/export_digits.py

The file holds the 1797 handwritten digits that scikit-learn's ``load_digits`` ships: the
test set of the UCI "Optical Recognition of Handwritten Digits" data (E. Alpaydin and
C. Kaynak, 1998; CC BY 4.0), 8x8 images of integer ink counts 0-16 and their labels,
stored as uint8 (45 KB, compressed). The course ships its own copy so that it needs no
scikit-learn: with scikit-learn installed, ``import keras`` also imports it (for Keras'
scikit-learn wrappers), which slows every notebook's start.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "finetune_course" / "assets" / "digits.npz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(OUT), help="where to write the .npz file")
    args = parser.parse_args(argv)
    try:   # scikit-learn is optional: only this maintainer's script needs it (see the docstring)
        from sklearn.datasets import load_digits
    except ImportError:
        print("This script reads the digits from scikit-learn: pip install scikit-learn", file=sys.stderr)
        return 1
    digits = load_digits()
    images = digits.images
    if not np.array_equal(images, np.round(images)) or images.min() < 0 or images.max() > 16:
        print("scikit-learn's digits are no longer integer ink counts 0-16; not written.", file=sys.stderr)
        return 1
    np.savez_compressed(args.out, images=images.astype(np.uint8), labels=digits.target.astype(np.uint8))
    print(f"wrote {args.out}: {len(images)} images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
