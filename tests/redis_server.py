"""Real ``redis-server`` processes for tests: on free loopback ports, no persistence, restartable.

When redis-server is missing the Redis tests skip with a message saying how to get it, except
under CI (``CI=true``), where a missing server is a failure: CI must run them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

READY = b"Ready to accept connections"


def require_redis() -> str:
    """The redis-server executable; skip (fail under CI) when there is none."""
    server = shutil.which("redis-server")
    if server is not None:
        return server
    message = (
        "redis-server is not installed: the Redis tests need it (apt-get install redis-server; "
        "bash scripts/test.sh installs it when run as root)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must run them")
    pytest.skip(message)


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` on 127.0.0.1: ``start()``, ``stop()`` (as a crash: state lost) and
    ``restart()`` on the same port, with an optional ``password``."""

    def __init__(
        self,
        executable: str,
        directory: Path,
        *,
        port: int | None = None,
        password: str | None = None,
    ) -> None:
        self.executable = executable
        self.directory = directory
        self.password = password
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL clients connect with."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and return once it accepts connections (it says so on its log)."""
        args = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        args += ["--loglevel", "notice", "--logfile", ""]
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.process.stdout is not None
        seen = b""
        for line in self.process.stdout:
            seen += line
            if READY in line:
                return
        raise RuntimeError(f"redis-server did not start: {seen.decode(errors='replace')}")

    def stop(self) -> None:
        """Kill it (SIGKILL: nothing saved, as in a crash) and wait until it is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def restart(self) -> None:
        """A crash and a start on the same port: every key is gone, the run id is new."""
        self.stop()
        self.start()


def redis_servers() -> Iterator[RedisServer]:
    """A started server, stopped afterwards: the fixtures' body."""
    executable = require_redis()
    with tempfile.TemporaryDirectory(prefix="an-redis-") as directory:
        server = RedisServer(executable, Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()
