"""skfer.utils loads its names lazily: each listed name resolves, none is missing."""

import importlib

import pytest

import skfer.utils


@pytest.mark.parametrize("name", skfer.utils.__all__)
def test_listed_name_resolves_from_its_module(name):
    value = getattr(skfer.utils, name)
    module = importlib.import_module(skfer.utils._LAZY[name], "skfer.utils")
    assert getattr(module, name) is value


def test_lazy_table_and_all_agree():
    assert set(skfer.utils._LAZY) == set(skfer.utils.__all__)


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skfer.utils.nope  # noqa: B018
