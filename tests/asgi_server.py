"""A real uvicorn server on a loopback port, in a task of the test's event loop, for ASGI apps
under test (the webhook receiver's ``asgi()``, the FastAPI example)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator
from typing import Any

import uvicorn


class LoopbackServer(uvicorn.Server):
    """uvicorn that leaves the process's signal handlers alone and sets ``ready`` once it
    listens (uvicorn has no event of its own for that, only the ``started`` flag)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:  # uvicorn 0.29 and later
        yield

    def install_signal_handlers(self) -> None:  # uvicorn before 0.29
        pass

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


def loopback_socket() -> socket.socket:
    """A listening TCP socket on a free loopback port: its URL is known before serving."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.asynccontextmanager
async def serve_asgi(
    app: Any, *, sock: socket.socket | None = None, lifespan: str = "auto"
) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on ``sock`` (a new loopback socket by default) until the
    block ends; yields the base URL once the server listens (and its lifespan started)."""
    sock = sock if sock is not None else loopback_socket()
    config = uvicorn.Config(
        app,
        lifespan=lifespan,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = LoopbackServer(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    ready = asyncio.ensure_future(server.ready.wait())
    try:
        await asyncio.wait([ready, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        ready.cancel()
        server.should_exit = True
        await asyncio.wait_for(task, 30)
