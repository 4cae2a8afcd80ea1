"""The emulator in a child process: a server whose clock and CPU are not the client's.

A server in the client's own process shares its interpreter lock: while a busy thread of the
client (dlt's normaliser, a JSON encoder) holds it, the server logs arrivals late, and a rate
limit judged from that log is judged on the client's scheduling, not the network's. In a child
process the server stamps arrivals as a remote one would. Its loop clock is
``time.monotonic()``, the clock of the parent's loop too, so times from both sides compare.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from .emulator import Emulator, RequestLog, RequestRecord

__all__ = ["EmulatorProcess", "serve_in_process"]


def _serve(options: dict[str, Any], conn: Connection) -> None:
    """The child: run an emulator until told to stop, answering the parent's questions."""
    # A client that gives up drops its connections mid-request: that is its result, not news.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)

    async def run() -> None:
        async with Emulator(**options) as emu:
            conn.send((emu.base_url, emu.api_key, emu.rate_limit))
            loop = asyncio.get_running_loop()
            while (command := await loop.run_in_executor(None, conn.recv)) != "stop":
                await emu.idle()
                if command == "log":
                    conn.send(list(emu.log))
                else:  # "sizes"
                    conn.send({name: len(c) for name, c in emu.state.collections.items()})

    asyncio.run(run())


class EmulatorProcess(RequestLog):
    """An emulator running in a child process (see ``serve_in_process``).

    ``base_url``, ``api_key`` and ``rate_limit`` are the emulator's; ``log`` (a copy, fetched
    once the server is idle), ``count`` and ``max_in_window`` are its request log's;
    ``sizes()`` is how many records each collection holds now.
    """

    def __init__(self, conn: Connection, base_url: str, api_key: str, rate_limit: Any) -> None:
        self._conn = conn
        self.base_url: str = base_url
        self.api_key: str = api_key
        self.rate_limit: float | None = rate_limit

    @property
    def log(self) -> list[RequestRecord]:
        """Every request the server has seen so far, oldest first."""
        self._conn.send("log")
        records: list[RequestRecord] = self._conn.recv()
        return records

    def _requests(self) -> list[RequestRecord]:
        return self.log

    def sizes(self) -> dict[str, int]:
        """How many records each of the server's collections holds."""
        self._conn.send("sizes")
        sizes: dict[str, int] = self._conn.recv()
        return sizes


@contextmanager
def serve_in_process(**options: Any) -> Iterator[EmulatorProcess]:
    """``with serve_in_process(seed=Seed(people=60), timing=Timing(arrival_jitter=0.03)) as
    emu:`` an emulator (``options`` are ``Emulator``'s keywords) in a child process, stopped
    on exit. For judging a rate limit as a remote server counts it; the child is spawned, not
    forked, so it holds none of the parent's threads or locks.
    """
    context = mp.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(options, child), daemon=True)
    process.start()
    child.close()
    try:
        yield EmulatorProcess(parent, *parent.recv())
    finally:
        with contextlib.suppress(OSError):  # the child is gone already
            parent.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
        parent.close()
