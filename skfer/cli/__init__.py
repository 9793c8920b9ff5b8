"""The ``skfer`` command line: ``skfer train``, ``predict``, ``evaluate``, ...

Each subcommand lives in its own private module (``_train.py``, ``_predict.py``,
...): it parses its options and calls the library; options shared by several
commands are defined once in ``_common.py``. :func:`best_pretrained` names the
model ``skfer predict`` uses by default.
"""

from ._common import best_pretrained
from ._main import build_parser, main

__all__ = ["best_pretrained", "build_parser", "main"]
