"""Helpers shared by the benchmark scripts.

- the machine: :func:`cpu_model`, :func:`cpu_flags`, :func:`usable_cores`,
  :func:`load_average`, :func:`machine_info` (what every results file records)
  and :func:`hardware_line` (the one line a results page gives it);
- results files: :func:`command_line`, :func:`now`, :func:`read_json`,
  :func:`write_json`, :func:`write_text` (the one writer: atomic),
  :func:`shown_path`, :func:`weights_path`, :func:`data_dir`;
- results pages: :func:`page` (the table first, then the protocol, the command
  and the hardware, one line each), :func:`add_markdown_only` and
  :func:`quick_stem` (where a ``--quick`` run writes);
- the photos of JAFFE and CK+ split by subject (``photos.py``, ``ferplus.py``);
- :func:`synthetic_images` (speed measurements).

The worker processes of the speed benchmark talk through ``_workers.py``.

skfer is imported inside the functions that need it, so that importing this
module stays cheap.
"""

import csv
import datetime as _dt
import hashlib
import importlib
import json
import os
import platform
import shlex
import sys
from pathlib import Path

import numpy as np
from PIL import Image

CHECKOUT = Path(__file__).resolve().parents[1]
RESULTS = CHECKOUT / "benchmarks" / "results"


# ------------------------------------------------------------------ the machine
def _cpuinfo_line(prefix):
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo``, else what ``platform`` knows)."""
    return _cpuinfo_line("model name") or platform.processor() or platform.machine()


def cpu_flags():
    """The CPU's feature flags (``avx512_bf16``, ...); empty where unknown."""
    return set((_cpuinfo_line("flags") or "").split())


def usable_cores():
    """The cores this process may run on (its affinity), else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average():
    """The 1-, 5- and 15-minute load averages, rounded (the machine may be shared)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info(device="cpu", libraries=()):
    """CPU / GPU, cores, threads and library versions, for results files.

    ``libraries``: further modules whose ``__version__`` to record (e.g.
    ``("PIL", "skimage")``).
    """
    # lazy: importing _common stays cheap (startup.py): torch only when used
    import sklearn
    import skorch
    import torch

    import skfer

    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "skfer": skfer.__version__,
        "device": str(device),
    }
    for name in libraries:
        info[name] = importlib.import_module(name).__version__
    if str(device).startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    info["load_average_at_start"] = load_average()
    return info


def hardware_line(machine, threads=None, load=None):
    """One line for a results page: CPU (GPU), cores, versions, load average.

    ``machine`` is what :func:`machine_info` recorded (older results files name
    some fields differently: ``cpu_model``, ``cpu_count``); ``threads`` overrides
    the torch thread count shown; ``load`` is the load average to show (default:
    the one at start, where recorded).
    """
    cpu = machine.get("cpu") or machine.get("cpu_model", "unknown CPU")
    cores = machine.get("cores") or machine.get("cpu_count")
    parts = [cpu if "gpu" not in machine else f"{machine['gpu']} on {cpu}"]
    if cores:
        parts[0] += f", {cores} cores"
    if threads is None:
        threads = machine.get("torch_threads")
    versions = [
        f"{name} {machine[key]}"
        for name, key in (
            ("Python", "python"),
            ("torch", "torch"),
            ("numpy", "numpy"),
            ("Pillow", "pillow"),
            ("Pillow", "PIL"),
            ("scikit-image", "scikit-image"),
            ("scikit-image", "skimage"),
            ("skfer", "skfer"),
        )
        if key in machine
    ]
    if versions:
        parts.append(", ".join(versions))
    if threads:
        parts.append(f"{threads} torch thread{'s' if threads != 1 else ''}")
    if load is None:
        load = machine.get("load_average_at_start")
    if load:
        parts.append(f"load average {load}")
    return "; ".join(parts)


# ---------------------------------------------------------------- results files
def command_line():
    """The command that is running, as one could type it again.

    Arguments inside the cache folder are written ``$SKFER_CACHE/...`` (results
    name no folder of the machine that made them).
    """
    # lazy: importing _common stays cheap: skfer (scikit-learn) only when used
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


def write_text(path, text):
    """Write a text file atomically (a half-written file is never left behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_json(path, data):
    """Write JSON atomically (:func:`write_text`)."""
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def shown_path(path):
    """``path`` relative to the checkout, or ``$SKFER_CACHE/...`` (results name no
    machine)."""
    # lazy: importing _common stays cheap: skfer (scikit-learn) only when used
    from skfer.datasets import cache_relative

    try:
        return Path(path).resolve().relative_to(CHECKOUT).as_posix()
    except ValueError:
        return cache_relative(path) or str(path)


def weights_path(shown):
    """The file behind a results row's ``weights`` (see :func:`shown_path`)."""
    # lazy: importing _common stays cheap: skfer (scikit-learn) only when used
    from skfer.datasets import get_cache_home

    prefix = "$SKFER_CACHE/"
    if shown.startswith(prefix):
        return Path(get_cache_home()) / shown[len(prefix) :]
    return CHECKOUT / shown


# ----------------------------------------------------------------- results pages
def page(title, body, protocol, command, hardware):
    """A results page: the title, ``body`` (tables first), then the protocol, the
    command and the hardware, one line each. Run logistics stay in the JSON."""
    lines = [f"# {title}", "", *body]
    while lines and not lines[-1]:
        lines.pop()
    lines += [
        "",
        f"- **Protocol**: {protocol}",
        f"- **Command**: {command}",
        f"- **Hardware**: {hardware}",
    ]
    return "\n".join(lines) + "\n"


def ran(command, date):
    """The command cell of :func:`page`: the command and when it ran."""
    return f"`{command}` ({date})"


def add_markdown_only(parser, json_name):
    """The ``--markdown-only`` option: write the page again from the JSON."""
    parser.add_argument(
        "--markdown-only",
        action="store_true",
        help=f"measure nothing: write the results page again from {json_name}",
    )


def quick_stem(args, name):
    """``<--output>/<name>``, or ``<name>-quick`` with ``--quick``: a smoke run
    never overwrites the results of a full one."""
    return Path(args.output) / (f"{name}-quick" if args.quick else name)


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
    # lazy: importing _common stays cheap: skfer (scikit-learn) only when used
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
    # lazy: importing _common stays cheap: skfer (scikit-learn) only when used
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
    people = sorted(set(subjects))
    rng = np.random.default_rng(seed)
    chosen = set(rng.permutation(people)[: max(1, round(share * len(people)))])
    return ["validation" if s in chosen else "test" for s in subjects]


def synthetic_images(n, seed=0):
    """``n`` random uint8 48x48 images as rows, 7 balanced labels (speed
    measurements: the timings do not depend on the pixels)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, (n, 48 * 48), dtype=np.uint8)
    return X, np.arange(n) % 7


def run_folder(prefix, identity, args):
    """The checkpoint folder of a training run: ``<prefix>-<tag>``, the tag a hash
    of ``identity`` (everything that sets the run's result), under ``--output``'s
    ``runs/`` for a ``--quick`` run, else under the cache's ``runs/``."""
    # lazy: skfer.datasets loads scikit-learn; _common stays cheap to import
    from skfer.datasets import get_cache_home

    key = json.dumps(identity, sort_keys=True)
    tag = hashlib.sha256(key.encode()).hexdigest()[:12]
    root = Path(args.output) / "runs" if args.quick else Path(get_cache_home()) / "runs"
    return root / f"{prefix}-{tag}"
