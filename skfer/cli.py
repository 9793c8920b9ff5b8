"""The ``skfer`` command line: a thin layer over the public API."""

import argparse
import sys
import time

__all__ = ["main"]


def _demo(args):
    import numpy as np
    from sklearn.model_selection import train_test_split

    from . import FERClassifier
    from .datasets import make_faces

    t0 = time.perf_counter()
    print("skfer demo: synthetic faces (no dataset given)")
    Xs, ys = make_faces(args.n_source, random_state=args.random_state, return_X_y=True)
    target = make_faces(
        args.n_target, classes=("happy", "sad", "surprise", "neutral"), noise=0.1,
        random_state=args.random_state + 1,
    )
    Xt_tr, Xt_te, yt_tr, yt_te = train_test_split(
        target.data, target.target, test_size=0.5, stratify=target.target,
        random_state=args.random_state,
    )
    params = dict(architecture=args.model, batch_size=32, lr=3e-3,
                  random_state=args.random_state, verbose=args.verbose)
    print(f"1. train {args.model} on {len(ys)} source faces (7 emotions)")
    source = FERClassifier(max_epochs=args.epochs, **params).fit(Xs, ys)
    print(f"   source validation accuracy {source.history_[-1]['valid_acc']:.3f}")
    weights = source.save_weights(args.output / "source.safetensors")
    print(f"   weights saved to {weights}")
    print(f"2. target: {len(yt_tr)} training / {len(yt_te)} test faces, 4 emotions")
    rows = []
    for name, extra in [("scratch", {}), ("fine-tuned", {"pretrained": weights})]:
        clf = FERClassifier(max_epochs=args.target_epochs, validation_fraction=None,
                            **{**params, "architecture": None if extra else args.model},
                            **extra).fit(Xt_tr, yt_tr)
        rows.append((name, clf.score(Xt_te, yt_te)))
    print("3. target test accuracy")
    for name, acc in rows:
        print(f"   {name:<11} {acc:.3f}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0 if np.isfinite(rows[0][1]) else 1


def build_parser():
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="skfer", description="Facial expression recognition with skfer."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train, fine-tune and compare on synthetic faces")
    demo.add_argument("--model", default="small", help="architecture (default: small)")
    demo.add_argument("--epochs", type=int, default=8)
    demo.add_argument("--target-epochs", type=int, default=15)
    demo.add_argument("--n-source", type=int, default=700)
    demo.add_argument("--n-target", type=int, default=80)
    demo.add_argument("--output", type=Path, default=Path("skfer-demo"))
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--verbose", type=int, default=0)
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    """Entry point of the ``skfer`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"skfer: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
