"""One torch engine of ``benchmarks/speed.py``, served in its own process.

Run by ``speed.py`` (never by hand) as ``python _speed_worker.py ENGINE``, with
ENGINE one of:

- ``skfer``: ``FERClassifier.fit`` epochs (``partial_fit``, the epoch time skorch
  records) and ``predict_proba``, ``precision="auto"``;
- ``eager``: a minimal PyTorch float32 loop on the same modules (default memory
  format, ``torch.optim.Adam`` defaults, no autocast), images already scaled on the
  device, and ``torch.no_grad`` prediction with a softmax;
- ``onnx``: prediction only, :class:`skfer.onnx.ONNXClassifier` (onnxruntime) on the
  file ``FERClassifier.to_onnx`` writes.

It answers the requests of ``_workers.Worker`` (JSON lines, see ``_workers.serve``):
``setup`` (data, model, warm-up and choice of batch sizes; untimed by the parent),
``train_epoch``, ``predict`` and ``latency``, each timed here, around the work only.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from _common import synthetic_images  # noqa: E402
from _workers import serve, timed_best  # noqa: E402

from skfer import FERClassifier  # noqa: E402
from skfer.models import build_model  # noqa: E402
from skfer.onnx import ONNXClassifier  # noqa: E402
from skfer.utils import resolve_precision  # noqa: E402


def _timed(fn):
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def _latency(fn, calls):
    """Median wall and CPU time of ``fn()`` in ms, after 10 warm-up calls."""
    for _ in range(10):
        fn()
    wall, cpu = [], []
    for _ in range(calls):
        w, c = _timed(fn)
        wall.append(1000 * w)
        cpu.append(1000 * c)
    return {
        "median_ms": statistics.median(wall),
        "p90_ms": sorted(wall)[int(0.9 * (len(wall) - 1))],
        "cpu_median_ms": statistics.median(cpu),
    }


class Engine:
    """State of one engine between requests; subclasses fill in the work."""

    trains = True

    def setup(
        self,
        arch,
        n_train,
        n_predict,
        train_batches,
        predict_batches,
        warm_n,
        threads=None,
        device="cpu",
    ):
        if threads:
            torch.set_num_threads(threads)
        self.threads = threads
        self.device = device
        self.n_train, self.n_predict = n_train, n_predict
        self.X, self.y = synthetic_images(max(n_train, n_predict))
        self.build(arch)
        info = {"threads": torch.get_num_threads(), "warmup_images_per_s": {}}
        if self.trains:
            self.train_batch, rates = timed_best(
                train_batches, lambda b: self.train_rate(b, warm_n)
            )
            info["train_batch"] = self.train_batch
            info["warmup_images_per_s"]["train"] = rates
        self.predict_batch, rates = timed_best(
            predict_batches, lambda b: self.predict_rate(b, warm_n)
        )
        info["predict_batch"] = self.predict_batch
        info["warmup_images_per_s"]["predict"] = rates
        info.update(self.describe())
        return info

    def describe(self):
        return {}

    def train_epoch(self):
        seconds, cpu = self.epoch(self.train_batch, self.n_train)
        return {"seconds": seconds, "cpu_seconds": cpu, "images": self.n_train}

    def predict(self):
        seconds, cpu = self.run_predict(self.predict_batch, self.n_predict)
        return {"seconds": seconds, "cpu_seconds": cpu, "images": self.n_predict}

    def train_rate(self, batch, n):
        return n / self.epoch(batch, n)[0]

    def predict_rate(self, batch, n):
        return n / self.run_predict(batch, n)[0]

    def handlers(self):
        return {
            "setup": self.setup,
            "train_epoch": self.train_epoch,
            "predict": self.predict,
            "latency": self.latency,
        }


class SkferEngine(Engine):
    def build(self, arch):
        self.clf = FERClassifier(
            arch,
            max_epochs=1,
            validation_fraction=None,
            random_state=0,
            device=self.device,
            verbose=0,
        )
        self.clf.partial_fit(self.X[:256], self.y[:256])

    def describe(self):
        dtype = resolve_precision(self.clf.precision, self.device)
        return {"precision": self.clf.precision, "compute_dtype": str(dtype)}

    def epoch(self, batch, n):
        self.clf.set_params(batch_size=batch)
        cpu = time.process_time()
        self.clf.partial_fit(self.X[:n], self.y[:n])
        # skorch's epoch time: the loop over batches, not the input checks.
        return self.clf.history_[-1]["dur"], time.process_time() - cpu

    def run_predict(self, batch, n):
        # predict_proba uses batches of max(batch_size, 256).
        self.clf.set_params(batch_size=batch)
        X = self.X[:n]
        return _timed(lambda: self.clf.predict_proba(X))

    def latency(self, calls):
        one = self.X[:1]
        return _latency(lambda: self.clf.predict(one), calls)


class EagerEngine(Engine):
    """A minimal PyTorch float32 loop: what a user would write without skfer."""

    def build(self, arch):
        dev = torch.device(self.device)
        self.images = (
            torch.from_numpy(self.X).float().div_(255).reshape(-1, 1, 48, 48).to(dev)
        )
        self.labels = torch.from_numpy(self.y).long().to(dev)
        torch.manual_seed(0)
        self.model = build_model(arch, n_classes=7).to(dev)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()

    def _sync(self):
        if torch.device(self.device).type == "cuda":
            torch.cuda.synchronize()

    def epoch(self, batch, n):
        def run():
            self.model.train()
            order = torch.randperm(n, device=self.images.device)
            for i in range(0, n, batch):
                idx = order[i : i + batch]
                self.optimizer.zero_grad()
                loss = self.loss_fn(self.model(self.images[idx]), self.labels[idx])
                loss.backward()
                self.optimizer.step()
            self._sync()

        return _timed(run)

    def run_predict(self, batch, n):
        xp = self.images[:n]

        def run():
            self.model.eval()
            with torch.no_grad():
                torch.cat(
                    [
                        torch.softmax(self.model(xp[i : i + batch]), 1)
                        for i in range(0, n, batch)
                    ]
                ).cpu()

        return _timed(run)

    def latency(self, calls):
        one = self.images[:1]
        self.model.eval()

        def run():
            with torch.no_grad():
                torch.softmax(self.model(one), 1).cpu()

        return _latency(run, calls)


class OnnxEngine(Engine):
    """onnxruntime through skfer.onnx.ONNXClassifier; prediction only."""

    trains = False

    def build(self, arch):
        clf = FERClassifier(
            arch, max_epochs=1, validation_fraction=None, random_state=0, verbose=0
        ).fit(self.X[:256], self.y[:256])
        self._tmp = tempfile.TemporaryDirectory()
        path = clf.to_onnx(Path(self._tmp.name) / f"{arch}.onnx")
        self.clf = ONNXClassifier(path, n_threads=self.threads)

    def describe(self):
        # lazy: onnxruntime (the onnx extra), for the onnx engine only
        import onnxruntime

        return {"onnxruntime": onnxruntime.__version__}

    def run_predict(self, batch, n):
        self.clf.batch_size = int(batch)
        X = self.X[:n]
        return _timed(lambda: self.clf.predict_proba(X))

    def latency(self, calls):
        one = self.X[:1]
        return _latency(lambda: self.clf.predict(one), calls)


ENGINES = {"skfer": SkferEngine, "eager": EagerEngine, "onnx": OnnxEngine}

if __name__ == "__main__":
    serve(ENGINES[sys.argv[1]]().handlers())
