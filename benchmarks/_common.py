"""Helpers shared by the benchmark scripts: machine description and result files."""

import csv
import datetime as _dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
RESULTS = CHECKOUT / "benchmarks" / "results"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(device="cpu"):
    """CPU / GPU, thread count and library versions, for results files."""
    import numpy
    import sklearn
    import skorch
    import torch

    import skfer

    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "skfer": skfer.__version__,
        "device": str(device),
    }
    if str(device).startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    try:
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def command_line():
    """The command that is running, as one could type it again.

    Arguments inside the cache folder are written ``$SKFER_CACHE/...`` (results
    name no folder of the machine that made them).
    """
    from skfer.datasets import cache_relative

    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(Path.cwd())
    except ValueError:
        pass
    args = []
    for arg in sys.argv[1:]:
        cached = cache_relative(arg) if arg.startswith(os.sep) else None
        args.append(cached if cached is not None else shlex.quote(arg))
    return " ".join(["python", shlex.quote(str(script)), *args])


def now():
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def read_json(path):
    path = Path(path)
    if path.is_file():
        return json.loads(path.read_text())
    return {}


def write_json(path, data):
    """Write JSON atomically (a half-written results file is never left behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def shown_path(path):
    """``path`` relative to the checkout, or ``$SKFER_CACHE/...`` (results name no
    machine)."""
    from skfer.datasets import cache_relative

    try:
        return Path(path).resolve().relative_to(CHECKOUT).as_posix()
    except ValueError:
        return cache_relative(path) or str(path)


def weights_path(shown):
    """The file behind a results row's ``weights`` (see :func:`shown_path`)."""
    from skfer.datasets import get_cache_home

    prefix = "$SKFER_CACHE/"
    if shown.startswith(prefix):
        return Path(get_cache_home()) / shown[len(prefix) :]
    return CHECKOUT / shown


def data_dir(value, name):
    """Folder of dataset ``name`` from ``--data-dir`` or ``SKFER_DATA``."""
    root = value or os.environ.get("SKFER_DATA")
    if not root:
        raise SystemExit(
            f"No data folder: pass --data-dir or set SKFER_DATA to the folder holding "
            f"{name}/."
        )
    root = Path(root).expanduser()
    return root / name if (root / name).is_dir() else root


# ------------------------------------------------------------- real photos
# The photos of JAFFE and CK+ as users have them, split by subject into a
# validation part (choosing models and settings) and a test part (the headline);
# shared by photos.py and the FER+ / multi-dataset benchmarks.
VALIDATION_SHARE = 0.3  # of the subjects of each dataset


def load_jaffe_photos(root):
    """The 213 JAFFE originals: gray images, canonical labels, subjects."""
    import numpy as np
    from PIL import Image

    from skfer.datasets import canonical_emotion

    images, labels, subjects = [], [], []
    for path in sorted(root.glob("*.tiff")):
        with Image.open(path) as image:
            images.append(np.asarray(image.convert("L")))
        labels.append(canonical_emotion(path.name[3:5]))
        subjects.append(path.name[:2])
    return images, labels, subjects


def load_ckplus_photos(root):
    """CK+ peak frames of the labelled sequences and their neutral first frames."""
    import numpy as np
    from PIL import Image

    from skfer.datasets import canonical_emotion

    with open(root / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows = [r for r in rows if r["seq_has_official_emotion_label"] == "1"]
    images, labels, subjects = [], [], []
    for row in rows:
        label = canonical_emotion(row["label"])
        with Image.open(root / row["file"]) as image:
            images.append(np.asarray(image.convert("L")))
        labels.append("disgust" if label == "contempt" else label)  # paper protocol
        subjects.append(row["subject"])
    return images, labels, subjects


def split_subjects(subjects, share=VALIDATION_SHARE, seed=0):
    """``"validation"`` or ``"test"`` for each image, drawn by subject."""
    import numpy as np  # the speed benchmark's workers import this module bare

    people = sorted(set(subjects))
    rng = np.random.default_rng(seed)
    chosen = set(rng.permutation(people)[: max(1, round(share * len(people)))])
    return ["validation" if s in chosen else "test" for s in subjects]


# ------------------------------------------------------- benchmark worker processes
# speed.py times each engine in its own long-lived process, driven over pipes with
# one JSON object per line: the parent writes {"cmd": NAME, "args": {...}}, the
# worker answers {"ok": true, "result": ...} or {"ok": false, "error": "..."}. The
# worker's own stdout is redirected to stderr so that library output never mixes
# with the answers. This part imports nothing but the standard library: the Keras
# worker runs under another interpreter, without torch or skfer.


def serve(handlers):
    """Answer requests on stdin with ``handlers[cmd](**args)`` until ``quit``/EOF."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request["cmd"] == "quit":
            break
        try:
            result = handlers[request["cmd"]](**request.get("args", {}))
            answer = {"ok": True, "result": result}
        except Exception as exc:  # reported to the parent, which decides
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
    answers.close()


class WorkerError(RuntimeError):
    """A benchmark worker failed to start or answered with an error."""


class Worker:
    """The parent's end of one :func:`serve` process.

    Parameters
    ----------
    name : str
        Label for messages.
    command : list of str
        The worker's command line.
    env : dict or None
        Extra environment variables.
    """

    def __init__(self, name, command, env=None):
        import subprocess

        self.name = name
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the worker's messages go to the parent's stderr
            text=True,
            bufsize=1,
            env={**os.environ, **(env or {})},
        )

    def call(self, cmd, **args):
        """Send one request and wait for its answer (``WorkerError`` on failure)."""
        try:
            self.proc.stdin.write(json.dumps({"cmd": cmd, "args": args}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError(f"{self.name}: worker exited ({exc})") from exc
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(
                f"{self.name}: worker exited (code {self.proc.wait()}) during {cmd!r}"
            )
        answer = json.loads(line)
        if not answer["ok"]:
            raise WorkerError(f"{self.name}: {cmd} failed: {answer['error']}")
        return answer["result"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=60)
            except Exception:
                self.proc.kill()
                self.proc.wait()


def timed_best(candidates, run):
    """Warm up and time ``run(candidate)`` for each candidate; the fastest one.

    ``run`` returns images/s; each candidate runs twice and the second is kept
    (the first compiles, traces, allocates). Returns ``(best, {candidate: rate})``.
    """
    rates = {}
    for c in candidates:
        run(c)
        rates[c] = run(c)
    best = max(rates, key=rates.get)
    return best, {str(k): v for k, v in rates.items()}
