"""The ``skfer`` command line: ``skfer train``, ``predict``, ``evaluate``, ...

Each subcommand lives in its own private module (``_train.py``, ``_predict.py``,
...): it parses its options and calls the library; options shared by several
commands are defined once in ``_common.py``.
"""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
