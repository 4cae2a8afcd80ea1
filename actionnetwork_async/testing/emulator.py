"""An Action Network API v2 emulator: an aiohttp server on loopback for tests, demos and users.

It follows the API's documentation (https://actionnetwork.org/docs/v2/ and its people, events,
unique_id_lists pages; https://actionnetwork.org/docs/webhooks): the entry point and curies;
people (no totals, ``next`` on the last page, an empty page past the end; PUT as a merge, with
status-only entries; ``background_request``; the person signup helper; no DELETE), events
(totals; POST with ``title`` and ``origin_system`` required and identifiers unique globally; PUT
leaving system fields alone; event campaigns; attendances and the record attendance helper; no
DELETE), unique ID lists (``unique_ids`` never shown; PUT with ``append`` or ``replace``; a second
change to a list while one is in progress fails), tags and taggings, the OData ``filter`` subset
(the documented fields per collection and operators), ``per_page`` up to 25.

Failures are faithful: 403 for a missing or wrong key, 429 past ``rate_limit`` requests in any
sliding second, 404 for unknown ids, all with ``{"error": ...}`` bodies; scriptable with
``add_fault``; and random with ``fault_rate`` (a seeded mix of what a real network does, for
soak tests). Real-world quirks the documentation does not promise are switches, off by
default (``next_drops_filter``, ``empty_helper_answers``, ``lenient_entry_point``), so a test
can prove the client copes. Every request is logged on the loop's clock, so measurements are
server-side.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import attrs
from aiohttp import web

from .odata import FilterError
from .seed import seed_event_campaigns, seed_events, seed_people, seed_tags, seed_unique_id_lists
from .state import SPONSOR, ApiError, State, an_id, link_id
from .webhook_sender import WebhookSender

__all__ = ["DEFAULT_API_KEY", "FAULT_MIX", "Emulator", "Fault", "RequestRecord"]

DEFAULT_API_KEY = "emulator-key-0123456789abcdef"
API_PATH = "/api/v2/"
DOCS = "https://actionnetwork.org/docs/v2/{rel}"
CURIES = [
    {"name": "osdi", "href": DOCS, "templated": True},
    {"name": "action_network", "href": DOCS, "templated": True},
]
MAX_PER_PAGE = 25
#: Float guard for window arithmetic: on the loop clock 4.1 - 3.1 is 0.9999999999999996, and two
#: requests exactly one second apart must not count as being in the same second.
EPSILON = 1e-9
PERSON_COLLECTIONS = ("attendances", "signatures", "submissions", "donations", "outreaches")
FAULT_KINDS = frozenset({"status", "reset", "truncate", "latency", "empty"})
#: The random faults of ``fault_rate`` and their relative weights: 429 with and without
#: ``Retry-After``, 5xx, a dropped connection, a body cut short, a latency spike (0.2 to 8 s)
#: and arrival jitter (the request reaches the server up to 0.1 s late, so requests the client
#: spaced evenly can arrive bunched).
FAULT_MIX: Mapping[str, float] = {
    "429 retry-after": 2,
    "429": 2,
    "500": 1,
    "502": 1,
    "503": 1,
    "504": 1,
    "reset": 1,
    "truncate": 1,
    "latency": 1,
    "jitter": 1,
}
#: Top-level collections: path -> (embedded rel, reports totals)
TOP = {
    "people": ("osdi:people", False),
    "events": ("osdi:events", True),
    "unique_id_lists": ("action_network:unique_id_lists", True),
    "tags": ("osdi:tags", True),
    "event_campaigns": ("action_network:event_campaigns", True),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
    body: bytes = b""  # the request's body (writes only)

    def json(self) -> Any:
        """The request body, decoded."""
        return json.loads(self.body) if self.body else None


@attrs.define
class Fault:
    """A scripted failure for the next ``count`` requests to ``path`` (None: any path).

    ``kind``: ``"status"`` answers ``status`` (with ``Retry-After: retry_after`` if given),
    ``"reset"`` drops the connection unanswered, ``"truncate"`` cuts a 200's JSON body in half,
    ``"latency"`` waits ``delay`` seconds first, ``"empty"`` answers ``200 {}`` and does nothing.
    ``path`` is relative to ``/api/v2/``, without a query (``"people"``, ``"events/<id>"``);
    ``method`` narrows it to one HTTP method.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(FAULT_KINDS))
    path: str | None = None
    count: int = 1
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    method: str | None = None


class Emulator:
    """The API on a free loopback port: ``async with Emulator(people=100) as emu:``.

    ``emu.base_url`` and ``emu.api_key`` are what a client needs. ``rate_limit`` (requests per
    sliding second, None for no limit), ``latency`` (seconds per request) and ``page_latency``
    (extra seconds per page number: deep pages are slower) shape its speed; ``webhook_url``
    makes it POST webhooks on signups (``action_network:upload``) and attendances.

    Switches for behaviours of the real API (docs/emulator.md has the list):

    * ``strict_filters`` (on): only the fields the API documents for each collection and the
      documented operators ``eq``, ``gt``, ``lt``; off: any field, ``ne``/``ge``/``le`` too.
    * ``next_drops_filter``: a filtered collection's page links leave the ``filter`` out, as
      a peer found on the real API: a client that follows them as given gets everything.
    * ``empty_helper_answers``: the signup and record attendance helpers answer ``200 {}``
      and store nothing, as the API does when it accepts nothing.
    * ``lenient_entry_point``: the entry point answers a wrong or missing key with 200 and no
      collection links (every other path still answers 403), as the Ruby gem found.

    ``fault_rate`` (0 to 1) hits that share of authenticated requests with a random fault
    drawn from ``fault_mix`` (``FAULT_MIX`` by default), seeded by ``fault_seed``;
    ``faults_injected`` counts them by kind.
    """

    def __init__(
        self,
        *,
        people: int = 0,
        events: int = 0,
        unique_id_lists: int = 0,
        tags: int = 0,
        event_campaigns: int = 0,
        api_key: str = DEFAULT_API_KEY,
        rate_limit: float | None = 4.0,
        latency: float = 0.0,
        page_latency: float = 0.0,
        list_latency: float = 0.05,
        list_latency_per_id: float = 1e-6,
        background_delay: float = 0.05,
        webhook_url: str | None = None,
        webhook_retry_delays: Iterable[float] = (0.5, 2.0, 10.0),
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        strict_filters: bool = True,
        next_drops_filter: bool = False,
        empty_helper_answers: bool = False,
        lenient_entry_point: bool = False,
        fault_rate: float = 0.0,
        fault_seed: int = 0,
        fault_mix: Mapping[str, float] = FAULT_MIX,
    ) -> None:
        self.api_key = api_key
        self.fault_rate = fault_rate
        self.fault_mix = dict(fault_mix)
        self._chaos = random.Random(fault_seed)
        #: How many random faults of each kind of ``FAULT_MIX`` were injected.
        self.faults_injected: Counter[str] = Counter()
        self.strict_filters = strict_filters
        self.next_drops_filter = next_drops_filter
        self.empty_helper_answers = empty_helper_answers
        self.lenient_entry_point = lenient_entry_point
        self.rate_limit = rate_limit
        self.latency = latency
        self.page_latency = page_latency
        self.list_latency = list_latency
        self.list_latency_per_id = list_latency_per_id
        self.background_delay = background_delay
        self.host = host
        self.port = port
        self.state = State()
        self.state.load("people", seed_people(people, seed=seed))
        self.state.load("events", seed_events(events, seed=seed + 1))
        self.state.load("unique_id_lists", seed_unique_id_lists(unique_id_lists, seed=seed + 2))
        self.state.load("tags", seed_tags(tags, seed=seed + 3))
        self.state.load("event_campaigns", seed_event_campaigns(event_campaigns, seed=seed + 4))
        self.log: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.list_conflicts = 0
        self.max_list_changes_at_once = 0
        self.webhooks = (
            WebhookSender(webhook_url, retry_delays=tuple(webhook_retry_delays))
            if webhook_url
            else None
        )
        self._recent: dict[str, deque[float]] = {}
        self._changing_lists: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._quiet = asyncio.Event()  # set whenever no request is being handled
        self._quiet.set()
        self._runner: web.AppRunner | None = None

    # -- life cycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The API entry point's URL."""
        return f"http://{self.host}:{self.port}{API_PATH}"

    def app(self) -> web.Application:
        """The aiohttp application, to mount in a server of your own."""
        app = web.Application(middlewares=[self._middleware])
        add = app.router.add_route
        add("GET", API_PATH, self._entry_point)
        add("*", API_PATH + "{collection}", self._top_collection)
        add("*", API_PATH + "{collection}/{id}", self._top_item)
        add("*", API_PATH + "{collection}/{id}/{sub}", self._sub_collection)
        add("GET", API_PATH + "{collection}/{id}/{sub}/{sub_id}", self._sub_item)
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
        """Stop serving, cancel background work and pending webhooks, close connections."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self.webhooks is not None:
            await self.webhooks.aclose()
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

    async def idle(self) -> None:
        """Wait until no request is in progress, background requests have been applied and
        webhooks delivered."""
        await self._quiet.wait()
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
        if self.webhooks is not None:
            await self.webhooks.idle()

    # -- scripting and observation ------------------------------------------------------------
    def add_fault(self, kind: str, *, path: str | None = None, count: int = 1, **kw: Any) -> Fault:
        """Script ``count`` failures of ``kind`` (see ``Fault``) for ``path`` or every path."""
        fault = Fault(kind, path=None if path is None else path.strip("/"), count=count, **kw)
        self.faults.append(fault)
        return fault

    def max_in_window(self, window: float = 1.0) -> int:
        """The most requests that arrived within any sliding ``window`` seconds."""
        starts = sorted(r.start for r in self.log)
        best, lo = 0, 0
        for hi, t in enumerate(starts):
            while t - starts[lo] >= window - EPSILON:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def count(
        self, status: int | None = None, path: str | None = None, method: str | None = None
    ) -> int:
        """How many logged requests match ``status``, ``path`` (below /api/v2/) and ``method``."""
        full = None if path is None else API_PATH + path.strip("/")
        return sum(
            1
            for r in self.log
            if (status is None or r.status == status)
            and (full is None or r.path.rstrip("/") == full.rstrip("/"))
            and (method is None or r.method == method)
        )

    def ids(self, collection: str) -> list[str]:
        """The ids of a collection, in page order."""
        return list(self.state[collection])

    # -- the request pipeline -----------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        record = RequestRecord(loop.time(), request.method, request.path, request.query_string)
        self.log.append(record)
        self.in_flight += 1
        self._quiet.clear()
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if request.method in ("POST", "PUT"):
                record.body = await request.read()
            response = await self._answer(request, handler, record)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self._quiet.set()
            record.end = loop.time()
        record.status = response.status
        body = getattr(response, "body", None)
        record.size = len(body) if isinstance(body, bytes) else 0
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, record: RequestRecord
    ) -> web.StreamResponse:
        token = request.headers.get("OSDI-API-Token")
        if token != self.api_key:
            if self.lenient_entry_point and request.method == "GET" and request.path == API_PATH:
                return self._bare_entry_point(request)
            return _error(403, "API Key invalid or not present")
        late, chance = self._random_fault()
        if late:  # arrival jitter: the request reaches the server (and its log) late
            await asyncio.sleep(late)
            record.start = asyncio.get_running_loop().time()
        if self._over_limit(token, record.start):
            return _error(429, "You have exceeded the rate limit of 4 requests per second.")
        fault = self._take_fault(request) or chance
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault is not None:
            if fault.kind == "latency":
                await asyncio.sleep(fault.delay)
            elif fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                return _error(fault.status, "Injected failure", headers=headers)
            elif fault.kind == "empty":
                return _json({})
            elif fault.kind == "reset":
                if request.transport is not None:
                    request.transport.abort()
                raise web.HTTPServiceUnavailable()  # never reaches the client: it is gone
        try:
            response = await handler(request)
        except ApiError as exc:
            return _error(exc.status, exc.message)
        except FilterError as exc:
            return _error(400, f"Invalid filter: {exc}")
        except web.HTTPException as exc:
            return _error(exc.status, exc.reason)
        if fault is not None and fault.kind == "truncate" and isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b""
            return web.Response(
                body=body[: len(body) // 2], status=response.status, content_type="application/json"
            )
        return response

    def _over_limit(self, token: str, now: float) -> bool:
        if self.rate_limit is None:
            return False
        recent = self._recent.setdefault(token, deque())
        while recent and now - recent[0] >= 1.0 - EPSILON:
            recent.popleft()
        if len(recent) >= self.rate_limit:
            return True
        recent.append(now)
        return False

    def _take_fault(self, request: web.Request) -> Fault | None:
        path = request.path.removeprefix(API_PATH).strip("/")
        for fault in self.faults:
            if (
                fault.count > 0
                and (fault.path is None or fault.path == path)
                and (fault.method is None or fault.method == request.method)
            ):
                fault.count -= 1
                return fault
        return None

    def _random_fault(self) -> tuple[float, Fault | None]:
        """With probability ``fault_rate``, one kind drawn from ``fault_mix`` (and counted):
        (seconds of arrival delay, the fault to apply)."""
        if not self.fault_rate or self._chaos.random() >= self.fault_rate:
            return 0.0, None
        kinds = list(self.fault_mix)
        kind = self._chaos.choices(kinds, weights=[self.fault_mix[k] for k in kinds])[0]
        self.faults_injected[kind] += 1
        if kind == "jitter":
            return self._chaos.uniform(0.0, 0.1), None
        if kind.startswith("429"):
            wait = str(self._chaos.choice((1, 2))) if kind == "429 retry-after" else None
            return 0.0, Fault("status", status=429, retry_after=wait)
        if kind.isdigit():
            return 0.0, Fault("status", status=int(kind))
        if kind == "latency":
            return 0.0, Fault("latency", delay=self._chaos.uniform(0.2, 8.0))
        return 0.0, Fault(kind)

    def _later(self, delay: float, action: Callable[[], object]) -> None:
        """Run ``action`` after ``delay`` seconds (background requests)."""

        async def run() -> None:
            await asyncio.sleep(delay)
            action()

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- rendering ----------------------------------------------------------------------------
    def _url(self, request: web.Request, path: str) -> str:
        return f"{request.url.origin()}{API_PATH}{path}"

    def _render(self, request: web.Request, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """A record as the API shows it: public fields plus ``_links``."""
        key = an_id(record)

        def url(path: str) -> str:
            return self._url(request, path)

        links: dict[str, Any] = {}
        if kind == "people":
            links["self"] = {"href": url(f"people/{key}")}
            for name in (*PERSON_COLLECTIONS, "taggings"):
                links[f"osdi:{name}"] = {"href": url(f"people/{key}/{name}")}
        elif kind == "events":
            links["self"] = {"href": url(f"events/{key}")}
            links["osdi:attendances"] = {"href": url(f"events/{key}/attendances")}
            links["osdi:record_attendance_helper"] = {"href": url(f"events/{key}/attendances")}
            if record.get("_creator_id"):
                person = {"href": url(f"people/{record['_creator_id']}")}
                links["osdi:creator"] = links["osdi:organizer"] = person
            if record.get("action_network:event_campaign_id"):
                campaign = record["action_network:event_campaign_id"]
                links["action_network:event_campaign"] = {
                    "href": url(f"event_campaigns/{campaign}")
                }
        elif kind == "tags":
            links["self"] = {"href": url(f"tags/{key}")}
            links["osdi:taggings"] = {"href": url(f"tags/{key}/taggings")}
        elif kind == "taggings":
            links["self"] = {"href": url(f"tags/{record['_tag_id']}/taggings/{key}")}
            links["osdi:tag"] = {"href": url(f"tags/{record['_tag_id']}")}
            links["osdi:person"] = {"href": url(f"people/{record['_person_id']}")}
        elif kind == "attendances":
            event, person = record["action_network:event_id"], record["action_network:person_id"]
            links["self"] = {"href": url(f"events/{event}/attendances/{key}")}
            links["osdi:event"] = {"href": url(f"events/{event}")}
            links["osdi:person"] = {"href": url(f"people/{person}")}
        elif kind == "event_campaigns":
            links["self"] = {"href": url(f"event_campaigns/{key}")}
            links["osdi:events"] = {"href": url(f"event_campaigns/{key}/events")}
        else:
            links["self"] = {"href": url(f"{kind}/{key}")}
        shown = {k: v for k, v in record.items() if not k.startswith("_")}
        return {**shown, "_links": links}

    def _document(self, request: web.Request, kind: str, record: Mapping[str, Any]) -> web.Response:
        """One resource, with the curies a top-level document carries."""
        rendered = self._render(request, kind, record)
        rendered["_links"]["curies"] = CURIES
        return _json(rendered)

    async def _page(
        self,
        request: web.Request,
        records: list[dict[str, Any]],
        *,
        kind: str,
        rel: str,
        path: str,
        totals: bool,
    ) -> web.Response:
        """One page of a collection (filtered by the request's ``filter``), with the people
        quirk when ``totals`` is False."""
        records = self.state.select(
            kind, records, request.query.get("filter"), strict=self.strict_filters
        )
        try:
            page = max(1, int(request.query.get("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(request.query.get("per_page", MAX_PER_PAGE))))
        except ValueError:
            raise ApiError(400, "page and per_page must be integers") from None
        if self.page_latency:
            await asyncio.sleep(self.page_latency * page)
        chunk = records[(page - 1) * per_page : page * per_page]
        total_pages = max(1, -(-len(records) // per_page))
        base = self._url(request, path)
        dropped = ("page", "filter") if self.next_drops_filter else ("page",)
        extra = [(k, v) for k, v in request.query.items() if k not in dropped]

        def href(number: int) -> dict[str, str]:
            return {"href": f"{base}?{urlencode([('page', number), *extra])}"}

        links: dict[str, Any] = {"self": href(page)}
        # People: every non-empty page has a next link, the last one too (reference quirk).
        if (not totals and chunk) or (totals and page < total_pages):
            links["next"] = href(page + 1)
        if page > 1:
            links["previous"] = href(page - 1)
        rendered = [self._render(request, kind, r) for r in chunk]
        links[rel] = [r["_links"]["self"] for r in rendered]
        links["curies"] = CURIES
        document: dict[str, Any] = {}
        if totals:
            document.update(total_pages=total_pages, total_records=len(records))
        document.update(per_page=per_page, page=page, _links=links, _embedded={rel: rendered})
        return _json(document)

    # -- handlers -----------------------------------------------------------------------------
    def _bare_entry_point(self, request: web.Request) -> web.Response:
        """The entry point as a wrong or missing key sees it (``lenient_entry_point``)."""
        links = {"self": {"href": self._url(request, "")}, "curies": CURIES}
        return _json({"motd": "Welcome to the Action Network API emulator", "_links": links})

    async def _entry_point(self, request: web.Request) -> web.Response:
        links: dict[str, Any] = {
            rel: {"href": self._url(request, p)} for p, (rel, _) in TOP.items()
        }
        links["osdi:person_signup_helper"] = {"href": self._url(request, "people")}
        links["self"] = {"href": self._url(request, "")}
        links["curies"] = CURIES
        return _json({"motd": "Welcome to the Action Network API emulator", "_links": links})

    async def _top_collection(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["collection"]
        if name not in TOP:
            raise ApiError(404, f"Unknown endpoint {name}")
        if request.method == "GET":
            rel, totals = TOP[name]
            records = self.state[name].values()
            return await self._page(request, records, kind=name, rel=rel, path=name, totals=totals)
        if request.method != "POST":
            raise ApiError(405, f"{request.method} is not allowed on the {name} collection")
        body = await _body(request)
        if name == "people":
            return self._signup(request, body)
        if name == "events":
            event, _ = self.state.create_event(body)
            return self._document(request, "events", event)
        if name == "unique_id_lists":
            ids = self.state.check_new_list(body)
            await asyncio.sleep(self._list_delay(len(ids)))
            return self._document(request, name, self.state.create_list(body))
        if name == "tags":
            return self._document(request, name, self.state.create_tag(body))
        raise ApiError(405, f"POST is not allowed on the {name} collection")

    def _signup(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        self.state.check_signup(body)

        def apply() -> dict[str, Any]:
            person, _ = self.state.signup(body)
            if self.webhooks is not None:
                self.webhooks.send(self._upload_payload(request, person, body))
            return person

        if self.empty_helper_answers:
            return _json({})
        if _background(request):
            self._later(self.background_delay, apply)
            return _json({})
        return self._document(request, "people", apply())

    async def _top_item(self, request: web.Request) -> web.StreamResponse:
        name, key = request.match_info["collection"], request.match_info["id"]
        if name not in TOP:
            raise ApiError(404, f"Unknown endpoint {name}")
        record = self.state[name].get(key)
        if request.method == "GET":
            return self._document(request, name, record)
        if request.method == "DELETE":
            if name != "unique_id_lists":
                raise ApiError(405, f"Deleting {name} is not allowed via the API.")
            self.state.delete_list(key)
            return _json({"notice": "This unique id list was successfully deleted."})
        if request.method != "PUT":
            raise ApiError(405, f"{request.method} is not allowed here")
        body = await _body(request)
        if name == "people":
            if _background(request):
                self._later(self.background_delay, lambda: self.state.update_person(key, body))
                return _json({})
            return self._document(request, name, self.state.update_person(key, body))
        if name == "events":
            return self._document(request, name, self.state.update_event(key, body))
        if name == "unique_id_lists":
            return self._document(request, name, await self._change_list(key, body))
        raise ApiError(405, f"PUT is not allowed on {name}")

    def _list_delay(self, n: int) -> float:
        return self.list_latency + self.list_latency_per_id * n

    async def _change_list(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Apply a list PUT; one still in progress on the same list makes this one fail."""
        ids = self.state.check_list_change(key, body)
        if key in self._changing_lists:
            self.list_conflicts += 1
            raise ApiError(409, "This unique ID list is being modified by another request.")
        self._changing_lists.add(key)
        busy = len(self._changing_lists)
        self.max_list_changes_at_once = max(self.max_list_changes_at_once, busy)
        try:
            await asyncio.sleep(self._list_delay(len(ids)))
            return self.state.change_list(key, body)
        finally:
            self._changing_lists.discard(key)

    async def _sub_collection(self, request: web.Request) -> web.StreamResponse:
        name, key, sub = (request.match_info[k] for k in ("collection", "id", "sub"))
        if name not in TOP:
            raise ApiError(404, f"Unknown endpoint {name}")
        self.state[name].get(key)
        path, method = f"{name}/{key}/{sub}", request.method

        async def page(records: list[dict[str, Any]], kind: str, rel: str) -> web.Response:
            return await self._page(request, records, kind=kind, rel=rel, path=path, totals=True)

        if name == "people" and method == "GET":
            if sub == "taggings":
                return await page(
                    self.state.related("taggings", "_person_id", key), sub, "osdi:taggings"
                )
            if sub == "attendances":
                records = self.state.related("attendances", "action_network:person_id", key)
                return await page(records, sub, "osdi:attendances")
            if sub in PERSON_COLLECTIONS:  # signatures, donations ...: not modelled, empty
                return await page([], sub, f"osdi:{sub}")
        if (name, sub) == ("events", "attendances"):
            if method == "POST":
                return await self._record_attendance(request, key)
            records = self.state.related("attendances", "action_network:event_id", key)
            return await page(records, sub, "osdi:attendances")
        if (name, sub) == ("tags", "taggings"):
            if method == "POST":
                person = link_id(await _body(request), "osdi:person")
                if person is None:
                    raise ApiError(400, "A tagging needs an osdi:person link")
                return self._document(request, sub, self.state.create_tagging(key, person))
            return await page(self.state.related("taggings", "_tag_id", key), sub, "osdi:taggings")
        if (name, sub) == ("event_campaigns", "events"):
            if method == "POST":
                event, _ = self.state.create_event(await _body(request), campaign=key)
                return self._document(request, "events", event)
            records = self.state.related("events", "action_network:event_campaign_id", key)
            return await page(records, "events", "osdi:events")
        raise ApiError(404 if method == "GET" else 405, f"Unknown endpoint {path}")

    async def _record_attendance(self, request: web.Request, event_key: str) -> web.Response:
        body = await _body(request)
        if self.empty_helper_answers:
            self.state.check_signup(body)
            return _json({})
        attendance, person = self.state.record_attendance(event_key, body)
        if self.webhooks is not None:
            self.webhooks.send(self._attendance_payload(request, attendance, person, body))
        return self._document(request, "attendances", attendance)

    async def _sub_item(self, request: web.Request) -> web.StreamResponse:
        name, key, sub, sub_key = (
            request.match_info[k] for k in ("collection", "id", "sub", "sub_id")
        )
        kinds = {("events", "attendances"): "attendances", ("tags", "taggings"): "taggings"}
        kind = kinds.get((name, sub))
        if kind is None:
            raise ApiError(404, f"Unknown endpoint {name}/{key}/{sub}")
        return self._document(request, kind, self.state[kind].get(sub_key))

    # -- webhook payloads ---------------------------------------------------------------------
    def _person_core(self, person: Mapping[str, Any]) -> dict[str, Any]:
        """Core fields only: action payloads carry no custom fields or tags (reference)."""
        return {k: v for k, v in person.items() if k not in ("custom_fields", "identifiers")}

    def _upload_payload(
        self, request: web.Request, person: Mapping[str, Any], body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A signup helper POST is sent as an upload (https://actionnetwork.org/docs/webhooks/upload),
        without the tags or custom fields POSTed."""
        upload: dict[str, Any] = {
            "created_date": self.state.now(),
            "modified_date": self.state.now(),
            "person": self._person_core(person),
            "action_network:referrer_data": {},
            "_links": {"osdi:person": {"href": self._url(request, f"people/{an_id(person)}")}},
        }
        return {"action_network:upload": upload, "action_network:sponsor": _webhook_sponsor()}

    def _attendance_payload(
        self,
        request: web.Request,
        attendance: Mapping[str, Any],
        person: Mapping[str, Any],
        body: Mapping[str, Any],
    ) -> dict[str, Any]:
        rendered = self._render(request, "attendances", attendance)
        rendered.update(
            person=self._person_core(person),
            add_tags=list(body.get("add_tags") or ()),
            **{"action_network:referrer_data": {}},
        )
        return {"osdi:attendance": rendered, "action_network:sponsor": _webhook_sponsor()}


def _webhook_sponsor() -> dict[str, str]:
    """The sponsor as webhooks write it: ``url``, where the API's resources say ``browser_url``."""
    return {"title": SPONSOR["title"], "url": SPONSOR["browser_url"]}


def _background(request: web.Request) -> bool:
    return request.query.get("background_request", "").lower() == "true"


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


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body
