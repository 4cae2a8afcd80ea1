"""Ctrl-C and SIGTERM for the commands: they stop a command between records, never inside one.

A module of its own, light, so that a command installs its handlers without importing the
export's writers and progress display.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Interrupted", "Interrupts", "current", "interrupts"]


class Interrupted(Exception):
    """An export stopped by Ctrl-C or SIGTERM, after cleaning up; says what was written."""


class Interrupts:
    """SIGINT and SIGTERM raise ``KeyboardInterrupt``, but not inside ``atomic()``: a signal
    arriving while a record is written (or the output flushed) takes effect right after. A
    second signal meanwhile (a reader that never reads) raises at once."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._held = 0
        self._pending = False

    @property
    def status(self) -> int:
        """The exit status for the signal received: 128 + its number."""
        return 128 + (self.signal or signal.SIGINT)

    def describe(self) -> str:
        """What stopped the command, in a word."""
        return "terminated" if self.signal == signal.SIGTERM else "interrupted"

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: raise ``KeyboardInterrupt`` now, or after ``atomic()``."""
        self.signal = signum
        if self._held and not self._pending:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A block a signal does not cut (it takes effect at the block's end)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if self._pending and not self._held:
            self._pending = False
            raise KeyboardInterrupt


_current = Interrupts()


def current() -> Interrupts:
    """The handlers of the command running (``interrupts()``)."""
    return _current


@contextlib.contextmanager
def interrupts() -> Iterator[Interrupts]:
    """Install the handlers (from the main thread only) for the duration of a command."""
    global _current
    _current = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield _current
        return
    previous = {s: signal.signal(s, _current.handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield _current
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
