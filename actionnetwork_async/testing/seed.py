"""Deterministic seed data shaped like the reference's examples (same seed, same records)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "seed_event_campaigns",
    "seed_events",
    "seed_people",
    "seed_tags",
    "seed_unique_id_lists",
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
            "total_events": 0,
        }
