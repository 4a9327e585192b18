"""Build ``data/digits_8x8.npz``, the offline dataset every lab can use without a download.

The data are the UCI "Optical Recognition of Handwritten Digits" test images that ship inside
scikit-learn (``sklearn.datasets.load_digits``): 1797 grey-scale 8x8 images of the digits 0-9,
pixel values 0..16. This script is run once by the maintainers; scikit-learn is *not* a runtime
dependency of nnlab, and students never need to run it.

Usage (from the repository root)::

    python data/make_digits.py            # writes data/digits_8x8.npz
    python data/make_digits.py --check    # verify the committed file matches scikit-learn's copy

Stored arrays (``np.savez_compressed``):

    images  uint8 (1797, 8, 8), values 0..16
    labels  uint8 (1797,), values 0..9
"""
import argparse
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "digits_8x8.npz"


def build():
    """Return (images uint8 (1797, 8, 8), labels uint8 (1797,)) from scikit-learn's copy."""
    from sklearn.datasets import load_digits  # only needed here, once

    bunch = load_digits()
    images = np.asarray(bunch.images)
    labels = np.asarray(bunch.target)
    if images.shape != (1797, 8, 8) or labels.shape != (1797,):
        raise SystemExit(f"unexpected shapes from scikit-learn: {images.shape}, {labels.shape}")
    if images.min() < 0 or images.max() > 16 or not np.all(images == np.round(images)):
        raise SystemExit("expected integer pixel values 0..16 from scikit-learn")
    return images.astype(np.uint8), labels.astype(np.uint8)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the existing file with scikit-learn's copy instead of writing")
    args = parser.parse_args(argv)
    images, labels = build()
    if args.check:
        with np.load(OUT) as f:
            same = np.array_equal(f["images"], images) and np.array_equal(f["labels"], labels)
        print(f"{OUT}: {'matches' if same else 'DIFFERS FROM'} scikit-learn's copy")
        return 0 if same else 1
    np.savez_compressed(OUT, images=images, labels=labels)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): images {images.shape} {images.dtype}, "
          f"labels {labels.shape} {labels.dtype}, class counts {np.bincount(labels).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
