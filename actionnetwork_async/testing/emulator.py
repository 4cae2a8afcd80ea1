"""An in-memory Action Network API server on loopback, for tests, benchmarks and the demo.

It serves the API entry point and HAL collections the way ``shared/reference`` documents them:
the people collection has no totals, keeps ``next`` on its last page and answers an empty page
past the end; other collections carry ``total_pages``/``total_records``. A missing or wrong
``OSDI-API-Token`` gets 403, more than ``rate_limit`` requests in a sliding second gets 429, and
faults (status codes, dropped connections, truncated bodies, latency) can be scripted per path.
Every request is logged with loop-clock times so tests measure on the server's side.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web

from .seed import seed_events, seed_people, seed_unique_id_lists

__all__ = ["DEFAULT_API_KEY", "Emulator", "Fault", "RequestRecord"]

DEFAULT_API_KEY = "emulator-key-0123456789abcdef"
API_PATH = "/api/v2/"
CURIES = [
    {"name": "osdi", "href": "https://actionnetwork.org/docs/v2/{rel}", "templated": True},
    {
        "name": "action_network",
        "href": "https://actionnetwork.org/docs/v2/{rel}",
        "templated": True,
    },
]
#: collection name -> (embedded rel, whether the collection reports totals)
COLLECTIONS: dict[str, tuple[str, bool]] = {
    "people": ("osdi:people", False),
    "events": ("osdi:events", True),
    "unique_id_lists": ("action_network:unique_id_lists", True),
    "tags": ("osdi:tags", True),
}
PERSON_LINKS = ("attendances", "signatures", "submissions", "donations", "outreaches", "taggings")
MAX_PER_PAGE = 25


@attrs.define
class RequestRecord:
    """One request as the server saw it; times are the event loop's clock."""

    start: float
    method: str
    path: str
    query: str
    end: float | None = None
    status: int | None = None
    size: int = 0


@attrs.define
class Fault:
    """A scripted failure for the next ``count`` requests matching ``path`` (None: any path).

    ``kind`` is ``"status"`` (answer ``status`` with an ``{"error": ...}`` body and optional
    ``retry_after``), ``"reset"`` (drop the connection without answering), ``"truncate"``
    (a 200 whose JSON body is cut in half) or ``"latency"`` (wait ``delay`` seconds first).
    """

    kind: str
    path: str | None = None
    count: int = 1
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0


class Emulator:
    """The API on a free loopback port: ``async with Emulator(people=100) as emu:``."""

    def __init__(
        self,
        *,
        people: int = 0,
        events: int = 0,
        unique_id_lists: int = 0,
        api_key: str = DEFAULT_API_KEY,
        rate_limit: float | None = 4.0,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.rate_limit = rate_limit
        self.latency = latency
        self.host = host
        self.port = port
        self.data: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self._ordered: dict[str, list[dict[str, Any]]] = {}  # page-slicing cache per collection
        self.load("people", seed_people(people))
        self.load("events", seed_events(events))
        self.load("unique_id_lists", seed_unique_id_lists(unique_id_lists))
        self.log: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._recent: deque[float] = deque()
        self._runner: web.AppRunner | None = None

    # -- set-up -------------------------------------------------------------------------------
    def load(self, collection: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Add records (dicts with an ``action_network:`` identifier) to a collection."""
        store = self.data[collection]
        for record in records:
            store[_an_id(record)] = dict(record)
        self._ordered.pop(collection, None)

    def records(self, collection: str) -> list[dict[str, Any]]:
        """The records of a collection in page order (cached until the collection changes)."""
        if collection not in self._ordered:
            self._ordered[collection] = list(self.data[collection].values())
        return self._ordered[collection]

    def add_fault(self, kind: str, *, path: str | None = None, count: int = 1, **kw: Any) -> Fault:
        """Script ``count`` failures of ``kind`` for ``path`` (a path below ``/api/v2/``)."""
        fault = Fault(kind, path=path, count=count, **kw)
        self.faults.append(fault)
        return fault

    @property
    def base_url(self) -> str:
        """The API entry point's URL."""
        return f"http://{self.host}:{self.port}{API_PATH}"

    def app(self) -> web.Application:
        """The aiohttp application (for mounting it in a test server of your own)."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(API_PATH, self._entry_point)
        app.router.add_route("*", API_PATH + "{collection}", self._collection)
        app.router.add_route("*", API_PATH + "{collection}/{id}", self._item)
        return app

    async def start(self) -> Emulator:
        """Start serving on loopback; a port of 0 picks a free one."""
        self._runner = web.AppRunner(self.app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- observation --------------------------------------------------------------------------
    def max_in_window(self, window: float = 1.0) -> int:
        """The largest number of requests that arrived within any sliding ``window`` seconds."""
        starts = sorted(r.start for r in self.log)
        best, lo = 0, 0
        for hi, t in enumerate(starts):
            while t - starts[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def count(self, status: int | None = None, path: str | None = None) -> int:
        """How many logged requests had ``status`` and/or ``path``."""
        return sum(
            1
            for r in self.log
            if (status is None or r.status == status) and (path is None or r.path == path)
        )

    # -- request handling ---------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        record = RequestRecord(loop.time(), request.method, request.path, request.query_string)
        self.log.append(record)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self._answer(request, handler, record)
        finally:
            self.in_flight -= 1
            record.end = loop.time()
        record.status = response.status
        body = getattr(response, "body", None)
        record.size = len(body) if isinstance(body, bytes) else 0
        return response

    async def _answer(
        self, request: web.Request, handler: Any, record: RequestRecord
    ) -> web.StreamResponse:
        if request.headers.get("OSDI-API-Token") != self.api_key:
            return _error(403, "API Key invalid or not present")
        if self._over_limit(record.start):
            return _error(429, "You have exceeded the rate limit of 4 requests per second.")
        fault = self._take_fault(request.path.removeprefix(API_PATH))
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault is not None:
            if fault.kind == "latency":
                await asyncio.sleep(fault.delay)
            elif fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                return _error(fault.status, "Injected failure", headers=headers)
            elif fault.kind == "reset":
                if request.transport is not None:
                    request.transport.abort()
                raise web.HTTPServiceUnavailable()  # never reaches the client: it is gone
        response: web.StreamResponse = await handler(request)
        if fault is not None and fault.kind == "truncate" and isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b""
            return web.Response(
                body=body[: len(body) // 2], status=response.status, content_type="application/json"
            )
        return response

    def _over_limit(self, now: float) -> bool:
        if self.rate_limit is None:
            return False
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            return True
        self._recent.append(now)
        return False

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.count > 0 and (fault.path is None or fault.path.strip("/") == path.strip("/")):
                fault.count -= 1
                return fault
        return None

    def _url(self, request: web.Request, path: str) -> str:
        return f"{request.url.origin()}{API_PATH}{path}"

    async def _entry_point(self, request: web.Request) -> web.Response:
        links: dict[str, Any] = {
            rel: {"href": self._url(request, name)} for name, (rel, _) in COLLECTIONS.items()
        }
        links["osdi:person_signup_helper"] = {"href": self._url(request, "people")}
        links["self"] = {"href": self._url(request, "")}
        links["curies"] = CURIES
        return _json({"motd": "Action Network API emulator", "_links": links})

    def _render(
        self, request: web.Request, collection: str, record: dict[str, Any]
    ) -> dict[str, Any]:
        href = self._url(request, f"{collection}/{_an_id(record)}")
        links: dict[str, Any] = {"self": {"href": href}}
        if collection == "people":
            for name in PERSON_LINKS:
                links[f"osdi:{name}"] = {"href": f"{href}/{name}"}
        return {**record, "_links": links}

    async def _collection(self, request: web.Request) -> web.Response:
        name = request.match_info["collection"]
        if name not in COLLECTIONS:
            return _error(404, f"Unknown endpoint {name}")
        if request.method == "POST":
            body = await _body(request)
            if isinstance(body, web.Response):
                return body
            record = {**body, "identifiers": [f"action_network:{uuid.uuid4()}"]}
            self.load(name, [record])
            return _json(self._render(request, name, record))
        if request.method != "GET":
            return _error(405, f"{request.method} is not allowed on this collection")
        return self._page(request, name)

    def _page(self, request: web.Request, name: str) -> web.Response:
        rel, totals = COLLECTIONS[name]
        try:
            page = max(1, int(request.query.get("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(request.query.get("per_page", MAX_PER_PAGE))))
        except ValueError:
            return _error(400, "page and per_page must be integers")
        records = self.records(name)
        chunk = records[(page - 1) * per_page : page * per_page]
        total_pages = max(1, -(-len(records) // per_page))
        base = self._url(request, name)
        extra = {k: v for k, v in request.query.items() if k not in ("page",)}
        query = "".join(f"&{k}={v}" for k, v in extra.items())
        links: dict[str, Any] = {"self": {"href": f"{base}?page={page}{query}"}}
        # People: a next link on every non-empty page, the last included (reference quirk).
        if (chunk and not totals) or (totals and page < total_pages):
            links["next"] = {"href": f"{base}?page={page + 1}{query}"}
        if page > 1:
            links["previous"] = {"href": f"{base}?page={page - 1}{query}"}
        links[rel] = [{"href": f"{base}/{_an_id(r)}"} for r in chunk]
        links["curies"] = CURIES
        document: dict[str, Any] = {"per_page": per_page, "page": page}
        if totals:
            document.update(total_pages=total_pages, total_records=len(records))
        document["_links"] = links
        document["_embedded"] = {rel: [self._render(request, name, r) for r in chunk]}
        return _json(document)

    async def _item(self, request: web.Request) -> web.Response:
        name, item_id = request.match_info["collection"], request.match_info["id"]
        store = self.data.get(name)
        if store is None or item_id not in store:
            return _error(404, f"No {name} resource with id {item_id}")
        if request.method == "GET":
            return _json(self._render(request, name, store[item_id]))
        if request.method == "PUT":
            body = await _body(request)
            if isinstance(body, web.Response):
                return body
            store[item_id].update(body)
            return _json(self._render(request, name, store[item_id]))
        if request.method == "DELETE":
            if name == "people":
                return _error(405, "Deleting a person is not allowed via the API.")
            del store[item_id]
            self._ordered.pop(name, None)
            return _json({"notice": f"This {name} resource was successfully deleted."})
        return _error(405, f"{request.method} is not allowed here")


def _an_id(record: Mapping[str, Any]) -> str:
    for ident in record.get("identifiers", ()):
        if isinstance(ident, str) and ident.startswith("action_network:"):
            return ident.removeprefix("action_network:")
    raise ValueError(f"record has no action_network: identifier: {record!r}")


def _json(document: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(document).encode(), status=status, content_type="application/hal+json"
    )


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps({"error": message}).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


async def _body(request: web.Request) -> dict[str, Any] | web.Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "Request body is not valid JSON")
    if not isinstance(body, dict):
        return _error(400, "Request body must be a JSON object")
    return body
