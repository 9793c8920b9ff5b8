"""ONNXClassifier: an exported skfer model run by onnxruntime, without torch."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..utils import change_prior, check_class_prior, check_units
from ._format import INPUT_NAME, OUTPUT_NAME, decode
from ._views import TTA_OPTIONS, check_rows, rows_to_images, tta_views

__all__ = ["ONNXClassifier"]


class ONNXClassifier:
    """A fitted classifier from an ONNX file of :func:`~skfer.onnx.export_onnx`.

    It runs the file with onnxruntime and needs only numpy, onnxruntime and
    Pillow: neither torch, skorch nor scikit-learn is imported. It predicts like
    the :class:`~skfer.FERClassifier` it was exported from, on the same inputs:
    ``(n, 2304)`` rows or ``(n, 48, 48)`` stacks, uint8 or float, in the units of
    the training images (rows of ``s*s`` pixels when the model was trained on
    ``s x s`` images, resized to 48x48 with Pillow). It is loaded, not trained:
    :meth:`fit` does nothing (as scikit-learn's ``FrozenEstimator``), and the
    fitted attributes are set by the constructor.

    Parameters
    ----------
    path : str or path-like
        An ONNX file written by :meth:`skfer.FERClassifier.to_onnx`,
        :func:`~skfer.onnx.export_onnx` or ``skfer export``.
    tta : {None, "flip", "crops"}, default=None
        Test-time augmentation, applied outside the graph with the views of
        ``FERClassifier(tta=...)``: ``"flip"`` averages each image and its
        mirror image, ``"crops"`` ten shifted crops and mirror images.
        ``metadata_["predict_params"]`` records the setting of the exported
        estimator (the shipped models' accuracy is measured with ``"crops"``).
    class_prior : None, "uniform" or array-like of shape (n_classes,), default=None
        Probabilities under another class prior, after TTA, as
        ``FERClassifier(class_prior=...)``: needs the training labels' counts,
        which files exported by skfer 0.1 record (``metadata_["class_count"]``).
        ``metadata_["predict_params"]`` records the exported estimator's setting.
    batch_size : int, default=256
        Images per call of the onnxruntime session.
    n_threads : int or None, default=None
        Threads of the onnxruntime session (``intra_op_num_threads``); ``None``
        keeps onnxruntime's default (one per physical core).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the probability columns.
    n_features_in_ : int
        Pixels per row the model takes.
    input_range_ : tuple of float
        Pixel units the model was trained in (as ``FERClassifier.input_range_``):
        inputs in the other common units are converted with an
        :class:`~skfer.InputUnitsWarning`, inputs that are not pixels in these
        units refused, row by row.
    metadata_ : dict
        The skfer metadata of the file (architecture, input_range, ...).
    session_ : onnxruntime.InferenceSession
        The session running the graph.

    Examples
    --------
    >>> import os, tempfile
    >>> from skfer import FERClassifier
    >>> from skfer.datasets import make_faces
    >>> from skfer.onnx import ONNXClassifier
    >>> X, y = make_faces(n_samples=40, random_state=0, return_X_y=True)
    >>> clf = FERClassifier("small", max_epochs=1, random_state=0).fit(X, y)
    >>> path = clf.to_onnx(os.path.join(tempfile.mkdtemp(), "model.onnx"))
    >>> onnx_clf = ONNXClassifier(path, tta="flip")
    >>> onnx_clf.predict_proba(X[:2]).shape, onnx_clf.metadata_["architecture"]
    ((2, 7), 'small')
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        tta: str | None = None,
        class_prior: str | ArrayLike | None = None,
        batch_size: int = 256,
        n_threads: int | None = None,
    ) -> None:
        self.path = path
        self.tta = tta
        self.class_prior = class_prior
        self.batch_size = batch_size
        self.n_threads = n_threads
        self._load()

    def _load(self):
        if self.tta not in TTA_OPTIONS:
            raise ValueError(f"tta must be None, 'flip' or 'crops'; got {self.tta!r}.")
        if not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            raise ValueError(
                f"batch_size must be a positive integer; got {self.batch_size!r}."
            )
        try:
            # lazy: onnxruntime is the onnx extra (the error below says so)
            import onnxruntime as ort
        except ImportError as exc:
            raise ImportError(
                "ONNXClassifier needs onnxruntime; install it with "
                "`pip install onnxruntime` (skfer's `onnx` extra)."
            ) from exc
        path = Path(self.path)
        if not path.is_file():
            raise FileNotFoundError(f"ONNX model file not found: {path}")
        options = ort.SessionOptions()
        if self.n_threads is not None:
            options.intra_op_num_threads = int(self.n_threads)
        try:
            session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ValueError(f"{path} is not a readable ONNX model ({exc}).") from exc
        meta = decode(session.get_modelmeta().custom_metadata_map, path)
        self.session_ = session
        self.metadata_ = meta
        self.classes_ = np.asarray(meta["classes"])
        self.n_features_in_ = int(meta["n_features_in"])
        self.input_range_ = tuple(meta["input_range"])
        self._prior = check_class_prior(self.class_prior, self.classes_)
        if self._prior is not None and "class_count" not in meta:
            raise ValueError(
                f"class_prior needs the class frequencies of the model's training "
                f"labels, which {path} does not record (exported before they were "
                "stored); export it again, or use class_prior=None."
            )

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("session_", None)  # onnxruntime sessions do not pickle
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._load()

    def __sklearn_is_fitted__(self):
        return True

    def __sklearn_tags__(self):
        # Only scikit-learn calls this, so it is there to import.
        # lazy: scikit-learn is the torch extra; ONNXClassifier runs without it
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
            input_tags=InputTags(three_d_array=True),
        )

    def fit(self, X: Any = None, y: Any = None) -> ONNXClassifier:
        """Do nothing: the model is trained already. Returns ``self``."""
        return self

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters, as scikit-learn's ``get_params``."""
        return {
            "path": self.path,
            "tta": self.tta,
            "class_prior": self.class_prior,
            "batch_size": self.batch_size,
            "n_threads": self.n_threads,
        }

    def set_params(self, **params: Any) -> ONNXClassifier:
        """Set constructor parameters and reload the file."""
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"Invalid parameter {key!r} for ONNXClassifier.")
            setattr(self, key, value)
        self._load()
        return self

    def __repr__(self):
        prior = (
            "" if self.class_prior is None else f", class_prior={self.class_prior!r}"
        )
        return f"ONNXClassifier({str(self.path)!r}, tta={self.tta!r}{prior})"

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities of each image, as :meth:`FERClassifier.predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
            Images in the units the exported model was trained on.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Float32 probabilities; columns follow ``classes_``.
        """
        rows = check_rows(X, self.n_features_in_)
        # the units rule of FERClassifier, row by row (no torch needed)
        scale = check_units(rows, self.input_range_, what="the ONNX model")
        out = []
        for start in range(0, len(rows), self.batch_size):
            # converted a batch at a time: memory bounded for float or resized rows
            batch = rows_to_images(rows[start : start + self.batch_size], scale=scale)
            views = tta_views(batch, self.tta)
            proba = sum(
                self.session_.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(v)})[
                    0
                ]
                for v in views
            )
            out.append(proba / len(views))
        proba = np.concatenate(out).astype(np.float64)
        if self._prior is None:
            return proba
        counts = np.asarray(self.metadata_["class_count"], dtype=float)
        return change_prior(proba, self._prior, counts)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (``-inf`` for a probability of 0)."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Most probable class of each image.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
