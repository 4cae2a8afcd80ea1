"""The emulator on a loop of its own in a thread: for blocking code, its tests and subprocesses."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .emulator import Emulator

__all__ = ["serve_in_thread"]


@contextmanager
def serve_in_thread(emulator: Emulator) -> Iterator[Emulator]:
    """Start ``emulator`` on its own event loop in a daemon thread; stop it on exit:
    ``with serve_in_thread(Emulator(seed=Seed(people=100), rate_limit=None)) as emu:``.

    For code that blocks (the blocking client, a command line run as a subprocess), which
    cannot share a loop with the server. Read its log and state once the client is done.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="an-emulator", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(emulator.start(), loop).result()
        try:
            yield emulator
        finally:
            asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
