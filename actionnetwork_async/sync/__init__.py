"""The blocking client, for scripts, notebooks and batch jobs: the whole library without async.

    from actionnetwork_async.sync import ActionNetwork

    with ActionNetwork() as an:  # the key from ACTION_NETWORK_API_KEY
        for person in an.people.list():  # streamed, prefetched, rate limited
            print(person.email)
        an.people.signup(email="ann@example.org", add_tags=["volunteer"])
        an.people.signup.background(email="bo@example.org")  # the API applies it later

How it works:

- **One private event loop per client**, run by a daemon thread from construction to
  ``close()``. The async client (its aiohttp session, its one rate limiter, its prefetch tasks)
  is built and lives on that loop. A blocking call creates its coroutine on the loop and waits
  for the result, so any number of threads can share one client and one limiter, and a thread
  that already runs a loop (Jupyter) can call too, since nothing runs on its loop.
- **Streams move whole pages**: a task on the loop drives the async stream (prefetch included)
  and puts each page into a bounded queue (``QUEUE_PAGES`` pages); the blocking ``Stream`` hands
  the items out one by one. Speed is the async stream's, memory stays flat. Leaving a ``with``
  block, ``close()``, or dropping the stream cancels its requests in flight.
- **Errors are the async client's own classes**, raised in the calling thread. After
  ``close()`` every call raises ``ClientClosedError``, and so does a call or stream that
  ``close()`` cut short. Ctrl-C while waiting cancels the request.
- **The surface is generated, so it cannot drift**: ``_generated.py`` is written by
  ``python -m actionnetwork_async._sync_codegen`` from the async classes. It finds every
  attribute of the async client that is the walker or a facade (a facade added later included)
  and gives each public coroutine method a blocking twin, and each method returning a
  ``Stream`` a twin returning the blocking ``Stream``, and each write a ``BlockingWrite``
  (called, or ``.background(...)``). Signatures, overloads and docstrings are
  copied from the async source with their real types, so ``mypy --strict`` checks both the
  user's code and every generated call; a test fails while the file is stale, another checks
  by introspection that every public async method has a twin with the same parameters.
- Anything else runs on the client's loop through ``an.run(lambda aio: ...)``, which passes the
  async client, for example to gather several calls at once under the same limiter.

Limits: an iterable passed to a write (``unique_id_lists.append(lst, ids)``) is read on the
loop's thread, so it must not itself use the same client (that raises ``ClientStateError``
instead of hanging): read such ids into a list first. A limiter passed as ``rate_limit=`` belongs
to this client's loop: share the client between threads rather than one limiter between
blocking clients (a ``RedisRateLimiter`` is the exception: it connects on each loop that
uses it).
"""

from ._generated import *  # noqa: F403  (the twins: as many as the async client has)
from ._generated import __all__ as _twins
from ._portal import QUEUE_PAGES, BlockingWrite, Stream

__all__ = ["QUEUE_PAGES", "BlockingWrite", "Stream", *_twins]
