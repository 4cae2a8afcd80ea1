"""Argument checks shared by the public constructors: a bad value is a ``ConfigurationError``
at once, never a plain ``TypeError`` later or a setting that silently means something else
(``timeout=0`` is no timeout at all to aiohttp, ``limit=0`` no connection limit)."""

from __future__ import annotations

from typing import Any

from .errors import ConfigurationError

__all__ = ["non_negative_number", "positive_int", "positive_number"]


def positive_int(value: Any, name: str) -> int:
    """``value`` if it is an int >= 1 (not a bool), else ``ConfigurationError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def positive_number(value: Any, name: str) -> float:
    """``value`` as a float if it is a finite number > 0 (not a bool), else
    ``ConfigurationError``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value < float("inf")
    ):
        raise ConfigurationError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def non_negative_number(value: Any, name: str) -> float:
    """``value`` as a float if it is a finite number >= 0 (not a bool), else
    ``ConfigurationError``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value < float("inf")
    ):
        raise ConfigurationError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)
