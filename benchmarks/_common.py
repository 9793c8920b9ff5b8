"""Helpers shared by the benchmark scripts: machine description and result files."""

import datetime as _dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


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
    """The command that is running, as one could type it again."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(Path.cwd())
    except ValueError:
        pass
    return " ".join(
        ["python", shlex.quote(str(script)), *map(shlex.quote, sys.argv[1:])]
    )


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
