"""Draw one face and a grid of its augmentations, by transform, for the docs.

Usage::

    python benchmarks/figures_augmentation.py [--out docs/_static/augmentations.png]
    python benchmarks/figures_augmentation.py --quick --output /tmp/q   # smoke run

The face is synthetic (``skfer.datasets.make_faces(random_state=0)``, the first
one), so the figure ships no real person's image. Each row is one transform of
``skfer.augmentation`` at p=1 with its default magnitudes (or a preset recipe of
``make_augmentation``), each column a fresh random draw (generator seeds 0, 1, ...).
``--quick``: two columns, into ``augmentations-quick.png`` in ``--output``.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from skfer import augmentation as A
from skfer.datasets import make_faces

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import quick_stem  # noqa: E402

DOCS_STATIC = Path(__file__).resolve().parents[1] / "docs" / "_static"


def _rows():
    return [
        ("RandomHorizontalFlip", A.RandomHorizontalFlip(p=1.0)),
        ("RandomRotation(10)", A.RandomRotation(degrees=10, p=1.0)),
        ("RandomResizedCrop", A.RandomResizedCrop(p=1.0)),
        ("RandomAffine", A.RandomAffine(p=1.0)),
        ("RandomGaussianBlur", A.RandomGaussianBlur(p=1.0)),
        ("RandomGaussianNoise", A.RandomGaussianNoise(p=1.0)),
        ("RandomSaltAndPepper", A.RandomSaltAndPepper(p=1.0)),
        ("RandomBrightnessContrast", A.RandomBrightnessContrast(p=1.0)),
        ("RandomErasing", A.RandomErasing(p=1.0)),
        ('preset "paper"', A.make_augmentation("paper")),
        ('preset "standard"', A.make_augmentation("standard")),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="the figure (default: in --output)")
    parser.add_argument("--columns", type=int, default=6)
    parser.add_argument(
        "--quick", action="store_true", help="two columns, into augmentations-quick"
    )
    parser.add_argument("--output", type=Path, default=DOCS_STATIC)
    args = parser.parse_args(argv)
    if args.quick:
        args.columns = 2
    args.out = args.out or quick_stem(args, "augmentations").with_suffix(".png")

    # lazy: matplotlib.use("Agg") before pyplot: figures are files
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: after matplotlib.use("Agg")

    faces = make_faces(random_state=0)
    face = torch.from_numpy(faces.images[0].astype(np.float32) / 255.0)[None, None]
    rows = _rows()
    n_cols = args.columns + 1
    fig, axes = plt.subplots(
        len(rows), n_cols, figsize=(1.15 * n_cols + 1.6, 1.15 * len(rows))
    )
    for r, (name, transform) in enumerate(rows):
        axes[r, 0].imshow(face[0, 0], cmap="gray", vmin=0, vmax=1)
        for c in range(1, n_cols):
            out = transform(face, torch.Generator().manual_seed(c - 1))
            axes[r, c].imshow(out[0, 0], cmap="gray", vmin=0, vmax=1)
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
        for ax in axes[r]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_title("original", fontsize=8)
    for c in range(1, n_cols):
        axes[0, c].set_title(f"seed {c - 1}", fontsize=8)
    fig.suptitle(
        f"skfer.augmentation on a synthetic 48x48 face ({faces.target[0]})",
        fontsize=10,
    )
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=72)
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
