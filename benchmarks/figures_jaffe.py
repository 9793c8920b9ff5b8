"""Draw ten JAFFE faces as skfer crops them, for the docs.

Usage::

    SKFER_DATA=../shared/datasets python benchmarks/figures_jaffe.py \
        [--data-dir DIR] [--out docs/_static/jaffe_faces.png]
    python benchmarks/figures_jaffe.py --quick --output /tmp/q   # smoke run

One face per subject (the first image of each of the 10 subjects with an
emotion that cycles through the seven), as ``load_jaffe`` returns them: face
detected by skfer's default detector (YuNet), framed from its landmarks as
FER2013 frames its faces, cropped, resized to 48x48.
JAFFE: Lyons et al., FG 1998. ``--quick``: the same figure (the loading is the
work), into ``jaffe_faces-quick.png`` in ``--output``. Run from the checkout
(``PYTHONPATH=.``) or with skfer installed.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from skfer.datasets import load_jaffe

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import quick_stem  # noqa: E402

DOCS_STATIC = Path(__file__).resolve().parents[1] / "docs" / "_static"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("SKFER_DATA"),
        help="folder holding jaffe/ (default: $SKFER_DATA)",
    )
    parser.add_argument("--out", help="the figure (default: in --output)")
    parser.add_argument(
        "--quick", action="store_true", help="the figure into jaffe_faces-quick.png"
    )
    parser.add_argument("--output", type=Path, default=DOCS_STATIC)
    args = parser.parse_args(argv)
    args.out = args.out or quick_stem(args, "jaffe_faces").with_suffix(".png")
    if not args.data_dir:
        parser.error("pass --data-dir or set SKFER_DATA")

    # lazy: matplotlib.use("Agg") before pyplot: figures are files
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: after matplotlib.use("Agg")

    faces = load_jaffe(Path(args.data_dir) / "jaffe")
    # one image per subject, cycling through the emotions
    subjects = np.unique(faces.groups)
    emotions = faces.target_names
    chosen = [
        np.flatnonzero(
            (faces.groups == subject) & (faces.target == emotions[i % len(emotions)])
        )[0]
        for i, subject in enumerate(subjects)
    ]
    fig, axes = plt.subplots(2, 5, figsize=(7.5, 3.6))
    for ax, index in zip(axes.ravel(), chosen):
        ax.imshow(faces.images[index], cmap="gray", vmin=0, vmax=255)
        found = "" if faces.face_found[index] else " (no face)"
        ax.set_title(f"{faces.groups[index]}: {faces.target[index]}{found}", fontsize=9)
        ax.axis("off")
    rate = faces.face_found.mean()
    fig.suptitle(
        f"JAFFE faces cropped by skfer (48x48); face found in {rate:.0%} of "
        f"{len(faces.data)} images",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}; face found in {faces.face_found.sum()}/{len(faces.data)}")


if __name__ == "__main__":
    main()
