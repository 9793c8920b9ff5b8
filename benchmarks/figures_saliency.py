"""Saliency figure of the docs: Grad-CAM over FER2013 test faces.

Usage::

    python benchmarks/figures_saliency.py --data-dir ../shared/datasets \
        [--model fer2013-model3] [--out docs/_static/saliency.png]
    python benchmarks/figures_saliency.py --quick --output /tmp/q   # smoke run

Takes four FER2013 PrivateTest faces of four different emotions (fixed seed) and
draws the emotion analysis of a shipped model with the Grad-CAM map of the
predicted class over each face (``skfer.inspection.saliency_map``), as
``skfer predict --plot OUT.png --explain`` does. ``--quick``: two faces, into
``saliency-quick.png`` in ``--output``. Run from the checkout (``PYTHONPATH=.``)
or with skfer installed.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from skfer import load_pretrained
from skfer.datasets import load_fer2013
from skfer.inspection import saliency_map
from skfer.plotting import plot_emotion_analysis, save_figure

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir, quick_stem  # noqa: E402

DOCS_STATIC = Path(__file__).resolve().parents[1] / "docs" / "_static"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder of fer2013/")
    parser.add_argument("--model", default="fer2013-model3", help="shipped weights")
    parser.add_argument("--n-faces", type=int, default=4)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", type=Path, help="the figure (default: in --output)")
    parser.add_argument(
        "--quick", action="store_true", help="two faces, into saliency-quick.png"
    )
    parser.add_argument("--output", type=Path, default=DOCS_STATIC)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_faces = 2
    args.out = args.out or quick_stem(args, "saliency").with_suffix(".png")

    fer = load_fer2013(data_dir(args.data_dir, "fer2013"), subset="PrivateTest")
    rng = np.random.RandomState(args.random_state)
    classes = rng.choice(np.unique(fer.target), size=args.n_faces, replace=False)
    idx = [int(rng.choice(np.flatnonzero(fer.target == c))) for c in classes]
    X, y = fer.data[idx], fer.target[idx]
    clf = load_pretrained(args.model, precision="float32")
    maps = saliency_map(clf, X)
    fig = plot_emotion_analysis(
        X, clf.predict_proba(X), clf.classes_, true_labels=y, saliency=maps
    )
    print("written to", save_figure(fig, args.out))


if __name__ == "__main__":
    main()
