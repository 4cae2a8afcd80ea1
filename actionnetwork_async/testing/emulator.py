"""An Action Network API v2 emulator: an aiohttp server on loopback for tests, demos and users.

It follows the API's documentation (https://actionnetwork.org/docs/v2/ and the page of every
resource; https://actionnetwork.org/docs/webhooks): the entry point and curies; every resource
declared in ``registry.py`` (people, events, event campaigns, campaigns, petitions, forms,
fundraising pages, advocacy campaigns, surveys, their signatures, submissions, donations,
outreaches, responses and attendances with the record helpers, tags and taggings, messages
with the send and schedule helpers, lists and items, queries, wrappers, unique ID lists,
metadata and custom fields, embed codes) with the methods, read-only fields, links and
sub-collections its page documents; the people quirks (no totals, ``next`` on the last page,
an empty page past the end); ``background_request``; the OData ``filter`` subset (the
documented fields per collection and operators); ``per_page`` up to 25; webhooks for every
action type.

Failures are faithful: 403 for a missing or wrong key, 429 past ``rate_limit`` requests in any
sliding second, 404 for unknown ids, 405 for methods a resource does not allow, all with
``{"error": ...}`` bodies; scriptable with ``add_fault``; and random with ``RandomFaults``
(a seeded mix of what a real network does, for soak tests). Real-world quirks the
documentation does not promise are switches of ``Quirks``, off by default
(``next_drops_filter``, ``next_link_loops``, ``empty_helper_answers``,
``lenient_entry_point``, ``refuse_malformed_emails``), so a test can prove the client copes.
The options are the attrs classes of ``config.py``.
Every request is logged on the loop's clock, so measurements are server-side.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import re
import socket
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlencode

import attrs
from aiohttp import web

from .config import DEFAULT_API_KEY, FAULT_MIX, Quirks, RandomFaults, Seed, Timing, Webhooks
from .odata import FilterError
from .registry import KINDS, Kind, children, top_kinds
from .seed import seed_state
from .state import SPONSOR, ApiError, State, an_id
from .webhook_sender import WebhookSender

__all__ = ["DEFAULT_API_KEY", "FAULT_MIX", "Emulator", "Fault", "RequestRecord"]

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
FAULT_KINDS = frozenset({"status", "reset", "truncate", "latency", "empty"})
#: Core person fields, as action payloads carry them (no custom fields, tags or identifiers:
#: https://actionnetwork.org/docs/webhooks/action).
_NOT_CORE = ("custom_fields", "identifiers")

_Option = TypeVar("_Option", Seed, Quirks, Timing, Webhooks, RandomFaults)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Special = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


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


class RequestLog:
    """Questions about a server's log of requests, oldest first."""

    def _requests(self) -> list[RequestRecord]:
        raise NotImplementedError

    def max_in_window(self, window: float = 1.0) -> int:
        """The most requests that arrived within any sliding ``window`` seconds."""
        starts = sorted(r.start for r in self._requests())
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
            for r in self._requests()
            if (status is None or r.status == status)
            and (full is None or r.path.rstrip("/") == full.rstrip("/"))
            and (method is None or r.method == method)
        )


class Emulator(RequestLog):
    """The API on a free loopback port: ``async with Emulator(seed=Seed(people=100)) as emu:``.

    ``emu.base_url`` and ``emu.api_key`` are what a client needs. Its options come in groups,
    each an attrs class whose defaults are the emulator's (docs/emulator.md has the table):

    * ``seed`` (``Seed``): how many records of each resource it starts with (none by default;
      ``Seed.demo()`` and ``Seed.small()`` are populated ones), and the random seed.
    * ``quirks`` (``Quirks``): switches for behaviours of the real API (``strict_filters``,
      ``next_drops_filter``, ``next_link_loops``, ``empty_helper_answers``,
      ``lenient_entry_point``, ``refuse_malformed_emails``, ``date_skew``, ``group_key``).
    * ``timing`` (``Timing``): how long requests, deep pages, list changes and background
      work take, and the arrival jitter of requests.
    * ``webhooks`` (``Webhooks``): where to POST a webhook for every action recorded, when,
      with which retries, for which payload types.
    * ``random_faults`` (``RandomFaults``): the share of authenticated requests hit by a random
      fault drawn from a weighted mix (``FAULT_MIX`` by default), seeded; ``faults_injected``
      counts them by kind.

    Each is kept as an attribute of that name (a copy of the one given), so a test can change
    a switch of a running emulator: ``emu.quirks.empty_helper_answers = True`` and
    ``emu.timing.latency = 0.5`` take effect on the next request (``seed`` is used once, here).
    ``rate_limit`` is requests per sliding second per key (None: no limit; the API allows 4,
    https://actionnetwork.org/docs/v2/), also an attribute a test may change. ``clock``
    (default: the real UTC time) gives the server's time, for every date it writes and its
    ``Date`` header; a test passes one driven by the loop's clock.
    """

    def __init__(
        self,
        *,
        seed: Seed | None = None,
        quirks: Quirks | None = None,
        timing: Timing | None = None,
        webhooks: Webhooks | None = None,
        random_faults: RandomFaults | None = None,
        rate_limit: float | None = 4.0,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if rate_limit is not None and not rate_limit > 0:
            raise ValueError(f"rate_limit must be > 0 (or None for no limit), not {rate_limit!r}")
        #: What it was seeded with.
        self.seed = _option("seed", seed, Seed)
        #: Switches for behaviours of the real API; change them at any time.
        self.quirks = attrs.evolve(_option("quirks", quirks, Quirks))
        #: How long things take; change them at any time.
        self.timing = attrs.evolve(_option("timing", timing, Timing))
        #: The webhook sent for every action recorded; change it at any time.
        self.webhooks = attrs.evolve(_option("webhooks", webhooks, Webhooks))
        #: Random failures; change them at any time (a new ``seed`` restarts the sequence).
        self.random_faults = attrs.evolve(_option("random_faults", random_faults, RandomFaults))
        self.rate_limit = rate_limit
        self.api_key = api_key
        self.host = host
        self.port = port
        self._chaos_seed = self.random_faults.seed
        self._chaos = random.Random(self._chaos_seed)
        #: How many random faults of each kind of ``RandomFaults.mix`` were injected.
        self.faults_injected: Counter[str] = Counter()
        self._jitter = random.Random(self.seed.random_seed)
        self._arriving = 0  # requests held back by arrival_jitter, not yet counted
        self.state = State(clock)
        seed_state(self.state, self.seed.counts(), seed=self.seed.random_seed)
        self.log: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.list_conflicts = 0
        self.max_list_changes_at_once = 0
        #: Autoresponse emails the API would send: (resource, id, email) of helper POSTs with
        #: ``triggers.autoresponse.enabled`` on actions made in the user interface.
        self.autoresponses: list[tuple[str, str, str]] = []
        #: Background writes that failed after their request was answered ``{}``.
        self.background_errors: list[ApiError] = []
        #: What sends the webhooks (``deliveries``, ``delivered``, ``failed``); None until
        #: ``webhooks.url`` is set.
        self.webhook_sender: WebhookSender | None = None
        self._sender()
        self._recent: dict[str, deque[float]] = {}
        self._changing_lists: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}  # scheduled message sends
        self._quiet = asyncio.Event()  # set whenever no request is being handled
        self._quiet.set()
        self._runner: web.AppRunner | None = None
        #: Writes with rules of their own; every other one is the registry's generic create,
        #: update or delete.
        self._special: dict[tuple[str, str], Special] = {
            ("people", "POST"): self._signup,
            ("people", "PUT"): self._put_person,
            ("unique_id_lists", "POST"): self._post_list,
            ("unique_id_lists", "PUT"): self._put_list,
            ("unique_id_lists", "DELETE"): self._delete_list,
            ("messages", "PUT"): self._put_message,
        }
        #: Sub-paths that are helpers or documents rather than collections.
        self._endpoints: dict[str, Callable[[web.Request, Kind, str], Awaitable[web.Response]]] = {
            "embed": self._embed,
            "send": self._send_helper,
            "schedule": self._schedule_helper,
        }

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
        add("*", API_PATH + "{collection}/{id}/{sub}/{sub_id}", self._sub_item)
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
        """Stop serving, cancel background work, scheduled sends and pending webhooks, close
        connections."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self.webhook_sender is not None:
            await self.webhook_sender.aclose()
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
        """Wait until no request is in progress, background requests have been applied
        (messages targeted and sent included; a send scheduled for later is not waited for)
        and webhooks delivered."""
        await self._quiet.wait()
        # Done tasks are left to their discard callback: from Python 3.12 on, gather() of tasks
        # that are all done returns without yielding, so waiting on them again would spin.
        while pending := [task for task in self._background if not task.done()]:
            await asyncio.gather(*pending, return_exceptions=True)
        if self.webhook_sender is not None:
            await self.webhook_sender.idle()

    # -- scripting and observation ------------------------------------------------------------
    def _requests(self) -> list[RequestRecord]:
        return self.log

    def add_fault(self, kind: str, *, path: str | None = None, count: int = 1, **kw: Any) -> Fault:
        """Script ``count`` failures of ``kind`` (see ``Fault``) for ``path`` or every path."""
        fault = Fault(kind, path=None if path is None else path.strip("/"), count=count, **kw)
        self.faults.append(fault)
        return fault

    def ids(self, collection: str) -> list[str]:
        """The ids of a collection, in page order."""
        return list(self.state[collection])

    def add_manually(self, person: Mapping[str, Any], *, add_tags: Iterable[str] = ()) -> str:
        """Add or update a person as an organizer does by hand in the user interface (there is
        no API for it); with ``webhooks.url`` this sends the ``action_network:action`` webhook
        such additions fire, with full core fields and no subscription statuses
        (https://actionnetwork.org/docs/webhooks/action). Returns the person's id. Call it
        with the loop running."""
        tags = list(add_tags)
        stored, _ = self.state.signup({"person": person, "add_tags": tags})
        key = an_id(stored)
        if self._hooked("action_network:action"):
            core = self._person_core(stored)
            for field in ("email_addresses", "phone_numbers"):
                core[field] = [
                    {k: v for k, v in entry.items() if k != "status"} for entry in core[field]
                ]
            action = {
                "created_date": self.state.now(),
                "modified_date": self.state.now(),
                "person": core,
                "add_tags": tags,
                "action_network:referrer_data": {},
                "_links": {"osdi:person": {"href": f"{self.base_url}people/{key}"}},
            }
            self._hook("action_network:action", action)
        return key

    # -- the request pipeline -----------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        self._quiet.clear()
        if jitter := self.timing.arrival_jitter:  # the network's share: not here yet
            self._arriving += 1
            try:
                await asyncio.sleep(self._jitter.uniform(0.0, jitter))
            finally:
                self._arriving -= 1
        record = RequestRecord(loop.time(), request.method, request.path, request.query_string)
        self.log.append(record)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if request.method in ("POST", "PUT"):
                record.body = await request.read()
            response = await self._answer(request, handler, record)
        finally:
            self.in_flight -= 1
            if self.in_flight == 0 and self._arriving == 0:
                self._quiet.set()
            record.end = loop.time()
        record.status = response.status
        # The server's own time, as every HTTP server sends it: the same clock as the records'
        # dates (https://www.rfc-editor.org/rfc/rfc9110#field.date).
        now = self.state.clock() + timedelta(seconds=self.quirks.date_skew)
        response.headers["Date"] = format_datetime(now.astimezone(timezone.utc), usegmt=True)
        body = getattr(response, "body", None)
        record.size = len(body) if isinstance(body, bytes) else 0
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, record: RequestRecord
    ) -> web.StreamResponse:
        token = request.headers.get("OSDI-API-Token")
        if token != self.api_key:
            lenient = self.quirks.lenient_entry_point
            if lenient and request.method == "GET" and request.path == API_PATH:
                return self._bare_entry_point(request)
            if token is not None or not _helper_post(request):  # helpers need no key
                return _error(403, "API Key invalid or not present")
        if not self.quirks.group_key and request.path.startswith(f"{API_PATH}tags"):
            return _error(403, "This API key has no access to tags")
        late, chance = self._random_fault()
        if late:  # arrival jitter: the request reaches the server (and its log) late
            await asyncio.sleep(late)
            record.start = asyncio.get_running_loop().time()
        if self._over_limit(token or "", record.start):
            return _error(429, "You have exceeded the rate limit of 4 requests per second.")
        fault = self._take_fault(request) or chance
        if self.timing.latency:
            await asyncio.sleep(self.timing.latency)
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
        """With probability ``random_faults.rate``, one kind drawn from ``random_faults.mix``
        (and counted): (seconds of arrival delay, the fault to apply)."""
        chaos = self.random_faults
        if chaos.seed != self._chaos_seed:  # a new seed restarts the sequence
            self._chaos_seed = chaos.seed
            self._chaos.seed(chaos.seed)
        if not chaos.rate or self._chaos.random() >= chaos.rate:
            return 0.0, None
        kinds = [k for k, weight in chaos.mix.items() if weight > 0]
        if not kinds:
            return 0.0, None
        kind = self._chaos.choices(kinds, weights=[chaos.mix[k] for k in kinds])[0]
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
        """Run ``action`` after ``delay`` seconds (background requests). A write the API would
        refuse fails there unseen by the client, as a queued request does; it is kept in
        ``background_errors``."""

        async def run() -> None:
            await asyncio.sleep(delay)
            try:
                action()
            except ApiError as exc:
                self.background_errors.append(exc)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- rendering ----------------------------------------------------------------------------
    def _url(self, request: web.Request, path: str) -> str:
        # Scheme and Host header, not request.url: aiohttp before 3.10.7 builds that URL with the
        # port inside the host, which yarl 1.13 and later reject (aiohttp #9309).
        return f"{request.scheme}://{request.host}{API_PATH}{path}"

    @staticmethod
    def _path(kind: Kind, record: Mapping[str, Any]) -> str:
        """A record's canonical path: under its home owner, else at the top level."""
        key = an_id(record)
        if kind.home is None:
            return f"{kind.name}/{key}"
        return f"{kind.home}/{record[kind.owners[0].field]}/{kind.name}/{key}"

    def _render(self, request: web.Request, name: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """A record as the API shows it: public fields plus the ``_links`` its declaration
        gives (self, owners, linked records, sub-collections, helpers, embed)."""
        kind = KINDS[name]
        key = an_id(record)

        def href(path: str) -> dict[str, str]:
            return {"href": self._url(request, path)}

        links: dict[str, Any] = {"self": href(self._path(kind, record))}
        for owner in kind.owners:
            if record.get(owner.field):
                for rel in (owner.rel, *owner.aliases):
                    links[rel] = href(f"{owner.kind}/{record[owner.field]}")
        for field in kind.link_fields:
            if record.get(field.field):
                links[field.rel] = href(f"{field.kind}/{record[field.field]}")
        if kind.top:
            for child in children(name).values():
                links[child.rel] = href(f"{name}/{key}/{child.name}")
                if _creates_under(child) == name:
                    for rel in child.helpers:
                        links[rel] = href(f"{name}/{key}/{child.name}")
            for sub, rel in kind.endpoints.items():
                links[rel] = href(f"{name}/{key}/{sub}")
            if kind.embed:
                links["action_network:embed"] = href(f"{name}/{key}/embed")
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
    ) -> web.Response:
        """One page of a collection of ``kind`` (filtered by the request's ``filter``), with
        the people quirk where the collection has no totals."""
        totals = KINDS[kind].totals
        records = self.state.select(
            kind, records, request.query.get("filter"), strict=self.quirks.strict_filters
        )
        try:
            page = max(1, int(request.query.get("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(request.query.get("per_page", MAX_PER_PAGE))))
        except ValueError:
            raise ApiError(400, "page and per_page must be integers") from None
        if self.timing.page_latency:
            await asyncio.sleep(self.timing.page_latency * page)
        chunk = records[(page - 1) * per_page : page * per_page]
        total_pages = max(1, -(-len(records) // per_page))
        base = self._url(request, path)
        dropped = ("page", "filter") if self.quirks.next_drops_filter else ("page",)
        extra = [(k, v) for k, v in request.query.items() if k not in dropped]

        def href(number: int) -> dict[str, str]:
            return {"href": f"{base}?{urlencode([('page', number), *extra])}"}

        links: dict[str, Any] = {"self": href(page)}
        # People: every non-empty page has a next link, the last one too (reference quirk).
        if (not totals and chunk) or (totals and page < total_pages):
            links["next"] = href(page + 1)
        if self.quirks.next_link_loops and page > 1 and chunk:  # the same page again, for ever
            turn = request.query.get("loop", "0")
            again = [(k, v) for k, v in extra if k != "loop"]
            again.append(("loop", str(int(turn) + 1 if turn.isdigit() else 1)))
            links["next"] = {"href": f"{base}?{urlencode([('page', page), *again])}"}
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
        """The AEP (https://actionnetwork.org/docs/v2/aep): a link to every collection."""
        links: dict[str, Any] = {
            k.rel: {"href": self._url(request, k.name)}
            for k in top_kinds()
            if self.quirks.group_key or k.name != "tags"  # a personal list's key reaches no tags
        }
        links["osdi:person_signup_helper"] = {"href": self._url(request, "people")}
        links["action_network:metadata"] = {"href": self._url(request, "metadata")}
        links["self"] = {"href": self._url(request, "")}
        links["curies"] = CURIES
        return _json(
            {
                "motd": "Welcome to the Action Network API emulator",
                "vendor_name": "Action Network",
                "product_name": "Action Network",
                "osdi_version": "1.1.1",
                "namespace": "action_network",
                "max_page_size": MAX_PER_PAGE,
                "_links": links,
            }
        )

    @staticmethod
    def _top_kind(name: str) -> Kind:
        kind = KINDS.get(name)
        if kind is None or not kind.top:
            raise ApiError(404, f"Unknown endpoint {name}")
        return kind

    async def _top_collection(self, request: web.Request) -> web.StreamResponse:
        name, method = request.match_info["collection"], request.method
        if name == "metadata":
            return self._metadata(request)
        kind = self._top_kind(name)
        if method == "GET":
            records = self.state[name].values()
            return await self._page(request, records, kind=name, rel=kind.rel, path=name)
        special = self._special.get((name, method))
        if special is not None:
            return await special(request, "")
        if method != "POST" or not kind.create or kind.home is not None:
            raise ApiError(405, f"{method} is not allowed on the {name} collection")
        return self._create(request, kind, await _body(request))

    async def _top_item(self, request: web.Request) -> web.StreamResponse:
        name, key, method = (
            request.match_info["collection"],
            request.match_info["id"],
            request.method,
        )
        if name == "metadata" and key == "custom_fields":
            return self._custom_fields(request)
        kind = self._top_kind(name)
        record = self.state[name].get(key)
        if method == "GET":
            return self._document(request, name, record)
        special = self._special.get((name, method))
        if special is not None:
            return await special(request, key)
        if method == "PUT" and kind.update:
            body = await _body(request)
            return self._apply(request, kind, "PUT", lambda: self.state.update(name, key, body))
        if method == "DELETE" and kind.delete:
            return self._delete(request, kind, key)
        raise ApiError(405, _not_allowed(name, method))

    async def _sub_collection(self, request: web.Request) -> web.StreamResponse:
        name, key, sub = (request.match_info[k] for k in ("collection", "id", "sub"))
        kind = self._top_kind(name)
        self.state[name].get(key)
        endpoint = self._endpoints.get(sub)
        if endpoint is not None and ((sub == "embed" and kind.embed) or sub in kind.endpoints):
            return await endpoint(request, kind, key)
        child = children(name).get(sub)
        if child is None:
            raise ApiError(
                404 if request.method == "GET" else 405, f"Unknown endpoint {name}/{key}/{sub}"
            )
        if request.method == "GET":
            records = self.state.owned(sub, name, key)
            path = f"{name}/{key}/{sub}"
            return await self._page(request, records, kind=sub, rel=child.rel, path=path)
        if request.method != "POST" or not child.create or _creates_under(child) != name:
            raise ApiError(405, f"{request.method} is not allowed on {name}/{key}/{sub}")
        body = await _body(request)
        if child.helpers and "person" in body:
            return self._record_helper(request, child, key, body)
        if not _has_key(request, self.api_key):
            raise ApiError(403, "API Key invalid or not present")
        return self._create(request, child, body, under=(name, key))

    async def _sub_item(self, request: web.Request) -> web.StreamResponse:
        name, key, sub, sub_key = (
            request.match_info[k] for k in ("collection", "id", "sub", "sub_id")
        )
        self._top_kind(name)
        self.state[name].get(key)
        child = children(name).get(sub)
        if child is None:
            raise ApiError(404, f"Unknown endpoint {name}/{key}/{sub}")
        record = self.state.child(sub, name, key, sub_key)
        method = request.method
        if method == "GET":
            return self._document(request, sub, record)
        if method == "PUT" and child.update:
            body = await _body(request)
            return self._apply(request, child, "PUT", lambda: self.state.update(sub, sub_key, body))
        if method == "DELETE" and child.delete:
            return self._delete(request, child, sub_key)
        raise ApiError(405, _not_allowed(sub, method))

    def _delete(self, request: web.Request, kind: Kind, key: str) -> web.Response:
        """DELETE where the API allows it, answered with a notice (docs/v2/taggings)."""
        notice = f"This {kind.name.removesuffix('s')} was successfully deleted."
        return self._apply(
            request, kind, "DELETE", lambda: self.state.delete(kind.name, key), notice=notice
        )

    def _apply(
        self,
        request: web.Request,
        kind: Kind,
        method: str,
        write: Callable[[], Mapping[str, Any] | None],
        *,
        notice: str = "",
    ) -> web.Response:
        """Do a write now and answer with the resource it returns (or with ``notice``), or,
        with ``background_request=true`` on a write the API queues
        (https://actionnetwork.org/docs/v2/, "Background Processing"), answer ``{}`` at once
        and do it ``background_delay`` later."""
        if method in kind.background and _background(request):
            self._later(self.timing.background_delay, write)
            return _json({})
        result = write()
        if result is None:
            return _json({"notice": notice})
        return self._document(request, kind.name, result)

    # -- creating -----------------------------------------------------------------------------
    def _create(
        self,
        request: web.Request,
        kind: Kind,
        body: dict[str, Any],
        *,
        under: tuple[str, str] | None = None,
    ) -> web.Response:
        """A POST creating ``kind`` (under an owner): the registry's rules, then what follows
        a creation (a message's targeting, a webhook for a recorded action)."""

        def create() -> dict[str, Any]:
            record, created = self.state.create(kind.name, body, under=under)
            if kind.name == "messages":
                self._target(an_id(record))
            if created and kind.webhook is not None:
                person = self.state["people"].get(record["action_network:person_id"])
                self._send_action(request, kind, record, self._person_core(person), body)
            return record

        if "POST" in kind.background and _background(request):
            self.state.check_create(kind.name, body, under=under)
        return self._apply(request, kind, "POST", create)

    def _record_helper(
        self, request: web.Request, kind: Kind, key: str, body: dict[str, Any]
    ) -> web.Response:
        """A record helper (signature, submission, donation, outreach, response, attendance):
        the person is matched or created like the signup helper's, tagged, and the action
        recorded. Without a key the answer carries no data ("returning success or failure but
        no other data", docs/v2 changelog, March 26, 2016)."""
        self.state.check_record(kind.name, key, body)
        self._check_emails(body["person"])
        if self.quirks.empty_helper_answers:
            return _json({})

        def record() -> dict[str, Any]:
            done, person = self.state.record_action(kind.name, key, body)
            self._autoresponse(kind, key, body, person)
            self._send_action(request, kind, done, copy.deepcopy(body["person"]), body)
            return done

        answer = self._apply(request, kind, "POST", record)
        return answer if _has_key(request, self.api_key) else _json({})

    def _autoresponse(
        self, kind: Kind, key: str, body: Mapping[str, Any], person: Mapping[str, Any]
    ) -> None:
        """An autoresponse trigger sends the page's thank-you email, but only from actions made
        in the user interface (API-made ones "will not send autoresponses")."""
        triggers = body.get("triggers") or {}
        enabled = (triggers.get("autoresponse") or {}).get("enabled") is True
        home = self.state[kind.home or ""].get(key)
        emails = [e["address"] for e in person.get("email_addresses") or () if e.get("address")]
        if enabled and home.get("_ui") and emails:
            self.autoresponses.append((kind.home or "", key, emails[0]))

    # -- people -------------------------------------------------------------------------------
    async def _signup(self, request: web.Request, key: str) -> web.Response:
        """The person signup helper (https://actionnetwork.org/docs/v2/person_signup_helper)."""
        body = await _body(request)
        self.state.check_signup(body)
        self._check_emails(body["person"])

        def apply() -> dict[str, Any]:
            person, _ = self.state.signup(body)
            if self._hooked("action_network:upload"):
                self._hook("action_network:upload", self._upload_payload(request, person))
            return person

        if self.quirks.empty_helper_answers:
            return _json({})
        return self._apply(request, KINDS["people"], "POST", apply)

    async def _put_person(self, request: web.Request, key: str) -> web.Response:
        body = await _body(request)
        self._check_emails(body)
        return self._apply(
            request, KINDS["people"], "PUT", lambda: self.state.update_person(key, body)
        )

    def _check_emails(self, person: Mapping[str, Any]) -> None:
        """With ``refuse_malformed_emails``, a 400 for an address that is not
        ``name@host.domain`` (the address is not echoed: it is personal data)."""
        if not self.quirks.refuse_malformed_emails:
            return
        for entry in person.get("email_addresses") or ():
            address = entry.get("address") if isinstance(entry, Mapping) else None
            if address is not None and not (
                isinstance(address, str) and _WELL_FORMED_EMAIL.fullmatch(address)
            ):
                raise ApiError(400, "An email address is not valid")

    # -- unique ID lists ----------------------------------------------------------------------
    def _list_delay(self, n: int) -> float:
        return self.timing.list_latency + self.timing.list_latency_per_id * n

    async def _post_list(self, request: web.Request, key: str) -> web.Response:
        body = await _body(request)
        ids = self.state.check_new_list(body)
        await asyncio.sleep(self._list_delay(len(ids)))
        return self._document(request, "unique_id_lists", self.state.create_list(body))

    async def _put_list(self, request: web.Request, key: str) -> web.Response:
        body = await _body(request)
        return self._document(request, "unique_id_lists", await self._change_list(key, body))

    async def _delete_list(self, request: web.Request, key: str) -> web.Response:
        self.state.delete_list(key)
        return _json({"notice": "This unique id list was successfully deleted."})

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

    # -- messages -----------------------------------------------------------------------------
    def _target(self, key: str) -> None:
        """Targeting a message takes ``background_delay``; then it is a draft."""
        self._later(self.timing.background_delay, lambda: self.state.finish_targeting(key))

    async def _put_message(self, request: web.Request, key: str) -> web.Response:
        """Only a draft (or a message still being targeted) may change; new targets are
        calculated again."""
        body = await _body(request)
        self.state.check_editable(key)
        message = self.state.update("messages", key, body)
        if message.get("status") == "calculating":
            self._target(key)
        return self._document(request, "messages", message)

    async def _send_helper(self, request: web.Request, kind: Kind, key: str) -> web.Response:
        """POST sends a draft, DELETE stops one mid-send
        (https://actionnetwork.org/docs/v2/send_helper). Sending takes ``background_delay``."""
        if request.method == "POST":
            if self.quirks.empty_helper_answers:
                return _json({})
            self.state.start_send(key)
            self._later(self.timing.background_delay, lambda: self.state.finish_send(key))
            return _json({"message": "Your email has been sent."})
        if request.method == "DELETE":
            self.state.stop_send(key)
            return _json({"message": "Your email has been stopped."})
        raise ApiError(405, f"{request.method} is not allowed on the send helper")

    async def _schedule_helper(self, request: web.Request, kind: Kind, key: str) -> web.Response:
        """POST schedules a draft for a future ``scheduled_start_date``, DELETE cancels it
        (https://actionnetwork.org/docs/v2/schedule_helper). At that time it is sent."""
        if request.method == "POST":
            body = await _body(request)
            if self.quirks.empty_helper_answers:
                return _json({})
            when = self.state.schedule(key, body)
            self._send_at(key, when)
            return _json({"message": "Your message has been scheduled"})
        if request.method == "DELETE":
            self.state.unschedule(key)
            timer = self._timers.pop(key, None)
            if timer is not None:
                timer.cancel()
            return _json({"message": "Your message has been unscheduled"})
        raise ApiError(405, f"{request.method} is not allowed on the schedule helper")

    def _send_at(self, key: str, when: datetime) -> None:
        def send() -> None:
            self._timers.pop(key, None)
            self.state.start_send(key, scheduled=True)
            self._later(self.timing.background_delay, lambda: self.state.finish_send(key))

        delay = max(0.0, (when - self.state.clock()).total_seconds())
        self._timers[key] = asyncio.get_running_loop().call_later(delay, send)

    # -- documents ----------------------------------------------------------------------------
    async def _embed(self, request: web.Request, kind: Kind, key: str) -> web.Response:
        """An action's embed code (https://actionnetwork.org/docs/v2/embed): GET only."""
        if request.method != "GET":
            raise ApiError(405, "Embed codes are read only")
        codes = self.state.embed(kind.name, key)
        links = {"self": {"href": self._url(request, f"{kind.name}/{key}/embed")}, "curies": CURIES}
        return _json({**codes, "_links": links})

    def _metadata(self, request: web.Request) -> web.Response:
        """https://actionnetwork.org/docs/v2/metadata: "Metadata is read only"."""
        if request.method != "GET":
            raise ApiError(405, "Posting, putting, and deleting metadata is not allowed.")
        links = {
            "self": {"href": self._url(request, "metadata")},
            "action_network:custom_fields": {"href": self._url(request, "metadata/custom_fields")},
            "curies": CURIES,
        }
        return _json({"name": "Action Network", "_links": links})

    def _custom_fields(self, request: web.Request) -> web.Response:
        """https://actionnetwork.org/docs/v2/custom_fields: the custom field names in use."""
        if request.method != "GET":
            raise ApiError(405, "Custom fields are read only.")
        links = {"self": {"href": self._url(request, "metadata/custom_fields")}, "curies": CURIES}
        return _json(
            {
                "origin_system": "Action Network",
                "name": "Custom Fields",
                "description": "The custom fields used by this group's activists",
                "action_network:custom_fields": list(self.state.custom_fields.values()),
                "_links": links,
            }
        )

    # -- webhook payloads ---------------------------------------------------------------------
    def _person_core(self, person: Mapping[str, Any]) -> dict[str, Any]:
        """Core fields only: action payloads carry no custom fields or tags (reference)."""
        return {k: copy.deepcopy(v) for k, v in person.items() if k not in _NOT_CORE}

    def _upload_payload(self, request: web.Request, person: Mapping[str, Any]) -> dict[str, Any]:
        """A signup helper POST is sent as an upload (https://actionnetwork.org/docs/webhooks/upload),
        without the tags or custom fields POSTed."""
        return {
            "created_date": self.state.now(),
            "modified_date": self.state.now(),
            "person": self._person_core(person),
            "action_network:referrer_data": {},
            "_links": {"osdi:person": {"href": self._url(request, f"people/{an_id(person)}")}},
        }

    def _send_action(
        self,
        request: web.Request,
        kind: Kind,
        record: Mapping[str, Any],
        person: Mapping[str, Any],
        body: Mapping[str, Any],
    ) -> None:
        """The webhook of a recorded action (https://actionnetwork.org/docs/webhooks/signature
        and the other action pages): the resource with its links, the ``person`` as entered
        (a helper's person hash; the stored core fields for a POST with a person link), the
        tags it tried to add and the referrer data; the sponsor beside it."""
        if kind.webhook is None or not self._hooked(kind.webhook):
            return
        rendered = self._render(request, kind.name, record)
        rendered.update(
            person=person,
            add_tags=list(body.get("add_tags") or ()),
            **{"action_network:referrer_data": record.get("action_network:referrer_data") or {}},
        )
        self._hook(kind.webhook, rendered)

    def _hooked(self, kind: str) -> bool:
        """Whether a payload of ``kind`` goes out: a webhook URL whose trigger selects it."""
        types = self.webhooks.types
        return self.webhooks.url is not None and (types is None or kind in types)

    def _hook(self, kind: str, payload: Mapping[str, Any]) -> None:
        """Queue one webhook element: the payload under its type, the sponsor beside it."""
        sender = self._sender()
        if sender is not None and self._hooked(kind):
            sender.send({kind: payload, "action_network:sponsor": _webhook_sponsor()})

    def _sender(self) -> WebhookSender | None:
        """The webhook sender, made or brought up to date from ``webhooks`` (a test may have
        changed it); None without a URL."""
        hooks = self.webhooks
        if hooks.url is None:
            return None
        sender = self.webhook_sender
        if sender is None:
            sender = WebhookSender(hooks.url, retry_delays=hooks.retry_delays, delay=hooks.delay)
            self.webhook_sender = sender
        sender.url, sender.retry_delays, sender.delay = hooks.url, hooks.retry_delays, hooks.delay
        return sender


def _option(keyword: str, given: object, cls: type[_Option]) -> _Option:
    """``given``, or ``cls()`` for None; anything else is a TypeError that says what to pass
    (an old flat keyword such as ``seed=1`` included)."""
    if given is None:
        return cls()
    if not isinstance(given, cls):
        raise TypeError(
            f"Emulator({keyword}=) takes a {cls.__name__}, not {given!r}"
            + (" (the random seed is Seed(random_seed=N))" if keyword == "seed" else "")
        )
    return given


def _creates_under(kind: Kind) -> str:
    """The owner under which ``kind`` is POSTed (records: their home; events: an event
    campaign)."""
    return kind.home or (kind.owners[0].kind if kind.owners else "")


def _not_allowed(name: str, method: str) -> str:
    if method == "DELETE":
        return f"Deleting {name} is not allowed via the API."
    return f"{method} is not allowed on {name}"


def _helper_post(request: web.Request) -> bool:
    """A POST to a record helper, which "can be POSTed to without an API key" (changelog,
    March 26, 2016, https://actionnetwork.org/docs/); a wrong key is still refused."""
    parts = request.path.removeprefix(API_PATH).strip("/").split("/")
    if request.method != "POST" or len(parts) != 3:
        return False
    kind = KINDS.get(parts[2])
    return kind is not None and bool(kind.helpers) and _creates_under(kind) == parts[0]


def _has_key(request: web.Request, api_key: str) -> bool:
    return request.headers.get("OSDI-API-Token") == api_key


def _webhook_sponsor() -> dict[str, str]:
    """The sponsor as webhooks write it: ``url``, where the API's resources say ``browser_url``."""
    return {"title": SPONSOR["title"], "url": SPONSOR["browser_url"]}


#: What ``refuse_malformed_emails`` takes for an email address: one ``@``, a dot after it, no
#: spaces.
_WELL_FORMED_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


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
