"""Deterministic seed data shaped like the reference's examples (same seed, same records).

Actions (petitions, forms ...) are seeded as if made in Action Network's user interface: they
have a public page (``browser_url``, embed code) and, for fundraising pages and advocacy
campaigns, take no donations or outreaches over the API. Records of actions taken (signatures,
donations ...) pair seeded people with seeded actions.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .registry import KINDS
from .state import no_statistics

if TYPE_CHECKING:
    from .state import State

__all__ = [
    "SEEDED",
    "seed_actions",
    "seed_event_campaigns",
    "seed_events",
    "seed_lists",
    "seed_messages",
    "seed_people",
    "seed_queries",
    "seed_records",
    "seed_state",
    "seed_tags",
    "seed_unique_id_lists",
    "seed_wrappers",
]

GIVEN = ["John", "Jane", "Maria", "Wei", "Aisha", "Carlos", "Olga", "Kwame", "Priya", "Sam"]
FAMILY = ["Smith", "Doe", "Garcia", "Chen", "Okafor", "Nguyen", "Kowalski", "Haddad", "Reyes"]
CITIES = [("Washington", "DC", "20009"), ("Oakland", "CA", "94612"), ("Austin", "TX", "78701")]
EPOCH = datetime(2014, 3, 20, 21, 4, 31, tzinfo=timezone.utc)


def _stamp(when: datetime) -> str:
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _uuid(rng: random.Random) -> str:
    """A random version-4 UUID string from ``rng`` (formatted directly: seeding is hot)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def seed_people(count: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    """``count`` people with emails, phones, addresses and custom fields."""
    rng = random.Random(seed)
    for i in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        city, region, postal = rng.choice(CITIES)
        created = EPOCH + timedelta(minutes=i)
        yield {
            "given_name": given,
            "family_name": family,
            "identifiers": [f"action_network:{_uuid(rng)}", f"foreign_system:{i + 1}"],
            "created_date": _stamp(created),
            "modified_date": _stamp(created + timedelta(days=rng.randrange(365))),
            "email_addresses": [
                {
                    "primary": True,
                    "address": f"{given}.{family}.{i}@example.org".lower(),
                    "status": "subscribed",
                }
            ],
            "phone_numbers": [
                {
                    "primary": True,
                    "number": f"1202{i:07d}",
                    "number_type": "Mobile",
                    "status": "subscribed",
                }
            ],
            "postal_addresses": [
                {
                    "primary": True,
                    "address_lines": [f"{rng.randrange(1, 2000)} Main St"],
                    "locality": city,
                    "region": region,
                    "postal_code": postal,
                    "country": "US",
                    "language": "en",
                    "location": {
                        "latitude": round(38 + rng.random(), 4),
                        "longitude": round(-77 - rng.random(), 4),
                        "accuracy": "Approximate",
                    },
                }
            ],
            "languages_spoken": ["en"],
            "custom_fields": {"volunteer": rng.choice(["yes", "no"]), "seq": str(i)},
        }


def seed_events(count: int, *, seed: int = 2) -> Iterator[dict[str, Any]]:
    """``count`` events with locations and start dates."""
    rng = random.Random(seed)
    for i in range(count):
        city, region, postal = rng.choice(CITIES)
        created = EPOCH + timedelta(hours=i)
        yield {
            "origin_system": "Action Network",
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "status": "confirmed",
            "created_date": _stamp(created),
            "modified_date": _stamp(created + timedelta(hours=1)),
            "title": f"House Party for Justice #{i + 1}",
            "browser_url": f"https://actionnetwork.org/events/house-party-for-justice-{i + 1}",
            "_ui": True,
            "start_date": _stamp(created + timedelta(days=14)),
            "transparence": "opaque",
            "visibility": "public",
            "guests_can_invite_others": True,
            "total_accepted": rng.randrange(50),
            "action_network:hidden": False,
            "location": {
                "venue": f"Hall {i + 1}",
                "locality": city,
                "region": region,
                "postal_code": postal,
                "country": "US",
            },
        }


def seed_unique_id_lists(count: int, *, seed: int = 3) -> Iterator[dict[str, Any]]:
    """``count`` unique ID lists (their ids are not shown on GET, as in the API)."""
    rng = random.Random(seed)
    for i in range(count):
        created = EPOCH + timedelta(days=i)
        yield {
            "origin_system": "Action Network",
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(created),
            "modified_date": _stamp(created),
            "name": f"Target list {i + 1}",
            "count": rng.randrange(1000),
        }


TAG_NAMES = ["volunteer", "donor", "member", "phone banker", "canvasser", "host", "press"]


def seed_tags(count: int, *, seed: int = 4) -> Iterator[dict[str, Any]]:
    """``count`` tags with distinct names."""
    rng = random.Random(seed)
    for i in range(count):
        name = TAG_NAMES[i] if i < len(TAG_NAMES) else f"tag {i + 1}"
        yield {
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(EPOCH + timedelta(days=i)),
            "modified_date": _stamp(EPOCH + timedelta(days=i)),
            "name": name,
        }


def seed_event_campaigns(count: int, *, seed: int = 5) -> Iterator[dict[str, Any]]:
    """``count`` event campaigns."""
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(EPOCH + timedelta(days=i)),
            "modified_date": _stamp(EPOCH + timedelta(days=i)),
            "title": f"Weekend of Action #{i + 1}",
            "origin_system": "Action Network",
            "browser_url": f"https://actionnetwork.org/event_campaigns/weekend-of-action-{i + 1}",
            "total_events": 0,
            "total_rsvps": 0,
            "action_network:hidden": False,
            "tag_list": [],
            "_ui": True,
        }


#: Per action kind: (page path on actionnetwork.org, title stem, extra fields).
_ACTIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "petitions": (
        "petitions",
        "Stop the Pipeline",
        {"petition_text": "Mayor Doe, stop the pipeline.", "target": [{"name": "Mayor Doe"}]},
    ),
    "forms": ("forms", "Tell Us Your Story", {"call_to_action": "Share"}),
    "fundraising_pages": ("fundraising", "Fund the Movement", {"currency": "USD"}),
    "advocacy_campaigns": (
        "letters",
        "Write Your Senator",
        {"type": "email", "targets": [{"title": "Senator", "family_name": "Smith"}]},
    ),
    "surveys": ("surveys", "Member Survey", {}),
    "campaigns": ("campaigns", "Summer of Organizing", {}),
}


def seed_actions(kind: str, count: int, *, seed: int = 6) -> Iterator[dict[str, Any]]:
    """``count`` action pages of ``kind`` (petitions, forms, fundraising_pages,
    advocacy_campaigns, surveys, campaigns), made in the user interface."""
    rng = random.Random(seed)
    path, stem, extra = _ACTIONS[kind]
    for i in range(count):
        created = EPOCH + timedelta(days=i)
        slug = f"{stem.lower().replace(' ', '-')}-{i + 1}"
        yield {
            **dict(KINDS[kind].defaults),
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(created),
            "modified_date": _stamp(created + timedelta(hours=rng.randrange(1, 48))),
            "origin_system": "Action Network",
            "name": f"{stem} {i + 1} (admin)",
            "title": f"{stem} #{i + 1}",
            "description": f"<p>{stem}: we need you.</p>",
            "browser_url": f"https://actionnetwork.org/{path}/{slug}",
            "featured_image_url": f"https://actionnetwork.org/images/{slug}.jpg",
            **extra,
            "_ui": True,
        }


def seed_queries(count: int, *, seed: int = 12) -> Iterator[dict[str, Any]]:
    """``count`` saved queries; query ``i`` matches every ``i + 2``-th person."""
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(EPOCH + timedelta(days=i)),
            "modified_date": _stamp(EPOCH + timedelta(days=i)),
            "origin_system": "Action Network",
            "name": f"Every {i + 2}th activist",
            "browser_url": f"https://actionnetwork.org/queries/{1000 + i}/edit",
            "_every": i + 2,
        }


def seed_wrappers(count: int, *, seed: int = 13) -> Iterator[dict[str, Any]]:
    """``count`` email wrappers, the first of them the default."""
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(EPOCH + timedelta(days=i)),
            "modified_date": _stamp(EPOCH + timedelta(days=i)),
            "origin_system": "Action Network",
            "name": f"Wrapper {i + 1}",
            "header": "<table><tr><td>Progressive Action Now</td></tr></table>",
            "footer": "<p>Unsubscribe at any time.</p>",
            "wrapper_type": "email",
            "default": i == 0,
        }


def seed_lists(count: int, *, seed: int = 14) -> Iterator[dict[str, Any]]:
    """``count`` lists: reports and emails, alternately."""
    rng = random.Random(seed)
    for i in range(count):
        kind = "Report" if i % 2 == 0 else "Email"
        yield {
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(EPOCH + timedelta(days=i)),
            "modified_date": _stamp(EPOCH + timedelta(days=i)),
            "origin_system": "Action Network",
            "name": f"{kind} {i + 1}",
            "title": f"{kind} {i + 1}",
            "description": kind,
        }


def seed_messages(count: int, *, seed: int = 15) -> Iterator[dict[str, Any]]:
    """``count`` messages: every other one sent (with statistics), the rest drafts still being
    targeted (``State.finish_targeting`` settles them)."""
    rng = random.Random(seed)
    for i in range(count):
        created = EPOCH + timedelta(days=i)
        record: dict[str, Any] = {
            **dict(KINDS["messages"].defaults),
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(created),
            "modified_date": _stamp(created),
            "name": f"Email {i + 1}",
            "subject": f"News from the movement #{i + 1}",
            "body": "<p>Here is what happened this week.</p>",
            "from": "Progressive Action Now",
            "reply_to": "info@example.org",
            "administrative_url": f"https://actionnetwork.org/emails/news-{i + 1}/manage",
            "targets": [],
        }
        if i % 2 == 0:
            sent = rng.randrange(100, 10_000)
            record.update(
                status="sent",
                total_targeted=sent,
                sent_start_date=_stamp(created + timedelta(hours=1)),
                statistics={
                    "sent": sent,
                    "opened": sent // 4,
                    "verified_opened": sent // 5,
                    "clicked": sent // 20,
                    "actions": sent // 40,
                    "unsubscribed": sent // 500,
                    "bounced": sent // 300,
                    "spam_reports": sent // 5000,
                    "donated": sent // 200,
                    "total_amount": f"{sent // 200 * 15}.00",
                },
            )
        else:
            record.update(status="calculating", total_targeted=0, statistics=no_statistics())
        yield record


def seed_records(
    kind: str,
    count: int,
    homes: Sequence[str],
    people: Sequence[str],
    *,
    seed: int = 20,
) -> Iterator[dict[str, Any]]:
    """``count`` records of ``kind`` (signatures, donations, taggings, items ...) by ``people``
    on ``homes`` (the ids of its owning actions, tags or lists). Record ``i`` is person
    ``i % len(people)`` on home ``i // len(people) % len(homes)``, so where the API allows one
    per person and home, pairs stay unique up to ``len(people) * len(homes)`` records."""
    declared = KINDS[kind]
    if count and (not homes or not people):
        raise ValueError(f"seeding {kind} needs at least one {declared.home} and one person")
    if declared.dedupe_person and count > len(homes) * len(people):
        raise ValueError(
            f"at most {len(homes) * len(people)} {kind}: one per person and {declared.home}"
        )
    home_field, person_field = declared.owners[0].field, declared.owners[1].field
    rng = random.Random(seed)
    for i in range(count):
        created = EPOCH + timedelta(days=30, minutes=i)
        record: dict[str, Any] = {
            **dict(declared.defaults),
            "identifiers": [f"action_network:{_uuid(rng)}"],
            "created_date": _stamp(created),
            "modified_date": _stamp(created),
            home_field: homes[i // len(people) % len(homes)],
            person_field: people[i % len(people)],
            **_RECORD_EXTRAS.get(kind, lambda r, i: {})(rng, i),
        }
        if kind not in ("taggings", "items"):
            record["action_network:referrer_data"] = {"source": "email", "website": "example.org"}
        yield record


def _donation(rng: random.Random, i: int) -> dict[str, Any]:
    amount = f"{rng.choice([5, 10, 25, 50, 100])}.00"
    return {
        "amount": amount,
        "currency": "USD",
        "recipients": [{"display_name": "Progressive Action Now", "amount": amount}],
        "payment": {"method": "Credit Card", "reference_number": f"ch_{i:08d}"},
        "action_network:recurrence": {"recurring": i % 3 == 0, "period": "Monthly"},
    }


_RECORD_EXTRAS: dict[str, Any] = {
    "signatures": lambda rng, i: {"comments": rng.choice(["", "Count me in!", "Enough."])},
    "donations": _donation,
    "outreaches": lambda rng, i: {
        "type": "email",
        "subject": "Please act",
        "message": "Dear Senator, please act now.",
        "targets": [{"title": "Senator", "family_name": "Smith"}],
    },
}

#: What ``seed_state`` seeds, in order (owners before what they own), and how.
SEEDED: tuple[str, ...] = (
    "people",
    "events",
    "unique_id_lists",
    "tags",
    "event_campaigns",
    *_ACTIONS,
    "queries",
    "wrappers",
    "lists",
    "messages",
    "attendances",
    "signatures",
    "submissions",
    "donations",
    "outreaches",
    "responses",
    "taggings",
    "items",
)


def seed_state(state: State, counts: Mapping[str, int], *, seed: int = 1) -> None:
    """Load ``counts[kind]`` records of each kind into ``state``; the same counts and ``seed``
    give the same records."""
    makers: dict[str, Any] = {
        "people": seed_people,
        "events": seed_events,
        "unique_id_lists": seed_unique_id_lists,
        "tags": seed_tags,
        "event_campaigns": seed_event_campaigns,
        "queries": seed_queries,
        "wrappers": seed_wrappers,
        "lists": seed_lists,
        "messages": seed_messages,
    }
    for offset, kind in enumerate(SEEDED):
        count = counts.get(kind, 0)
        if count < 0:
            raise ValueError(f"{kind}: a count cannot be negative")
        if kind in makers:
            records = makers[kind](count, seed=seed + offset)
        elif kind in _ACTIONS:
            records = seed_actions(kind, count, seed=seed + offset)
        else:
            home = KINDS[kind].home or ""
            homes, people = list(state[home]), list(state["people"])
            records = seed_records(kind, count, homes, people, seed=seed + offset)
        state.load(kind, records)
    for key in list(state["messages"]):
        state.finish_targeting(key)
