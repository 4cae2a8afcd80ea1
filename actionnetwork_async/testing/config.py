"""What an ``Emulator`` is configured by: a few attrs classes, each a group of related options.

``Emulator(seed=Seed(people=3), quirks=Quirks(next_drops_filter=True))``. The defaults of
these classes are the emulator's only table of defaults: the standalone command
(``python -m actionnetwork_async.testing``) builds one flag from every field declared here,
and the pytest fixtures take the same objects. Every class is keyword-only and validated on
construction and on assignment (a negative count, rate or delay is a ``ValueError``); all
but ``Seed`` are mutable: ``emu.quirks.empty_helper_answers = True`` takes effect on the
next request.

This module imports attrs and the emulator's registry only: the command's ``--help`` is quick,
and nothing here reaches the client's resources or models.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import attrs

from .registry import KINDS

__all__ = [
    "DEFAULT_API_KEY",
    "FAULT_MIX",
    "Quirks",
    "RandomFaults",
    "Seed",
    "Timing",
    "Webhooks",
]

#: The key an ``Emulator`` accepts unless given ``api_key=`` (the standalone one prints it).
DEFAULT_API_KEY = "emulator-key-0123456789abcdef"

#: The random faults of ``RandomFaults`` and their relative weights: 429 with and without
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
#: Kinds a fault mix may name besides an HTTP status (``"500"``, ``"429 retry-after"``).
_MIX_KINDS = frozenset({"429 retry-after", "reset", "truncate", "latency", "jitter", "empty"})
#: Payload types the emulator sends (https://actionnetwork.org/docs/webhooks).
WEBHOOK_TYPES = frozenset(
    {"action_network:upload", "action_network:action"}
    | {kind.webhook for kind in KINDS.values() if kind.webhook}
)


# -- validators and converters ------------------------------------------------------------------
def _not_negative(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value >= 0:  # NaN too
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be >= 0, not {value!r}")


def _finite(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be finite: {value!r}")


def _share(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be between 0 and 1, not {value!r}"
        )


def _delays(value: Iterable[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in value)


def _all_not_negative(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    values = value.values() if isinstance(value, Mapping) else value
    for v in values or ():
        _not_negative(instance, attribute, v)


def _types(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _known_types(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    unknown = sorted(set(value or ()) - WEBHOOK_TYPES)
    if unknown:
        raise ValueError(
            f"Webhooks.types: unknown payload types {unknown}; known: {sorted(WEBHOOK_TYPES)}"
        )


def _mix(value: Mapping[str, float]) -> dict[str, float]:
    return {str(kind): float(weight) for kind, weight in value.items()}


def _known_mix(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    for kind in value:
        if kind not in _MIX_KINDS and not (kind.isdigit() and 100 <= int(kind) <= 599):
            raise ValueError(
                f"RandomFaults.mix: unknown kind {kind!r}; an HTTP status or one of "
                f"{sorted(_MIX_KINDS)}"
            )
    _all_not_negative(instance, attribute, value)


_COUNT = attrs.validators.and_(attrs.validators.instance_of(int), _not_negative)
_SECONDS = _not_negative


def _count(demo: int, small: int = 0) -> Any:
    """A seed count: 0 by default, ``demo`` in ``Seed.demo()``, ``small`` in ``Seed.small()``."""
    return attrs.field(default=0, validator=_COUNT, metadata={"demo": demo, "small": small})


# -- the groups -----------------------------------------------------------------------------------
@attrs.define(frozen=True, kw_only=True)
class Seed:
    """How many records of each resource the emulator starts with (all 0: an empty group).

    Records of actions taken (attendances, signatures ... items) pair seeded people with
    seeded actions; where the API allows one per person and action, asking for more than
    people times actions is a ``ValueError``. The same counts and ``random_seed`` give the
    same data. Used once, when the emulator is built (so it is frozen). ``Seed.demo()`` is what the
    standalone command seeds, ``Seed.small()`` what the pytest fixture does.
    """

    flag_prefix: ClassVar[str] = ""
    people: int = _count(1000, 50)
    "People (https://actionnetwork.org/docs/v2/people)."
    events: int = _count(100, 10)
    "Events (https://actionnetwork.org/docs/v2/events)."
    unique_id_lists: int = _count(5, 3)
    "Unique ID lists (https://actionnetwork.org/docs/v2/unique_id_lists)."
    tags: int = _count(7, 5)
    "Tags (https://actionnetwork.org/docs/v2/tags)."
    event_campaigns: int = _count(2, 2)
    "Event campaigns (https://actionnetwork.org/docs/v2/event_campaigns)."
    petitions: int = _count(5, 3)
    "Petitions (https://actionnetwork.org/docs/v2/petitions)."
    forms: int = _count(5, 3)
    "Forms (https://actionnetwork.org/docs/v2/forms)."
    fundraising_pages: int = _count(3, 2)
    "Fundraising pages (https://actionnetwork.org/docs/v2/fundraising_pages)."
    advocacy_campaigns: int = _count(3, 2)
    "Advocacy campaigns (https://actionnetwork.org/docs/v2/advocacy_campaigns)."
    surveys: int = _count(3, 2)
    "Surveys (https://actionnetwork.org/docs/v2/surveys)."
    campaigns: int = _count(2, 2)
    "Campaigns (https://actionnetwork.org/docs/v2/campaigns)."
    queries: int = _count(3, 2)
    "Queries (https://actionnetwork.org/docs/v2/queries)."
    wrappers: int = _count(2, 2)
    "Wrappers (https://actionnetwork.org/docs/v2/wrappers)."
    lists: int = _count(4, 2)
    "Lists, reports and emails (https://actionnetwork.org/docs/v2/lists)."
    messages: int = _count(4, 2)
    "Messages (https://actionnetwork.org/docs/v2/messages)."
    attendances: int = _count(300)
    "Attendances of seeded people at seeded events (https://actionnetwork.org/docs/v2/attendances)."
    signatures: int = _count(500)
    "Signatures of seeded petitions (https://actionnetwork.org/docs/v2/signatures)."
    submissions: int = _count(200)
    "Submissions of seeded forms (https://actionnetwork.org/docs/v2/submissions)."
    donations: int = _count(200)
    "Donations to seeded fundraising pages (https://actionnetwork.org/docs/v2/donations)."
    outreaches: int = _count(100)
    "Outreaches of seeded advocacy campaigns (https://actionnetwork.org/docs/v2/outreaches)."
    responses: int = _count(100)
    "Responses to seeded surveys (https://actionnetwork.org/docs/v2/responses)."
    taggings: int = _count(1000)
    "Taggings of seeded people with seeded tags (https://actionnetwork.org/docs/v2/taggings)."
    items: int = _count(500)
    "Items of seeded lists (https://actionnetwork.org/docs/v2/items)."
    random_seed: int = attrs.field(default=1, validator=attrs.validators.instance_of(int))
    "Seeds the generated data and the arrival jitter (``Timing.arrival_jitter``)."

    def counts(self) -> dict[str, int]:
        """Every resource and its count."""
        return {name: getattr(self, name) for name in count_fields()}

    @classmethod
    def demo(cls, *, random_seed: int = 1, **counts: int) -> Seed:
        """What the standalone command seeds: a lot of every resource (1000 people, 500
        signatures ...). ``counts`` replace some; a count of records of actions taken that is
        not given never asks for more than the seeded people and actions allow."""
        return cls._preset("demo", counts, random_seed)

    @classmethod
    def small(cls, *, random_seed: int = 1, **counts: int) -> Seed:
        """What the ``an_emulator`` pytest fixture seeds: a little of every top-level resource
        (50 people, 10 events, 3 petitions ...), no records of actions taken. ``counts``
        replace some (``Seed.small(people=30)``)."""
        return cls._preset("small", counts, random_seed)

    @classmethod
    def _preset(cls, preset: str, given: Mapping[str, int], random_seed: int) -> Seed:
        fields = attrs.fields_dict(cls)
        unknown = sorted(set(given) - set(count_fields()))
        if unknown:
            raise TypeError(f"Seed has no count {', '.join(unknown)}")
        counts = {name: given.get(name, fields[name].metadata[preset]) for name in count_fields()}
        for name in count_fields():
            home = KINDS[name].home
            if name not in given and home is not None:
                room = counts[home] * counts["people"]
                if KINDS[name].dedupe_person or room == 0:
                    counts[name] = min(counts[name], room)
        return cls(random_seed=random_seed, **counts)


@attrs.define(kw_only=True)
class Quirks:
    """Behaviours of the real API, each a switch so a test can prove the client copes.

    Those the documentation states are on by default; real-world habits it does not promise
    are off (docs/emulator.md has the table).
    """

    flag_prefix: ClassVar[str] = ""
    strict_filters: bool = attrs.field(default=True, metadata={"off_flag": "--lenient-filters"})
    """Only the filter fields the API documents for each collection and the operators ``eq``,
    ``gt``, ``lt``; off: any field, ``ne``/``ge``/``le`` too ("Searching and filtering
    (OData)", https://actionnetwork.org/docs/v2/)."""
    next_drops_filter: bool = False
    """A filtered collection's page links leave the ``filter`` out, so a client that follows
    them as given gets everything (paging: https://actionnetwork.org/docs/v2/#pagination)."""
    next_link_loops: bool = False
    """Past page 1, a page's ``next`` link is its own URL with an ignored parameter counted
    up: following ``next`` as given never ends (https://actionnetwork.org/docs/v2/#pagination)."""
    empty_helper_answers: bool = False
    """Every helper (signup, record helpers, send, schedule) answers ``200 {}`` and does
    nothing, as the API does when it accepts nothing
    (https://actionnetwork.org/docs/v2/person_signup_helper)."""
    lenient_entry_point: bool = False
    """The entry point answers a wrong or missing key with 200 and no collection links
    (every other path still answers 403) (https://actionnetwork.org/docs/v2/aep)."""
    refuse_malformed_emails: bool = False
    """The signup and record helpers and a person's PUT answer 400 to an email address that
    is not ``name@host.domain``; the reference names no such check
    (https://actionnetwork.org/docs/v2/people), so off stores it as given."""
    date_skew: float = attrs.field(default=0.0, validator=_finite)
    """Seconds every answer's ``Date`` header is off the server's clock (positive: ahead), the
    records' dates staying right: a front end with a wrong clock
    (modified_date syncs: https://actionnetwork.org/docs/v2/)."""
    group_key: bool = attrs.field(default=True, metadata={"off_flag": "--personal-key"})
    """The key is a group's. Off: a personal list's, which reaches no tags: no ``osdi:tags``
    in the entry point, 403 on the tags collection (https://actionnetwork.org/docs/v2/tags)."""


@attrs.define(kw_only=True)
class Timing:
    """How long the server takes, in seconds (all on the event loop's clock)."""

    flag_prefix: ClassVar[str] = ""
    latency: float = attrs.field(default=0.0, validator=_SECONDS)
    "Every authenticated request (https://actionnetwork.org/docs/v2/)."
    page_latency: float = attrs.field(default=0.0, validator=_SECONDS)
    """Extra per page number: page N takes N times this longer, as deep pages are slower
    (https://actionnetwork.org/docs/v2/#pagination)."""
    arrival_jitter: float = attrs.field(default=0.0, validator=_SECONDS)
    """Each request is held back a random 0 to this before the server counts it against the
    rate limit and logs it, as a network's varying delay does (seeded by
    ``Seed.random_seed``; rate limit: https://actionnetwork.org/docs/v2/)."""
    list_latency: float = attrs.field(default=0.05, validator=_SECONDS)
    """A unique ID list change takes this plus ``list_latency_per_id`` per id; a second
    change meanwhile gets 409 (https://actionnetwork.org/docs/v2/unique_id_lists)."""
    list_latency_per_id: float = attrs.field(default=1e-6, validator=_SECONDS)
    "Per id of a unique ID list change (https://actionnetwork.org/docs/v2/unique_id_lists)."
    background_delay: float = attrs.field(default=0.05, validator=_SECONDS)
    """Background requests, message targeting and sending ("background processing",
    https://actionnetwork.org/docs/v2/; https://actionnetwork.org/docs/v2/messages)."""


@attrs.define(kw_only=True)
class Webhooks:
    """The webhook the emulator POSTs for every action recorded
    (https://actionnetwork.org/docs/webhooks)."""

    flag_prefix: ClassVar[str] = "webhook-"
    url: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(str))
    )
    "Where to POST (None: no webhooks) (https://actionnetwork.org/docs/webhooks)."
    retry_delays: tuple[float, ...] = attrs.field(
        default=(0.5, 2.0, 10.0), converter=_delays, validator=_all_not_negative
    )
    """Seconds between attempts until a 2xx answer, with the same idempotency key
    (https://actionnetwork.org/docs/webhooks)."""
    delay: float = attrs.field(default=0.0, validator=_SECONDS)
    """Seconds before a webhook goes out: the API's are "typically" up to 5 minutes late
    (https://actionnetwork.org/docs/webhooks)."""
    types: frozenset[str] | None = attrs.field(
        default=None, converter=_types, validator=_known_types
    )
    """The webhook's trigger: only these payload types go out (None: every type)
    (https://actionnetwork.org/docs/webhooks)."""


@attrs.define(kw_only=True)
class RandomFaults:
    """Random failures, as a real network has them, for soak tests."""

    flag_prefix: ClassVar[str] = "fault-"
    rate: float = attrs.field(default=0.0, validator=_share)
    """The share (0 to 1) of authenticated requests hit by a fault drawn from ``mix`` (429s
    as the rate limit gives them: https://actionnetwork.org/docs/v2/)."""
    seed: int = attrs.field(default=0, validator=attrs.validators.instance_of(int))
    "Seeds which requests are hit and how; changing it restarts the sequence."
    mix: dict[str, float] = attrs.field(
        factory=lambda: dict(FAULT_MIX), converter=_mix, validator=_known_mix
    )
    """Relative weights of the kinds (``FAULT_MIX``): an HTTP status (``"503"``),
    ``"429 retry-after"``, ``"reset"``, ``"truncate"``, ``"latency"``, ``"jitter"``,
    ``"empty"`` (429s: https://actionnetwork.org/docs/v2/)."""


#: The classes of options, as ``Emulator`` takes them (keyword: class).
GROUPS: dict[str, type] = {
    "seed": Seed,
    "quirks": Quirks,
    "timing": Timing,
    "webhooks": Webhooks,
    "random_faults": RandomFaults,
}


def count_fields() -> tuple[str, ...]:
    """The names of ``Seed``'s counts (every field but ``random_seed``), in seeding order."""
    return tuple(f.name for f in attrs.fields(Seed) if "demo" in f.metadata)
