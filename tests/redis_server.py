"""Real ``redis-server`` processes for the Redis tests (``testing.RedisServer``: loopback, free
port, no persistence, restartable).

When redis-server is missing the Redis tests skip with a message saying how to get it, except
under CI (``CI=true``), where a missing server is a failure: CI must run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from actionnetwork_async.testing import RedisServer


def require_redis() -> None:
    """Skip (fail under CI) when there is no redis-server."""
    if shutil.which("redis-server") is not None:
        return
    message = (
        "redis-server is not installed: the Redis tests need it (apt-get install redis-server; "
        "bash scripts/test.sh installs it when run as root)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must run them")
    pytest.skip(message)


def redis_servers() -> Iterator[RedisServer]:
    """A started server, stopped afterwards: the fixtures' body."""
    require_redis()
    with RedisServer() as server:
        yield server
