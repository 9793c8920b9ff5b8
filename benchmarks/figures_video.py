"""The timeline figure of the video user guide (docs/_static/video_timeline.png).

Usage::

    python benchmarks/figures_video.py [--out docs/_static/video_timeline.png]
    python benchmarks/figures_video.py --quick --output /tmp/q   # smoke run

Trains the ``small`` network for a few epochs on synthetic faces of four emotions
(:func:`skfer.datasets.make_faces`, cropped by the face detector as the video
analysis crops them), writes a 4-second synthetic video of two faces
that move and change expression half way (happy -> surprise, sad -> angry;
:func:`skfer.video.make_face_video`), analyses it with default settings but the
detector (scikit-image's cascade, which finds the drawn faces), smooths
the probabilities with a centred window of 5 frames and draws the timeline
(:func:`skfer.plotting.plot_emotion_timeline`). Runs on CPU in about a minute;
run from the checkout (``PYTHONPATH=.``) or with skfer installed. ``--quick``:
200 faces, 2 epochs and a 1-second video, into ``video_timeline-quick.png`` in
``--output``.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from skfer import FERClassifier
from skfer.datasets import make_faces
from skfer.plotting import plot_emotion_timeline, save_figure
from skfer.preprocessing import extract_faces
from skfer.video import analyse_video, make_face_video, smooth_probabilities

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import quick_stem  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EMOTIONS = ("angry", "happy", "sad", "surprise")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="the figure (default: in --output)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="200 faces, 2 epochs, a 1-second video: into video_timeline-quick.png",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "_static")
    args = parser.parse_args(argv)
    args.out = args.out or quick_stem(args, "video_timeline").with_suffix(".png")
    n_faces, epochs, seconds = (200, 2, 1) if args.quick else (800, 15, 4)

    # Train on faces cropped as the video analysis crops them: 128-pixel synthetic
    # faces on the video's grey background, found by extract_faces with the
    # cascade (the detector of the analysis below: it finds the drawn faces).
    faces = make_faces(n_faces, classes=EMOTIONS, image_size=128, random_state=1)
    X, y = [], []
    for image, label in zip(faces.images, faces.target):
        padded = np.pad(image, 40, constant_values=90)
        _, rows = extract_faces(padded, detector="cascade")
        if len(rows) == 1:
            X.append(rows[0])
            y.append(label)
    clf = FERClassifier(architecture="small", max_epochs=epochs, random_state=0)
    clf.fit(np.asarray(X), np.asarray(y))
    with tempfile.TemporaryDirectory() as folder:
        truth = make_face_video(Path(folder) / "faces.mp4", seconds=seconds, fps=30)
        result = analyse_video(truth["path"], clf, detector="cascade")
    result = smooth_probabilities(result, method="window", window=5)
    fig = plot_emotion_timeline(
        result.time,
        result.proba,
        result.classes,
        tracks=result.track,
        title="two synthetic faces: happy -> surprise and sad -> angry at "
        f"{seconds / 2:g} s",
    )
    print(save_figure(fig, args.out))


if __name__ == "__main__":
    main()
