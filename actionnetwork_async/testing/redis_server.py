"""A throwaway ``redis-server`` on loopback, for tests and benchmarks of the Redis features.

    with RedisServer() as redis:  # a free port, no persistence
        limiter = RedisRateLimiter(redis.url, key="test")

It needs the ``redis-server`` executable (Debian: ``apt-get install redis-server``).
``stop()`` kills it as a crash would (nothing saved) and ``restart()`` starts it again on the
same port: every key is gone and its run id is new, as after a real restart.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
from types import TracebackType

from ..errors import ConfigurationError

__all__ = ["RedisServer", "free_port"]

_READY = b"Ready to accept connections"


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` on 127.0.0.1 (``port`` default: a free one), with an optional
    ``password``; ``executable`` defaults to the one on ``PATH``."""

    def __init__(
        self,
        *,
        port: int | None = None,
        password: str | None = None,
        executable: str | None = None,
    ) -> None:
        found = executable or shutil.which("redis-server")
        if found is None:
            raise ConfigurationError(
                "redis-server is not installed (Debian: apt-get install redis-server)"
            )
        self.executable = found
        self.password = password
        self.port = port or free_port()
        self._directory = tempfile.TemporaryDirectory(prefix="an-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL clients connect with."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start it; return once it accepts connections (it says so in its log)."""
        args = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", self._directory.name]
        args += ["--loglevel", "notice", "--logfile", ""]
        if self.password:
            args += ["--requirepass", self.password]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._process = process
        assert process.stdout is not None
        seen = b""
        for line in process.stdout:
            seen += line
            if _READY in line:
                return self
        self.stop()
        raise RuntimeError(f"redis-server did not start: {seen.decode(errors='replace')}")

    def stop(self) -> None:
        """Kill it (SIGKILL: nothing is saved, as in a crash) and wait until it is gone."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def pause(self) -> None:
        """Stall it (SIGSTOP): connections stay open and what clients send queues up unread,
        as on a server frozen by a long fork or a swap storm; ``resume`` lets it run again."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT): it runs every call that queued up."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        """A crash, then a start on the same port: every key is gone, the run id is new."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop it and remove its working directory."""
        self.stop()
        self._directory.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
