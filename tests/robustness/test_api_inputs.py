"""Bad inputs and faults at the Python API, one row each, with the outcome expected.

Each row names a case, the call, and the kind of outcome: ``error`` (an exception
of the given type whose message contains a substring naming the argument),
``warning`` (the call works and warns, message included) or ``works`` (no error,
no warning of skfer's). A row may also check the result, so that "works" never
hides a wrong answer (e.g. float [0, 1] images must score like uint8 ones).
``python -m pytest tests/robustness -q`` re-measures the count; ``CASES`` is the
list to extend.
"""

import pickle
import warnings
from dataclasses import dataclass

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_validate

from skfer import (
    FERClassifier,
    InputUnitsWarning,
    ensemble_from_fitted,
    load_pretrained,
)
from skfer.datasets import make_faces
from skfer.over_sampling import AugmentationOverSampler
from skfer.preprocessing import FaceCropper, detect_faces, extract_faces


def small(**params):
    defaults = dict(
        architecture="small",
        max_epochs=2,
        batch_size=32,
        validation_fraction=None,
        precision="float32",
        random_state=0,
    )
    return FERClassifier(**{**defaults, **params})


@dataclass
class Case:
    name: str
    call: object  # function(data) -> result
    outcome: str  # "error", "warning" or "works"
    kind: type = None  # the exception or warning class
    match: str = ""  # a substring of its message (names the argument)
    check: object = None  # function(result, data) -> bool, for "works"/"warning"


class Data:
    """Shared inputs and fitted models, built once and on demand."""

    def __init__(self):
        self.X, self.y = make_faces(n_samples=84, random_state=0, return_X_y=True)
        self.X3, self.y3 = make_faces(
            n_samples=60,
            classes=("happy", "sad", "surprise"),
            random_state=1,
            return_X_y=True,
        )
        self._cache = {}

    def get(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def byte_model(self):
        """A model trained on uint8 0-255 pixels."""
        return self.get("byte", lambda: small().fit(self.X3, self.y3))

    @property
    def unit_model(self):
        """A model trained on floats in [0, 1]."""
        return self.get("unit", lambda: small().fit(self.X3 / 255.0, self.y3))

    @property
    def pretrained(self):
        return self.get("pretrained", lambda: load_pretrained("fer2013-model3"))

    @property
    def photo(self):
        from skimage import data

        return data.astronaut()


def _same(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b))


def _close(a, b, atol=1e-5):
    return np.allclose(np.asarray(a), np.asarray(b), atol=atol)


def _resize_rows(X, side):
    import torch
    import torch.nn.functional as F

    images = torch.as_tensor(X.reshape(-1, 1, 48, 48), dtype=torch.float32)
    big = F.interpolate(images, size=(side, side), mode="bilinear")
    return big.numpy().reshape(len(X), -1).round().clip(0, 255).astype(np.uint8)


def _ambiguous(X):
    """[0, 1] floats with a handful of values above 1 (noise, say)."""
    Z = X / 255.0
    Z.flat[:5] = 1.5
    return Z


def _warm_refit(d, **changes):
    clf = small(warm_start=True).fit(d.X3, d.y3)
    return clf.set_params(**changes).fit(d.X3, d.y3)


def _with_routing(fn):
    def call(d):
        with sklearn.config_context(enable_metadata_routing=True):
            return fn(d)

    return call


def _weighted_fit(clf):
    """Route sample_weight to fit only (score stays unweighted)."""
    return clf.set_fit_request(sample_weight=True).set_score_request(
        sample_weight=False
    )


def _fine_tune(X, d):
    return small(pretrained="fer2013-model3", architecture=None, max_epochs=1).fit(
        X, d.y3
    )


def _saliency(clf, X):
    from skfer.inspection import saliency_map

    return saliency_map(clf, X)


def _colour(X, channels):
    gray = X.reshape(-1, 48, 48)
    return np.repeat(gray[..., None], channels, axis=-1)


CASES = [
    # -- 1. pixel units: converted with a warning, or refused ---------------------
    Case(
        "predict float [0, 1] on a 0-255 model",
        lambda d: d.byte_model.predict_proba(d.X3 / 255.0),
        "warning",
        InputUnitsWarning,
        "multiplying by 255",
        lambda r, d: _close(r, d.byte_model.predict_proba(d.X3)),
    ),
    Case(
        "pretrained model3 scores X/255 as uint8",
        lambda d: d.pretrained.score(d.X / 255.0, d.y),
        "warning",
        InputUnitsWarning,
        "trained on 0-255",
        lambda r, d: r == d.pretrained.score(d.X, d.y),
    ),
    Case(
        "fine-tune pretrained with X/255",
        lambda d: _fine_tune(d.X3 / 255.0, d).predict_proba(d.X3),
        "warning",
        InputUnitsWarning,
        "pretrained model 'fer2013-model3'",
        lambda r, d: _close(r, _fine_tune(d.X3, d).predict_proba(d.X3), atol=1e-4),
    ),
    Case(
        "warm-start fit with X/255 after uint8",
        lambda d: small(warm_start=True).fit(d.X3, d.y3).fit(d.X3 / 255.0, d.y3),
        "warning",
        InputUnitsWarning,
        "fitted model",
    ),
    Case(
        "X_val in other units than X",
        lambda d: small(early_stopping=True).fit(
            d.X3, d.y3, X_val=d.X3[:20] / 255.0, y_val=d.y3[:20]
        ),
        "warning",
        InputUnitsWarning,
        "X_val holds floats in [0, 1]",
    ),
    Case(
        "predict uint8 on a [0, 1] model",
        lambda d: d.unit_model.predict_proba(d.X3),
        "warning",
        InputUnitsWarning,
        "dividing by 255",
        lambda r, d: _close(r, d.unit_model.predict_proba(d.X3 / 255.0)),
    ),
    Case(
        "predict ambiguous floats on a 0-255 model",
        lambda d: d.byte_model.predict(_ambiguous(d.X3)),
        "error",
        ValueError,
        "ambiguous",
    ),
    Case(
        "predict negative values on a 0-255 model",
        lambda d: d.byte_model.predict(d.X3 - 128.0),
        "error",
        ValueError,
        "X has values in [-",
    ),
    Case(
        "predict 16-bit values on a 0-255 model",
        lambda d: d.byte_model.predict(d.X3.astype(np.uint16) * 257),
        "error",
        ValueError,
        "expects 0-255 pixel values",
    ),
    Case(
        "predict standardized images on a 0-255 model",
        lambda d: d.byte_model.predict((d.X3 - 128.0) / 64.0),
        "error",
        ValueError,
        "expects 0-255 pixel values",
    ),
    Case(
        "predict floats in [-10, 0] on a 0-255 model",
        lambda d: d.byte_model.predict(-d.X3.astype(float) / 25.5),
        "error",
        ValueError,
        "Negative values are not pixel intensities",
    ),
    Case(
        "a [0, 1] row alone and in its batch",
        lambda d: d.byte_model.predict_proba(d.X3[:1] / 255.0),
        "warning",
        InputUnitsWarning,
        "multiplying by 255",
        lambda r, d: _same(r, d.byte_model.predict_proba(d.X3[:9] / 255.0)[:1]),
    ),
    Case(
        "a batch mixing [0, 1] and 0-255 float rows",
        lambda d: d.byte_model.predict(
            np.vstack([d.X3[:1] / 255.0, d.X3[1:4].astype(float)])
        ),
        "error",
        ValueError,
        "mixes pixel units: row 0 holds floats in [0, 1]",
    ),
    Case(
        "Grad-CAM of X / 255 on a 0-255 model",
        lambda d: _saliency(d.byte_model, d.X3[:4] / 255.0),
        "warning",
        InputUnitsWarning,
        "multiplying by 255",
        lambda r, d: _close(r, _saliency(d.byte_model, d.X3[:4])),
    ),
    Case(
        "predict all-black floats on a 0-255 model",
        lambda d: d.byte_model.predict(np.zeros((2, 2304))),
        "works",
    ),
    Case(
        "predict floats in [0, 255] on a 0-255 model",
        lambda d: d.byte_model.predict_proba(d.X3.astype(np.float32)),
        "works",
        check=lambda r, d: _close(r, d.byte_model.predict_proba(d.X3)),
    ),
    Case(
        "detect_faces in a float [0, 1] photo",
        lambda d: detect_faces(d.photo / 255.0),
        "works",
        check=lambda r, d: r == detect_faces(d.photo) and len(r) == 1,
    ),
    Case(
        "extract_faces in a float [0, 1] photo",
        lambda d: extract_faces(d.photo / 255.0),
        "works",
        check=lambda r, d: r[0] == extract_faces(d.photo)[0] and len(r[0]) == 1,
    ),
    Case(
        "FaceCropper on float [0, 1] photos",
        lambda d: FaceCropper().fit_transform([d.photo / 255.0]),
        "works",
        check=lambda r, d: _same(r, FaceCropper().fit_transform([d.photo])),
    ),
    Case(
        "FaceCropper on ambiguous float photos",
        lambda d: FaceCropper().fit_transform([_ambiguous(d.photo[..., 0])]),
        "error",
        ValueError,
        "ambiguous",
    ),
    # -- 5. the over-sampler's units ------------------------------------------------
    Case(
        "oversample [0, 1] floats with one value above 1",
        lambda d: AugmentationOverSampler(random_state=0).fit_resample(
            _ambiguous(d.X3[:50]), d.y3[:50]
        ),
        "error",
        ValueError,
        "ambiguous",
    ),
    Case(
        "oversample floats in [0, 1]",
        lambda d: AugmentationOverSampler(random_state=0).fit_resample(
            d.X3[:50] / 255.0, d.y3[:50]
        ),
        "works",
        check=lambda r, d: r[0].max() <= 1.0 and r[0].max() > 0.5,
    ),
    Case(
        "oversample floats in [0, 255]",
        lambda d: AugmentationOverSampler(random_state=0).fit_resample(
            d.X3[:50].astype(float), d.y3[:50]
        ),
        "works",
        check=lambda r, d: r[0].max() > 100,
    ),
    # -- 2. sample_weight and class_weight --------------------------------------
    Case(
        "fit with sample_weight and mixup",
        lambda d: small(mixup_alpha=0.4, label_smoothing=0.1).fit(
            d.X3, d.y3, sample_weight=np.linspace(0.5, 2, len(d.y3))
        ),
        "works",
    ),
    Case(
        "cross_validate routes sample_weight",
        _with_routing(
            lambda d: cross_validate(
                _weighted_fit(small()),
                d.X3,
                d.y3,
                cv=2,
                params={"sample_weight": np.ones(len(d.y3))},
            )
        ),
        "works",
    ),
    Case(
        "GridSearchCV routes sample_weight",
        _with_routing(
            lambda d: GridSearchCV(
                _weighted_fit(small()),
                {"lr": [1e-3, 1e-2]},
                cv=2,
            ).fit(d.X3, d.y3, sample_weight=np.ones(len(d.y3)))
        ),
        "works",
    ),
    Case(
        "cross_validate passes sample_weight without routing",
        lambda d: cross_validate(
            small(), d.X3, d.y3, cv=2, params={"sample_weight": np.ones(len(d.y3))}
        ),
        "works",
    ),
    Case(
        "sample_weight of the wrong length",
        lambda d: small().fit(d.X3, d.y3, sample_weight=np.ones(3)),
        "error",
        ValueError,
        "sample_weight",
    ),
    Case(
        "negative sample_weight",
        lambda d: small().fit(d.X3, d.y3, sample_weight=-np.ones(len(d.y3))),
        "error",
        ValueError,
        "sample_weight",
    ),
    Case(
        "sample_weight all zero",
        lambda d: small().fit(d.X3, d.y3, sample_weight=np.zeros(len(d.y3))),
        "error",
        ValueError,
        "sample_weight",
    ),
    Case(
        "sample_weight with NaN",
        lambda d: small().fit(d.X3, d.y3, sample_weight=np.full(len(d.y3), np.nan)),
        "error",
        ValueError,
        "sample_weight",
    ),
    Case(
        "class_weight='balanced'",
        lambda d: small(class_weight="balanced").fit(d.X3, d.y3),
        "works",
    ),
    Case(
        "class_weight an unknown string",
        lambda d: small(class_weight="even").fit(d.X3, d.y3),
        "error",
        ValueError,
        "class_weight",
    ),
    Case(
        "class_weight with a class the model lacks",
        lambda d: small(class_weight={"angry": 2.0}).fit(d.X3, d.y3),
        "error",
        ValueError,
        "class_weight has keys ['angry']",
    ),
    Case(
        "class_weight with a negative weight",
        lambda d: small(class_weight={"happy": -1.0}).fit(d.X3, d.y3),
        "error",
        ValueError,
        "class_weight['happy']",
    ),
    # -- 3. warm_start and partial_fit ----------------------------------------------
    Case(
        "warm_start after set_params(architecture=...)",
        lambda d: _warm_refit(d, architecture="model3", max_epochs=1),
        "warning",
        UserWarning,
        "architecture changed from 'small' to 'model3'",
        lambda r, d: r.architecture_ == "model3",
    ),
    Case(
        "warm_start after a new pretrained",
        lambda d: _warm_refit(d, pretrained="fer2013-model3", architecture=None),
        "warning",
        UserWarning,
        "pretrained changed from None to 'fer2013-model3'",
        lambda r, d: r.architecture_ == "model3",
    ),
    Case(
        "warm_start after new classes",
        lambda d: _warm_refit(d, classes=["happy", "sad", "surprise", "fear"]),
        "warning",
        UserWarning,
        "classes changed",
        lambda r, d: len(r.classes_) == 4,
    ),
    Case(
        "warm_start with y holding an unseen class",
        lambda d: small(warm_start=True).fit(d.X3, d.y3).fit(d.X, d.y),
        "error",
        ValueError,
        "y contains labels",
    ),
    Case(
        "partial_fit with early_stopping=True",
        lambda d: small(early_stopping=True).partial_fit(d.X3, d.y3),
        "warning",
        UserWarning,
        "early_stopping=True is ignored by partial_fit",
        lambda r, d: len(r.history_) == 1,
    ),
    # -- 4. image sizes and layouts ---------------------------------------------
    Case(
        "pretrained predicts 128x128 rows",
        lambda d: d.pretrained.predict(_resize_rows(d.X[:10], 128)),
        "works",
        check=lambda r, d: r.shape == (10,),
    ),
    Case(
        "pretrained predicts a (n, 128, 128) stack",
        lambda d: d.pretrained.predict(_resize_rows(d.X[:4], 128).reshape(4, 128, 128)),
        "works",
    ),
    Case(
        "flattened 48x48 RGB rows",
        lambda d: d.byte_model.predict(_colour(d.X3, 3).reshape(len(d.X3), -1)),
        "error",
        ValueError,
        "6912 = 48 x 48 x 3",
    ),
    Case(
        "flattened 48x48 RGBA rows",
        lambda d: d.pretrained.predict(_colour(d.X3, 4).reshape(len(d.X3), -1)),
        "warning",
        UserWarning,
        "RGBA",
    ),
    Case(
        "(n, 48, 48, 3) colour stack",
        lambda d: d.byte_model.predict_proba(_colour(d.X3, 3)),
        "works",
        check=lambda r, d: _close(r, d.byte_model.predict_proba(d.X3)),
    ),
    Case(
        "(n, 48, 48, 4) RGBA stack",
        lambda d: d.byte_model.predict_proba(_colour(d.X3, 4)),
        "works",
        check=lambda r, d: _close(r, d.byte_model.predict_proba(d.X3)),
    ),
    Case(
        "(n, 1, 48, 48) torch layout",
        lambda d: d.byte_model.predict_proba(d.X3.reshape(-1, 1, 48, 48)),
        "works",
        check=lambda r, d: _close(r, d.byte_model.predict_proba(d.X3)),
    ),
    Case(
        "one (48, 48, 3) colour image without a batch axis",
        lambda d: d.byte_model.predict(_colour(d.X3[:1], 3)[0]),
        "error",
        ValueError,
        "X[np.newaxis]",
    ),
    Case(
        "rows of another length than fit (not images)",
        lambda d: d.byte_model.predict(d.X3[:, :10]),
        "error",
        ValueError,
        "X has 10 features",
    ),
    # -- 6. saving and refitting ---------------------------------------------------
    Case(
        "pickle a model fitted with early_stopping",
        lambda d: pickle.loads(
            pickle.dumps(
                small(early_stopping=True, validation_fraction=0.2).fit(d.X3, d.y3)
            )
        ).predict(d.X3),
        "works",
    ),
    Case(
        "joblib-dump a model fitted with early_stopping",
        lambda d: joblib.dump(
            small(early_stopping=True, validation_fraction=0.2).fit(d.X3, d.y3),
            __import__("io").BytesIO(),
        ),
        "works",
    ),
    Case(
        "warm_start with a cosine schedule, fitted twice",
        lambda d: (
            small(warm_start=True, lr_schedule="cosine").fit(d.X3, d.y3).fit(d.X3, d.y3)
        ),
        "works",
        check=lambda r, d: len(r.history_) == 4,
    ),
    # -- other bad inputs --------------------------------------------------------
    Case(
        "NaN pixels",
        lambda d: small().fit(np.where(d.X3 > 200, np.nan, d.X3), d.y3),
        "error",
        ValueError,
        "Input X contains NaN",
    ),
    Case(
        "infinite pixels at predict",
        lambda d: d.byte_model.predict(np.where(d.X3 > 200, np.inf, d.X3)),
        "error",
        ValueError,
        "Input X contains infinity",
    ),
    Case(
        "string pixels",
        lambda d: small().fit(d.X3.astype(str), d.y3),
        "error",
        ValueError,
        "dtype='numeric' is not compatible with arrays of bytes/strings",
    ),
    Case(
        "complex pixels",
        lambda d: small().fit(d.X3.astype(complex), d.y3),
        "error",
        ValueError,
        "Complex data not supported",
    ),
    Case(
        "sparse X",
        lambda d: small().fit(__import__("scipy").sparse.csr_matrix(d.X3), d.y3),
        "error",
        TypeError,
        "Sparse data was passed for X",
    ),
    Case(
        "object array of numbers",
        lambda d: small().fit(d.X3.astype(object), d.y3),
        "works",
    ),
    Case(
        "bool pixels",
        lambda d: small().fit(d.X3 > 128, d.y3),
        "error",
        TypeError,
        "X holds booleans",
    ),
    Case(
        "bool pixels at predict",
        lambda d: d.byte_model.predict(d.X3 > 128),
        "error",
        TypeError,
        "X holds booleans",
    ),
    Case(
        "datetime pixels",
        lambda d: d.byte_model.predict(np.zeros((2, 2304), dtype="datetime64[s]")),
        "error",
        TypeError,
        "X holds dates",
    ),
    Case(
        "an empty (0, 48, 48) stack",
        lambda d: d.byte_model.predict(np.zeros((0, 48, 48), np.uint8)),
        "error",
        ValueError,
        "0 sample(s)",
    ),
    Case(
        "a list of 2-D images",
        lambda d: d.byte_model.predict_proba([x.reshape(48, 48) for x in d.X3[:3]]),
        "works",
        check=lambda r, d: _same(r, d.byte_model.predict_proba(d.X3[:3])),
    ),
    Case(
        "a list of 2-D images of different shapes",
        lambda d: d.byte_model.predict([d.X3[0].reshape(48, 48), np.zeros((9, 9))]),
        "error",
        ValueError,
        "images of different shapes",
    ),
    Case(
        "X as a list of lists",
        lambda d: small().fit(d.X3.tolist(), d.y3.tolist()),
        "works",
    ),
    Case(
        "X as a DataFrame",
        lambda d: small().fit(__import__("pandas").DataFrame(d.X3), d.y3),
        "works",
    ),
    Case(
        "empty X",
        lambda d: small().fit(d.X3[:0], d.y3[:0]),
        "error",
        ValueError,
        "0 sample(s)",
    ),
    Case(
        "empty X at predict",
        lambda d: d.byte_model.predict(d.X3[:0]),
        "error",
        ValueError,
        "0 sample(s)",
    ),
    Case(
        "one sample",
        lambda d: small().fit(d.X3[:1], d.y3[:1]),
        "error",
        ValueError,
        "at least 2 classes",
    ),
    Case(
        "two samples with a validation split",
        lambda d: small(validation_fraction=0.9).fit(d.X3[[0, 1]], ["a", "b"]),
        "warning",
        UserWarning,
        "validation_fraction=0.9 leaves no data",
    ),
    Case(
        "labels of mixed types",
        lambda d: small().fit(d.X3[:6], np.array([1, "a", 2, "b", 1, "a"], object)),
        "error",
        ValueError,
        "Unknown label type",
    ),
    Case(
        "continuous labels",
        lambda d: small().fit(d.X3, np.linspace(0, 1, len(d.y3))),
        "error",
        ValueError,
        "Unknown label type",
    ),
    Case(
        "y as a column vector",
        lambda d: small().fit(d.X3, d.y3[:, None]),
        "warning",
        DataConversionWarning,
        "column-vector y",
    ),
    Case(
        "y shorter than X",
        lambda d: small().fit(d.X3, d.y3[:-1]),
        "error",
        ValueError,
        "inconsistent numbers of samples",
    ),
    Case(
        "score with a class unseen in fit",
        lambda d: d.byte_model.score(d.X3, np.where(d.y3 == "sad", "angry", d.y3)),
        "works",
        check=lambda r, d: 0.0 <= r <= 1.0,
    ),
    Case(
        "y_val with a class the model lacks",
        lambda d: small().fit(d.X3, d.y3, X_val=d.X3[:5], y_val=["angry"] * 5),
        "error",
        ValueError,
        "y_val contains labels ['angry']",
    ),
    Case(
        "X_val without y_val",
        lambda d: small().fit(d.X3, d.y3, X_val=d.X3[:5]),
        "error",
        ValueError,
        "X_val and y_val",
    ),
    Case(
        "predict before fit",
        lambda d: small().predict(d.X3),
        "error",
        NotFittedError,
        "not fitted yet",
    ),
    Case(
        "unknown architecture",
        lambda d: small(architecture="resnet").fit(d.X3, d.y3),
        "error",
        ValueError,
        "Unknown architecture 'resnet'",
    ),
    Case(
        "unknown pretrained name",
        lambda d: small(pretrained="no-such-model", architecture=None).fit(d.X3, d.y3),
        "error",
        ValueError,
        "no-such-model",
    ),
    Case(
        "negative learning rate",
        lambda d: small(lr=-1.0).fit(d.X3, d.y3),
        "error",
        ValueError,
        "'lr' parameter",
    ),
    Case(
        "a diverged fit (sgd, lr=1e3)",
        lambda d: small(optimizer="sgd", lr=1e3, batch_size=16).fit(d.X3, d.y3),
        "error",
        RuntimeError,
        "Training diverged",
    ),
    Case(
        "set_params(class_prior='bogus') on a fitted model",
        lambda d: (
            pickle.loads(pickle.dumps(d.byte_model))
            .set_params(class_prior="bogus")
            .predict(d.X3[:2])
        ),
        "error",
        ValueError,
        "class_prior must be None, 'uniform'",
    ),
    Case(
        "a callbacks item that is no callback",
        lambda d: small(callbacks=[1]).fit(d.X3, d.y3),
        "error",
        TypeError,
        "callbacks[0] is 1",
    ),
    Case(
        "an optimizer class that is no torch optimizer",
        lambda d: small(optimizer=int).fit(d.X3, d.y3),
        "error",
        ValueError,
        "optimizer must be one of",
    ),
    Case(
        "load_pretrained(None)",
        lambda d: load_pretrained(None),
        "error",
        TypeError,
        "name must be a registered name",
    ),
    Case(
        "ensemble_from_fitted with more weights than members",
        lambda d: ensemble_from_fitted([d.byte_model] * 2, weights=[1, 2, 3]),
        "error",
        ValueError,
        "one finite number >= 0 per classifier (2 here)",
    ),
    Case(
        "early_stopping without a validation set",
        lambda d: small(early_stopping=True, validation_fraction=None).fit(d.X3, d.y3),
        "error",
        ValueError,
        "early_stopping=True needs a validation set",
    ),
]


@pytest.fixture(scope="module")
def data():
    return Data()


def _skfer_warnings(caught):
    """Warnings a call raised, minus third-party deprecation noise."""
    return [w for w in caught if not issubclass(w.category, DeprecationWarning)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_api_input(case, data):
    assert case.outcome in ("error", "warning", "works"), case.outcome
    if case.outcome == "error":
        with pytest.raises(case.kind) as info:
            case.call(data)
        assert case.match in str(info.value), str(info.value)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = case.call(data)
    caught = _skfer_warnings(caught)
    if case.outcome == "warning":
        hits = [w for w in caught if issubclass(w.category, case.kind)]
        assert any(case.match in str(w.message) for w in hits), [
            str(w.message) for w in caught
        ]
    else:
        assert not [w for w in caught if issubclass(w.category, UserWarning)], [
            str(w.message) for w in caught
        ]
    if case.check is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert case.check(result, data)


def test_the_table_covers_each_outcome_kind():
    kinds = {case.outcome for case in CASES}
    assert kinds == {"error", "warning", "works"}
    assert len({case.name for case in CASES}) == len(CASES)


_MEMORY_SCRIPT = """
import resource, warnings
import numpy as np
from skfer import FERClassifier
from skfer.datasets import make_faces

def vm(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

X, y = make_faces(n_samples=40, random_state=0, return_X_y=True)
clf = FERClassifier("small", max_epochs=1, validation_fraction=None, random_state=0)
clf.fit(X, y)
n = {n}
rows = np.resize(X, (n, 2304))
unit = rows / 255.0  # float64 [0, 1]: converted to 0-255 on the way
big = np.repeat(np.repeat(rows.reshape(n, 48, 48), 2, 1), 2, 2).reshape(n, -1)
before = vm("VmSize")
clf.predict(rows[:1024])  # what uint8 prediction needs beyond its input
uint8 = vm("VmPeak") - before
limit = vm("VmSize") + int(1.5 * uint8) + (64 << 20)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    clf.predict(unit)
    clf.predict(big)
print("ok", uint8 >> 20, unit.nbytes >> 20, big.nbytes >> 20)
"""


def test_float_and_resized_input_need_memory_for_a_batch_not_a_copy(tmp_path):
    """Predicting float [0, 1] rows or 96x96 rows stays within 1.5 times the
    memory uint8 48x48 rows need (plus 64 MB), under an address-space limit that
    a float copy of the whole input (as before) exceeds."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT.format(n=8000)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok"), done.stdout
