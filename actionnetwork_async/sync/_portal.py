"""The machinery under the blocking client: a private event loop in a thread, blocking calls
into it, page streams out of it, and the bases of the generated twins (``_generated.py``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import os
import queue
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

from typing_extensions import ParamSpec

from ..client import ActionNetwork as AsyncActionNetwork
from ..client import Ping
from ..errors import ClientClosedError, ClientStateError
from ..limiter import UNSET, _Unset
from ..pagination import Stream as AsyncStream
from ..resources._declare import BoundWrite
from ..retry import RetryPolicy
from ..transport import TransportStats

__all__ = ["QUEUE_PAGES", "BlockingClient", "Portal", "Stream", "Twin"]

T = TypeVar("T")
R = TypeVar("R")
C = TypeVar("C", bound="BlockingClient")
W = ParamSpec("W")

#: Pages of records a blocking stream holds for its consumer (the one being read and the ones
#: ready), on top of the async stream's prefetch.
QUEUE_PAGES = 2

_OWN_LOOP = (
    "a blocking call was made on the client's own event loop thread (for example from a "
    "generator passed to a write, or from a callback): it would wait forever. Read the values "
    "into a list first, or use the async client"
)
_CLOSED = "this client is closed; create a new one"
_FORKED = (
    "this blocking client was created before this process was forked: its event loop thread "
    "runs in the parent only. Create a new client in this process"
)
#: Every live portal, so a forked child can mark its copies as unusable (their thread is gone).
_PORTALS: weakref.WeakSet[Portal] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for portal in list(_PORTALS):
        portal._forked()


os.register_at_fork(after_in_child=_after_fork_in_child)


class Portal:
    """One event loop, run by a daemon thread for the life of a blocking client.

    Coroutines are created and run on that loop while the calling thread waits for their
    result, so the aiohttp session, the rate limiter and the prefetch tasks all live on one loop
    whichever thread calls. Any number of threads may call at once; a thread that already runs
    an event loop (Jupyter) can call too, since nothing runs on its loop.

    In a child forked from the process (``os.fork``, multiprocessing's "fork") the loop thread
    does not exist: every call there raises ``ClientStateError`` at once and ``close()`` (the
    finaliser at exit included) returns without waiting for it, so the child never hangs.
    """

    def __init__(self, name: str = "actionnetwork-sync") -> None:
        self.loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._closed = False
        self._in_child = False
        self._stopped = threading.Event()
        self._tasks: set[asyncio.Future[Any]] = set()  # touched on the loop thread only
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        _PORTALS.add(self)

    def _forked(self) -> None:
        """In a forked child: the loop and its thread are the parent's; refuse every call."""
        self._in_child = True
        self._closed = True
        self._lock = threading.Lock()  # the parent's may have been held by a thread now gone

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            self._stopped.set()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has begun: no new call is accepted."""
        return self._closed

    def in_loop_thread(self) -> bool:
        """Whether the current thread is the one running the loop (where blocking deadlocks)."""
        return threading.get_ident() == self._thread.ident

    def submit(self, make: Callable[[], Awaitable[R]]) -> concurrent.futures.Future[R]:
        """Start ``make()`` on the loop (the coroutine is created there) and return its future."""
        if self._in_child:
            raise ClientStateError(_FORKED)
        if self.in_loop_thread():
            raise ClientStateError(_OWN_LOOP)
        with self._lock:
            if self._closed:
                raise ClientClosedError(_CLOSED)
            return asyncio.run_coroutine_threadsafe(self._tracked(make), self.loop)

    async def _tracked(self, make: Callable[[], Awaitable[R]]) -> R:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            return await make()
        finally:
            self._tasks.discard(task)

    def call(self, make: Callable[[], Awaitable[R]]) -> R:
        """Run ``make()`` on the loop and wait for its result; its exception is raised here.

        An interrupt (Ctrl-C) while waiting cancels the call; a call cut short by ``close()``
        raises ``ClientClosedError``.
        """
        future = self.submit(make)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._closed:
                raise ClientClosedError("the client was closed during this call") from None
            raise
        except BaseException:
            future.cancel()  # a no-op once done; stops the call when this thread was interrupted
            raise

    def spawn(
        self,
        make: Callable[[], Awaitable[None]],
        on_done: Callable[[asyncio.Task[None]], object],
    ) -> asyncio.Task[None]:
        """Start ``make()`` as a task on the loop, cancelled by ``close()``; returns at once.

        ``on_done(task)`` runs on the loop when the task ends, even if it never started.
        """

        async def start() -> asyncio.Task[None]:
            task = asyncio.get_running_loop().create_task(_run(make))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(on_done)
            return task

        return self.call(start)

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` on the loop soon, without waiting; nothing happens once it stopped
        (or in a forked child, where the loop is not running)."""
        if self._in_child:
            return
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self.loop.call_soon_threadsafe(callback)

    def close(self, cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
        """Cancel every call and task still running, await ``cleanup()``, stop the loop.

        Idempotent and thread-safe. From the loop's own thread (a finaliser run there) it only
        schedules the shutdown. In a forked child it does nothing: the loop is the parent's.
        """
        if self._in_child:
            return
        with self._lock:
            first, self._closed = not self._closed, True
        if not first:
            if not self.in_loop_thread():
                self._stopped.wait()
            return
        shutdown = asyncio.run_coroutine_threadsafe(self._shutdown(cleanup), self.loop)
        shutdown.add_done_callback(lambda _: self.call_soon(self.loop.stop))
        if self.in_loop_thread():
            return
        try:
            shutdown.result()
        finally:
            self._thread.join()

    async def _shutdown(self, cleanup: Callable[[], Awaitable[None]] | None) -> None:
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if cleanup is not None:
            await cleanup()


async def _run(make: Callable[[], Awaitable[R]]) -> R:
    return await make()


_PAGE, _END, _ERROR, _STOPPED = "page", "end", "error", "stopped"


class _Pump(Generic[T]):
    """On the loop: moves an async stream's pages into a queue, at most ``QUEUE_PAGES`` ahead.

    Kept apart from the ``Stream`` the user holds, so that a running pump does not keep a
    dropped stream alive: the stream's finaliser is what cancels the pump.
    """

    def __init__(self, source: AsyncStream[T]) -> None:
        self.source = source
        self.queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.slots: asyncio.Semaphore | None = None

    async def run(self) -> None:
        self.slots = slots = asyncio.Semaphore(QUEUE_PAGES)
        async with self.source as source:
            batches = source.batches()
            try:
                while True:
                    # a slot first, then the page: a page is made (its records built) only
                    # when there is room for it, so few pages of records live at once
                    await slots.acquire()
                    try:
                        batch = await anext(batches)
                    except StopAsyncIteration:
                        return
                    self.queue.put((_PAGE, batch))
                    del batch
            finally:
                await batches.aclose()

    def finish(self, task: asyncio.Task[None]) -> None:
        """Runs when the pump's task ends, however it ends: the queue's last message."""
        if task.cancelled():
            self.queue.put((_STOPPED, None))
        elif (error := task.exception()) is not None:
            self.queue.put((_ERROR, error))
        else:
            self.queue.put((_END, None))


def _release(slots: asyncio.Semaphore, read: list[object]) -> None:
    """On the loop: free a queue slot, and drop the page read (``read`` holds it) here."""
    slots.release()
    read.clear()


class Stream(Generic[T]):
    """A blocking iterator over a collection, and a context manager that closes it.

    A task on the client's loop drives the async stream (its page prefetch included) and puts
    whole pages into a bounded queue (``QUEUE_PAGES``), so the prefetch speed carries over and
    memory stays flat. Leaving a ``with`` block or ``close()`` cancels the requests in flight
    and waits for them; a stream dropped half-way is cancelled without waiting. One thread at
    a time should consume a stream.
    """

    def __init__(self, portal: Portal, source: AsyncStream[T]) -> None:
        self._portal = portal
        # A mapped stream (typed models from HAL resources): the pump moves the source's
        # pages, and each item is converted here as it is asked for. So one model at a time
        # is made, not a page of them beside the next page, which would set the collector off
        # more often than the async client does (``source`` is new: nothing was read of it).
        self._convert: Callable[[Any], T] | None = None
        if source.mapped_from is not None:
            source, self._convert = source.mapped_from
        self._pump: _Pump[Any] = _Pump(source)
        self._items: Iterator[T] = iter(())
        self._page: Sequence[Any] = ()  # the page being read (its items are freed on the loop)
        self._reading = False  # whether _page holds a queue slot, to give back when read
        self._task: asyncio.Task[None] | None = None
        self._finished = False
        #: Pages received so far (for progress displays).
        self.pages = 0

    def __iter__(self) -> Stream[T]:
        return self

    def __next__(self) -> T:
        while True:
            for item in self._items:
                return item
            if self._finished:
                raise StopIteration
            page = self._receive()
            self._items = iter(page) if self._convert is None else map(self._convert, page)
            del page

    def start(self) -> Stream[T]:
        """Start reading now, in the background, rather than at the first item asked for: a
        caller that will read several streams one after another starts the next ones early,
        and their first pages are on their way while it reads the first. Returns the stream."""
        if self._task is None and not self._finished:
            self._task = self._portal.spawn(self._pump.run, self._pump.finish)
        return self

    def batches(self) -> Iterator[Sequence[T]]:
        """The items in the groups they arrived in (one per page), from where the stream is."""
        if rest := list(self._items):
            yield rest
        while not self._finished:
            if batch := self._receive():
                yield batch if self._convert is None else [self._convert(x) for x in batch]
                del batch  # freed on the loop with its slot, not kept until the next page

    def _receive(self) -> Sequence[Any]:
        """The next page (empty at the end); blocks until the pump delivers it."""
        if self._portal.in_loop_thread():
            raise ClientStateError(_OWN_LOOP)
        pump = self._pump
        if self._task is None:
            self._task = self._portal.spawn(pump.run, pump.finish)
        if self._reading and pump.slots is not None:
            # The page just read goes back with its slot before the next is awaited: freed on
            # the loop thread, which made its resources, and at once. Freed here, each would
            # cross between the threads' caches; kept until the next page came, they would
            # outlive more garbage collections, and make each one longer. (A mapped stream's
            # models are made here, one at a time, and freed here.)
            read: list[object] = [self._page]  # emptied on the loop: the last reference
            self._page, self._reading = (), False
            self._portal.call_soon(partial(_release, pump.slots, read))
        kind, value = pump.queue.get()
        if kind == _PAGE:
            self.pages += 1
            self._page, self._reading = value, True
            return cast(Sequence[Any], value)
        self._finished = True
        if kind == _ERROR:
            raise value
        if kind == _STOPPED and self._portal.closed:
            raise ClientClosedError("the client was closed while this stream was open")
        return ()

    def close(self) -> None:
        """Stop the stream: cancel its requests in flight and wait until they are gone."""
        self._finished = True
        self._items = iter(())
        task, self._task = self._task, None
        if task is None or self._portal.closed:
            return  # never started, or already cancelled by the client's close()

        async def stop() -> None:
            task.cancel()
            await asyncio.wait([task])

        with contextlib.suppress(ClientClosedError):
            self._portal.call(stop)

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        task = getattr(self, "_task", None)
        if task is not None:
            self._portal.call_soon(task.cancel)


class Twin:
    """Base of the generated blocking facades: runs the async twin's methods on the loop.

    A twin class names its async class, ``class People(Searchable[Person], aio=AsyncPeople)``,
    and takes its docstring and each of its methods' from it: written once, in the async
    source, for ``help()`` and the reference alike.
    """

    _aio: Any

    def __init_subclass__(cls, aio: type | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if aio is None:
            return
        cls.__doc__ = aio.__doc__
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                member.__doc__ = getattr(aio, name).__doc__

    def __init__(self, portal: Portal, aio: Any) -> None:
        self._portal = portal
        self._aio = aio

    def _call(self, make: Callable[[], Awaitable[R]]) -> R:
        return self._portal.call(make)

    def _stream(self, stream: AsyncStream[T]) -> Stream[T]:
        return Stream(self._portal, stream)


class BlockingWrite(Generic[W, T]):
    """The blocking twin of a facade's write (``BoundWrite``): called, it waits for the
    result; ``.background(...)`` has the API apply the write later and returns None."""

    def __init__(self, portal: Portal, aio: BoundWrite[W, T]) -> None:
        self._portal = portal
        self._aio = aio
        self.__doc__ = aio.__doc__
        self.__signature__ = aio.__signature__

    def __call__(self, *args: W.args, **kwargs: W.kwargs) -> T:
        """The write, applied now: its result."""
        return self._portal.call(lambda: self._aio(*args, **kwargs))

    def background(self, *args: W.args, **kwargs: W.kwargs) -> None:
        """The write, queued by the API (``background_request=true``): None at once."""
        self._portal.call(lambda: self._aio.background(*args, **kwargs))


class BlockingClient:
    """Base of the generated blocking ``ActionNetwork``: its loop thread and life cycle."""

    def __init__(self, make: Callable[[], AsyncActionNetwork]) -> None:
        self._portal = Portal()

        async def build() -> AsyncActionNetwork:
            return make()

        try:
            self._aio = self._portal.call(build)
        except BaseException:
            self._portal.close()
            raise
        # A client dropped without close() still closes its session and stops its thread.
        self._finalizer = weakref.finalize(self, self._portal.close, self._aio.aclose)
        self._derived = False

    def _wire(self) -> None:
        """Give the client its blocking facades (generated)."""

    def with_options(
        self: C,
        *,
        max_wait: float | _Unset | None = UNSET,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> C:
        """A client with other options sharing this one's loop, session, key and one limiter
        (``actionnetwork_async.ActionNetwork.with_options``). Closing it closes nothing
        shared; closing this client ends both."""
        derived = copy.copy(self)
        derived._aio = self._aio.with_options(max_wait=max_wait, timeout=timeout, retry=retry)
        derived._derived = True
        derived._wire()
        return derived

    def ping(self) -> Ping:
        """Read the entry point afresh and check the key, for readiness probes
        (``actionnetwork_async.ActionNetwork.ping``)."""
        return self._portal.call(self._aio.ping)

    def __repr__(self) -> str:
        return f"<blocking {self._aio!r}>"

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._aio.base_url

    @property
    def stats(self) -> TransportStats:
        """The transport's counters (requests, retries, statuses), for progress displays."""
        return self._aio.stats

    @property
    def closed(self) -> bool:
        """Whether the client was closed."""
        return self._portal.closed

    def run(self, work: Callable[[AsyncActionNetwork], Awaitable[R]]) -> R:
        """Run async code on the client's loop with the async client, and wait for its result.

        For what has no blocking twin, or to run several calls concurrently, all under the
        same limiter: ``an.run(lambda aio: aio.people.get(person_id))``.
        """
        return self._portal.call(lambda: work(self._aio))

    def close(self) -> None:
        """Cancel what is still running, close the HTTP session and stop the loop thread.

        Later calls raise ``ClientClosedError``. Safe to call twice and from any thread. A
        client made by ``with_options`` closes only itself.
        """
        if self._derived:
            self._portal.call(self._aio.aclose)
            return
        self._finalizer()
        self._portal.close()  # when another thread is closing it: wait until it is done

    def __enter__(self: C) -> C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
