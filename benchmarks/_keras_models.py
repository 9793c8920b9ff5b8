"""Keras 3 reference implementations of the paper's Models 1-3, and their timings.

Used by ``benchmarks/speed.py`` as the Keras/TensorFlow comparison: there each
policy is a long-lived worker (``--serve POLICY``, :class:`KerasEngine`) that the
parent times interleaved with the torch engines. It is run as a
script in a separate process (so that TensorFlow's and torch's thread pools never
share one process), with any interpreter that has ``tensorflow`` (e.g. a venv made
with ``pip install tensorflow-cpu``); it needs neither torch nor skfer::

    python benchmarks/_keras_models.py --models model1,model2 --epochs 3

It prints one JSON object: per model and policy (``float32``, ``mixed_bfloat16``),
training images/s (full ``model.fit`` epochs, the first one, which traces the
graph, excluded), inference images/s of ``model.predict`` and the median latency of
``model.predict_on_batch`` on one image.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The Model 3 widths of skfer.models.PaperModel3; speed.py passes the current ones.
MODEL3_WIDTHS = (16, 32, 64, 128, 128, 256)
MODEL3_DENSE = (512, 256, 128)


def build(name, n_classes=7, widths=MODEL3_WIDTHS, dense_widths=MODEL3_DENSE):
    """The Keras twin of ``skfer.models.build_model(name)``; logits out, float32."""
    # lazy: tensorflow lives in a venv of its own; `--help` runs without it
    import keras
    from keras import layers

    head = layers.Dense(n_classes, dtype="float32", name="head")
    x = inputs = keras.Input((48, 48, 1))
    if name == "model1":
        x = layers.Conv2D(64, 5, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Conv2D(128, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Flatten()(x)
        for _ in range(2):
            x = layers.Dense(1024, activation="relu")(x)
            x = layers.Dropout(0.5)(x)
    elif name == "model2":
        x = layers.Conv2D(64, 5, activation="relu")(x)
        x = layers.MaxPooling2D(5, strides=2)(x)
        x = layers.Conv2D(64, 3, activation="relu")(x)
        x = layers.Conv2D(64, 3, activation="relu")(x)
        x = layers.AveragePooling2D(3, strides=2)(x)
        x = layers.Conv2D(128, 3, activation="relu")(x)
        x = layers.Conv2D(128, 3, activation="relu")(x)
        x = layers.AveragePooling2D(3, strides=2)(x)
        x = layers.Flatten()(x)
        for _ in range(2):
            x = layers.Dense(1024, activation="relu")(x)
            x = layers.Dropout(0.2)(x)
    elif name == "model3":

        def conv_bn_relu(x, width):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            return layers.ReLU()(x)

        w = list(widths)
        blocks = [w[0:2], w[2:4], w[4:5], w[5:6]]
        for block in blocks:
            for width in block:
                x = conv_bn_relu(x, width)
            x = layers.MaxPooling2D(2)(x)
            x = layers.Dropout(0.2)(x)
        x = layers.Flatten()(x)
        for width in dense_widths:
            x = layers.Dense(width, use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.ReLU()(x)
            x = layers.Dropout(0.4)(x)
    else:
        raise ValueError(f"No Keras twin for architecture {name!r}.")
    return keras.Model(inputs, head(x), name=name)


def _epoch_timer():
    """A Keras callback recording the wall time of each epoch in ``.durations``."""
    # lazy: tensorflow lives in a venv of its own; `--help` runs without it
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.durations = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.durations.append(time.perf_counter() - self._start)

    return EpochTimer()


def measure(
    name,
    policy,
    *,
    n_train,
    n_predict,
    epochs,
    batch_size,
    latency_calls,
    widths,
    dense_widths,
):
    # lazy: tensorflow lives in a venv of its own; `--help` runs without it
    import keras

    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    X = rng.random((max(n_train, n_predict), 48, 48, 1), dtype=np.float32)
    y = rng.integers(0, 7, len(X))
    model = build(name, widths=widths, dense_widths=dense_widths)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    timer = _epoch_timer()
    model.fit(
        X[:n_train],
        y[:n_train],
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        callbacks=[timer],
    )
    timed = timer.durations[1:] or timer.durations
    train = n_train / (sum(timed) / len(timed))

    predict_batch = max(batch_size, 256)
    model.predict(X[:predict_batch], batch_size=predict_batch, verbose=0)
    start = time.perf_counter()
    model.predict(X[:n_predict], batch_size=predict_batch, verbose=0)
    predict = n_predict / (time.perf_counter() - start)

    one = X[:1]
    for _ in range(5):
        model.predict_on_batch(one)
    lat = []
    for _ in range(latency_calls):
        start = time.perf_counter()
        model.predict_on_batch(one)
        lat.append(time.perf_counter() - start)
    keras.mixed_precision.set_global_policy("float32")
    return {
        "train_images_per_s": train,
        "train_epoch_s": timer.durations,
        "predict_images_per_s": predict,
        "latency_ms_median": 1000 * float(np.median(lat)),
        "jit_compile": bool(getattr(model, "jit_compile", False)),
        "params": int(model.count_params()),
    }


class KerasEngine:
    """One Keras policy as an engine of ``speed.py`` (``--serve POLICY``).

    Answers the same requests as the torch engines of ``_speed_worker.py``:
    ``setup`` builds and compiles the model, warms it up at each candidate batch
    size and keeps the fastest; ``train_epoch`` times one ``model.fit`` epoch (an
    epoch-timer callback, so the per-call set-up of ``fit`` is not counted, as
    skorch's epoch time does not count ``fit``'s); ``predict`` times
    ``model.predict`` with its softmax; ``latency`` times ``predict_on_batch`` of
    one image.
    """

    def __init__(self, policy):
        self.policy = policy

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
        widths=MODEL3_WIDTHS,
        dense_widths=MODEL3_DENSE,
    ):
        # lazy: tensorflow lives in a venv of its own; `--help` runs without it
        import tensorflow as tf

        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        # lazy: tensorflow lives in a venv of its own; `--help` runs without it
        import keras

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        # lazy: _workers is importable once this folder is on sys.path (line above)
        from _workers import timed_best

        keras.mixed_precision.set_global_policy(self.policy)
        keras.utils.set_random_seed(0)
        rng = np.random.default_rng(0)
        n = max(n_train, n_predict)
        self.X = rng.random((n, 48, 48, 1), dtype=np.float32)
        self.y = rng.integers(0, 7, n)
        self.n_train, self.n_predict = n_train, n_predict
        self.model = build(arch, widths=tuple(widths), dense_widths=tuple(dense_widths))
        self.model.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        self.softmax = keras.layers.Softmax(dtype="float32")
        self.train_batch, train_rates = timed_best(
            train_batches, lambda b: warm_n / self._epoch(b, warm_n)[0]
        )
        self.predict_batch, predict_rates = timed_best(
            predict_batches, lambda b: warm_n / self._predict(b, warm_n)[0]
        )
        return {
            "train_batch": self.train_batch,
            "predict_batch": self.predict_batch,
            "warmup_images_per_s": {"train": train_rates, "predict": predict_rates},
            "policy": self.policy,
            "jit_compile": bool(getattr(self.model, "jit_compile", False)),
            "params": int(self.model.count_params()),
            "versions": versions(),
        }

    def _epoch(self, batch, n):
        timer = _epoch_timer()
        cpu = time.process_time()
        self.model.fit(
            self.X[:n],
            self.y[:n],
            batch_size=batch,
            epochs=1,
            verbose=0,
            callbacks=[timer],
        )
        return timer.durations[0], time.process_time() - cpu

    def _predict(self, batch, n):
        start, cpu = time.perf_counter(), time.process_time()
        logits = self.model.predict(self.X[:n], batch_size=batch, verbose=0)
        self.softmax(logits)
        return time.perf_counter() - start, time.process_time() - cpu

    def train_epoch(self):
        seconds, cpu = self._epoch(self.train_batch, self.n_train)
        return {"seconds": seconds, "cpu_seconds": cpu, "images": self.n_train}

    def predict(self):
        seconds, cpu = self._predict(self.predict_batch, self.n_predict)
        return {"seconds": seconds, "cpu_seconds": cpu, "images": self.n_predict}

    def latency(self, calls):
        one = self.X[:1]
        for _ in range(5):
            self.model.predict_on_batch(one)
        wall, cpu = [], []
        for _ in range(calls):
            start, c = time.perf_counter(), time.process_time()
            self.model.predict_on_batch(one)
            wall.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - c))
        return {
            "median_ms": statistics.median(wall),
            "p90_ms": sorted(wall)[int(0.9 * (len(wall) - 1))],
            "cpu_median_ms": statistics.median(cpu),
        }

    def handlers(self):
        return {
            "setup": self.setup,
            "train_epoch": self.train_epoch,
            "predict": self.predict,
            "latency": self.latency,
        }


def versions():
    # lazy: tensorflow lives in a venv of its own; `--help` runs without it
    import keras
    import tensorflow as tf

    return {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads()
        or "default (all cores)",
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="model1,model2,model3")
    parser.add_argument("--policies", default="float32,mixed_bfloat16")
    parser.add_argument("--n-train", type=int, default=4096)
    parser.add_argument("--n-predict", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latency-calls", type=int, default=100)
    parser.add_argument("--threads", type=int, default=0, help="0: TF's default")
    parser.add_argument("--model3-widths", default=",".join(map(str, MODEL3_WIDTHS)))
    parser.add_argument("--model3-dense", default=",".join(map(str, MODEL3_DENSE)))
    parser.add_argument(
        "--serve",
        default=None,
        metavar="POLICY",
        help="serve speed.py's requests for one policy (see KerasEngine)",
    )
    args = parser.parse_args(argv)
    if args.serve:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        # lazy: _workers is importable once this folder is on sys.path (line above)
        from _workers import serve

        serve(KerasEngine(args.serve).handlers())
        return

    # lazy: tensorflow lives in a venv of its own; `--help` runs without it
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)

    widths = tuple(int(v) for v in args.model3_widths.split(","))
    dense = tuple(int(v) for v in args.model3_dense.split(","))
    results = {}
    for name in args.models.split(","):
        for policy in args.policies.split(","):
            results.setdefault(name, {})[policy] = measure(
                name,
                policy,
                n_train=args.n_train,
                n_predict=args.n_predict,
                epochs=args.epochs,
                batch_size=args.batch_size,
                latency_calls=args.latency_calls,
                widths=widths,
                dense_widths=dense,
            )
            print(f"keras {name} {policy}: {results[name][policy]}", file=sys.stderr)
    json.dump({"versions": versions(), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
