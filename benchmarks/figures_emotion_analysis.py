"""The paper's "emotion analysis" figure (its Fig. 10) for FER2013, CK+ and JAFFE.

Usage::

    python benchmarks/figures_emotion_analysis.py --data-dir ../shared/datasets \
        [--model fer2013-model3] [--out benchmarks/results/emotion_analysis.png]
    python benchmarks/figures_emotion_analysis.py --quick --output /tmp/q

Takes two test faces from each dataset (FER2013 PrivateTest, the CK+ paper set,
JAFFE), chosen with a fixed seed among the images of two different emotions, and
draws each beside the 7 class probabilities that a shipped FER2013 model gives it
(``skfer.load_pretrained``, with the prediction settings its accuracy was measured
with). CK+ and JAFFE faces were never seen in training: this is the zero-shot
model. ``--quick``: one face per dataset, into ``emotion_analysis-quick.png`` in
``--output``. Run from the checkout (``PYTHONPATH=.``) or with skfer installed.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from skfer import load_pretrained
from skfer.datasets import load_ckplus, load_fer2013, load_jaffe
from skfer.plotting import plot_emotion_analysis, save_figure

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir, quick_stem  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def pick(target, n, rng):
    """``n`` indices of ``n`` different classes, drawn with ``rng``."""
    classes = rng.choice(np.unique(target), size=n, replace=False)
    return [int(rng.choice(np.flatnonzero(target == c))) for c in classes]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder of fer2013/, ckplus/, jaffe/")
    parser.add_argument("--model", default="fer2013-model3", help="shipped weights")
    parser.add_argument("--per-dataset", type=int, default=2)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", type=Path, help="the figure (default: in --output)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one face per dataset, into emotion_analysis-quick.png",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.per_dataset = 1
    args.out = args.out or quick_stem(args, "emotion_analysis").with_suffix(".png")

    import matplotlib  # lazy: matplotlib.use("Agg") first: figures are files

    matplotlib.use("Agg")

    rng = np.random.default_rng(args.random_state)
    clf = load_pretrained(args.model)
    fer = load_fer2013(data_dir(args.data_dir, "fer2013"), subset="PrivateTest")
    sets = [
        ("FER2013 PrivateTest", fer.data, fer.target),
        ("CK+", *_xy(load_ckplus(data_dir(args.data_dir, "ckplus")))),
        ("JAFFE", *_xy(load_jaffe(data_dir(args.data_dir, "jaffe")))),
    ]
    images, truths, titles = [], [], []
    for name, X, y in sets:
        for i in pick(np.asarray(y), args.per_dataset, rng):
            images.append(np.asarray(X[i]).reshape(48, 48))
            truths.append(y[i])
            titles.append(f"{name}: {y[i]}")
    images = np.stack(images)
    proba = clf.predict_proba(images.reshape(len(images), -1))
    fig = plot_emotion_analysis(
        images, proba, clf.classes_, titles=titles, ncols=args.per_dataset
    )
    fig.suptitle(f"Emotion analysis with {args.model} (zero-shot on CK+ and JAFFE)")
    path = save_figure(fig, args.out)
    hits = int((clf.classes_[proba.argmax(1)] == np.asarray(truths)).sum())
    print(f"wrote {path}: {hits}/{len(images)} faces predicted right")
    return 0


def _xy(bunch):
    return bunch.data, bunch.target


if __name__ == "__main__":
    sys.exit(main())
