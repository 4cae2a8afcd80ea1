"""The package logger, ``actionnetwork_async``, given a ``NullHandler`` when this is imported.

A library must stay quiet until the program configures logging (docs/logging.md): without a
handler anywhere above a logger, ``logging`` prints warnings (retries) to stderr through its
last-resort handler. With the ``NullHandler`` nothing is printed unless the program adds a
handler (``logging.basicConfig()`` ...); records still reach the program's handlers as before.
Every module that logs takes its logger from here, so the handler is in place before any record.
"""

from __future__ import annotations

import logging

__all__ = ["PACKAGE_LOGGER", "getLogger"]

#: The name of the logger every logger of the library is under.
PACKAGE_LOGGER = "actionnetwork_async"

_package = logging.getLogger(PACKAGE_LOGGER)
if not any(isinstance(handler, logging.NullHandler) for handler in _package.handlers):
    _package.addHandler(logging.NullHandler())


def getLogger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` for a logger under ``PACKAGE_LOGGER``, whose ``NullHandler``
    is installed once this module is imported. It keeps logging's name so that the logging
    guide's test (tests/test_docs.py) still finds every logger by its call."""
    return logging.getLogger(name)
