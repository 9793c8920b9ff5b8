"""Every public function and method of skfer has type hints.

The public API is what each public module of ``skfer`` lists in its
``__all__``: functions, and for classes every public method (and ``__init__``,
``__call__``, properties) that skfer defines. Each parameter but ``self`` /
``cls`` needs an annotation (``*args`` and ``**kwargs`` included, ``Any`` is
fine) and so does the return. mypy (``[tool.mypy]`` in pyproject.toml) then
checks the annotated bodies; this test keeps new public names from slipping
through unannotated, which mypy alone would not notice.
"""

import importlib
import inspect
import pkgutil

import pytest

import skfer

#: Dunder methods held to the same rule as the public ones.
_DUNDERS = ("__init__", "__call__")


def _public_modules():
    names = ["skfer"]
    for info in pkgutil.iter_modules(skfer.__path__):
        if not info.name.startswith("_"):
            names.append(f"skfer.{info.name}")
    return names


def _functions_of(cls):
    """``(qualified name, function, is_method)`` of the methods skfer defines."""
    for name in sorted(dir(cls)):
        if name.startswith("_") and name not in _DUNDERS:
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("skfer"):
            continue  # inherited from scikit-learn, torch, object...
        raw = vars(owner)[name]
        if isinstance(raw, staticmethod):
            func, is_method = raw.__func__, False
        elif isinstance(raw, classmethod):
            func, is_method = raw.__func__, True
        elif isinstance(raw, property):
            func, is_method = raw.fget, True
        elif inspect.isfunction(raw):
            func, is_method = raw, True
        else:
            continue
        if not func.__module__.startswith("skfer"):
            continue  # e.g. the __init__ that typing.Protocol puts on FaceDetector
        yield f"{owner.__module__}.{owner.__qualname__}.{name}", func, is_method


def _public_functions():
    """``{qualified name: (function, is_method)}`` of the whole public API."""
    found = {}
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                for qualname, func, is_method in _functions_of(obj):
                    found[qualname] = (func, is_method)
            elif inspect.isfunction(obj):
                found[f"{obj.__module__}.{obj.__qualname__}"] = (obj, False)
    return found


def missing_annotations(func, *, is_method):
    """Names of the parameters of ``func`` without annotation, and "return"."""
    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())
    if is_method and parameters:
        parameters = parameters[1:]  # self or cls
    missing = [p.name for p in parameters if p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


PUBLIC = _public_functions()


def test_the_public_api_is_found():
    # guards the parametrized test against walking nothing
    assert len(PUBLIC) > 150
    for name in (
        "skfer.classifier._classifier.FERClassifier.fit",
        "skfer.classifier._classifier.FERClassifier.__init__",
        "skfer.datasets._synthetic.make_faces",
        "skfer.augmentation._base.BaseTransform.__call__",
        "skfer.video._predictions.VideoPredictions.emotion",  # a property
        "skfer.photos.analyze",
    ):
        assert name in PUBLIC


def test_missing_annotations_are_found():
    def plain(a, *args, b: int = 0, **kwargs): ...

    def typed(a: int, *args: object, **kwargs: object) -> None: ...

    class Estimator:
        def fit(self, X, y=None) -> "Estimator": ...

    assert missing_annotations(plain, is_method=False) == [
        "a",
        "args",
        "kwargs",
        "return",
    ]
    assert missing_annotations(typed, is_method=False) == []
    assert missing_annotations(Estimator.fit, is_method=True) == ["X", "y"]


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_function_is_annotated(name):
    func, is_method = PUBLIC[name]
    assert missing_annotations(func, is_method=is_method) == []
