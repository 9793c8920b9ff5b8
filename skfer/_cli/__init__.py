"""The subcommands of the ``skfer`` command line (see :mod:`skfer.cli`)."""
