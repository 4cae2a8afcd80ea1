"""The emulator's in-memory data and the API's documented rules, with no HTTP in sight.

Records are stored as the API shows them (without ``_links``); fields whose name starts with
``_`` are the emulator's own bookkeeping (which person a tagging is for ...) and never rendered.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from .odata import DOCUMENTED_OPERATORS, OPS, FilterError, compile_filter

__all__ = [
    "EVENT_READ_ONLY",
    "FILTER_FIELDS",
    "PERSON_READ_ONLY",
    "SETTABLE_STATUSES",
    "SPONSOR",
    "ApiError",
    "Collection",
    "State",
    "an_id",
    "link_id",
]

SPONSOR = {
    "title": "Progressive Action Now",
    "browser_url": "https://actionnetwork.org/groups/progressive-action-now",
}
#: Fields the reference marks as system generated, not editable: a PUT leaves them unchanged.
#: Written out here again on purpose (the client's models have their own list): the emulator
#: models the server independently, so a wrong list in the client shows up in tests.
PERSON_READ_ONLY = frozenset({"created_date", "modified_date"})
EVENT_READ_ONLY = frozenset(
    {
        "created_date",
        "modified_date",
        "total_accepted",
        "action_network:event_campaign_id",
        "status",
        "transparence",
        "visibility",
        "guests_can_invite_others",
        "capacity",
        "action_network:hidden",
        "reminders",
        "action_network:sponsor",
        "featured_image_url",
    }
)
LIST_READ_ONLY = frozenset({"created_date", "modified_date", "count", "origin_system"})
#: "The statuses of 'subscribed' or 'unsubscribed' are the only ones that can be set via PUT or
#: POST" (https://actionnetwork.org/docs/v2/people).
SETTABLE_STATUSES = frozenset({"subscribed", "unsubscribed"})
_ACTION_FIELDS = ("identifier", "created_date", "modified_date", "origin_system", "title")
_RECORD_FIELDS = ("identifier", "created_date", "modified_date")
#: The fields each collection can be filtered on, from the table at
#: https://actionnetwork.org/docs/v2/ ("Searching and filtering (OData)"). A collection the
#: table does not list (tags, unique ID lists ...) takes no filter.
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "people": (
        *_RECORD_FIELDS,
        "family_name",
        "given_name",
        "email_address",
        "phone_number",
        "region",
        "postal_code",
    ),
    "events": (*_ACTION_FIELDS, "start_date", "end_date"),
    **dict.fromkeys(
        (
            "petitions",
            "forms",
            "fundraising_pages",
            "event_campaigns",
            "campaigns",
            "surveys",
            "advocacy_campaigns",
        ),
        _ACTION_FIELDS,
    ),
    **dict.fromkeys(
        ("signatures", "attendances", "submissions", "donations", "outreaches", "responses"),
        _RECORD_FIELDS,
    ),
}


class ApiError(Exception):
    """An error answer: HTTP ``status`` with body ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def an_id(record: Mapping[str, Any]) -> str:
    """A record's ``action_network:`` identifier without its prefix."""
    for ident in record.get("identifiers", ()):
        if isinstance(ident, str) and ident.startswith("action_network:"):
            return ident.removeprefix("action_network:")
    raise ValueError(f"record has no action_network: identifier: {record!r}")


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Collection:
    """Records by id, in insertion order, with a cached list for cheap page slicing."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: dict[str, dict[str, Any]] = {}
        self._order: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self.items

    def __iter__(self) -> Any:
        return iter(self.items)

    def add(self, record: dict[str, Any]) -> dict[str, Any]:
        self.items[an_id(record)] = record
        self._order = None
        return record

    def remove(self, key: str) -> None:
        del self.items[key]
        self._order = None

    def get(self, key: str) -> dict[str, Any]:
        """The record, or a 404 ``ApiError``."""
        try:
            return self.items[key]
        except KeyError:
            raise ApiError(404, f"No {self.name} resource with id {key}") from None

    def values(self) -> list[dict[str, Any]]:
        if self._order is None:
            self._order = list(self.items.values())
        return self._order


class State:
    """Everything the emulator knows, and every write the reference documents."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        names = ("people", "events", "unique_id_lists", "tags", "taggings", "attendances")
        self.collections = {name: Collection(name) for name in (*names, "event_campaigns")}
        self.list_ids: dict[str, list[str]] = {}
        self._emails: dict[str, str] = {}
        self._phones: dict[str, str] = {}
        self._event_identifiers: dict[str, str] = {}

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def now(self) -> str:
        return _stamp(self.clock())

    def _new_id(self) -> str:
        return str(uuid.uuid4())

    def _new_record(self, **fields: Any) -> dict[str, Any]:
        """A fresh record: a new ``action_network:`` identifier and both dates set to now."""
        now = self.now()
        return {
            "identifiers": [f"action_network:{self._new_id()}"],
            "created_date": now,
            "modified_date": now,
            **fields,
        }

    # -- loading ------------------------------------------------------------------------------
    def load(self, name: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Add seed records to a collection, indexing what the API deduplicates on."""
        collection = self.collections[name]
        for raw in records:
            record = collection.add(dict(raw))
            key = an_id(record)
            if name == "people":
                self._index_person(key, record)
            elif name == "events":
                for ident in record.get("identifiers", ()):
                    self._event_identifiers[ident] = key
            elif name == "unique_id_lists":
                self.list_ids.setdefault(key, [])

    def _index_person(self, key: str, person: Mapping[str, Any]) -> None:
        for email in person.get("email_addresses") or ():
            if email.get("address"):
                self._emails[email["address"].lower()] = key
        for phone in person.get("phone_numbers") or ():
            if phone.get("number"):
                self._phones[_digits(phone["number"])] = key

    # -- reading ------------------------------------------------------------------------------
    @staticmethod
    def select(
        kind: str,
        records: list[dict[str, Any]],
        filter_text: str | None = None,
        *,
        strict: bool = True,
    ) -> list[dict[str, Any]]:
        """``records`` of a collection of ``kind``, narrowed by an OData filter (FilterError if
        bad). ``strict``: only the documented fields of ``kind`` and operators (``eq gt lt``);
        otherwise any field and ``ne ge le`` too."""
        if not filter_text:
            return records
        if strict and kind not in FILTER_FIELDS:
            raise FilterError(f"the {kind} collection cannot be filtered")
        predicate = compile_filter(
            filter_text,
            FILTER_FIELDS[kind] if strict else None,
            _field_values,
            operators=DOCUMENTED_OPERATORS if strict else OPS,
        )
        return [r for r in records if predicate(r)]

    def related(self, name: str, field: str, key: str) -> list[dict[str, Any]]:
        """Records of ``name`` whose ``field`` is ``key`` (the taggings of a person ...)."""
        return [r for r in self.collections[name].values() if r.get(field) == key]

    # -- people -------------------------------------------------------------------------------
    def find_person(self, person: Mapping[str, Any]) -> str | None:
        """The id of the person with this email, else this phone (the API's dedupe order)."""
        for email in person.get("email_addresses") or ():
            found = self._emails.get(str(email.get("address", "")).lower())
            if found:
                return found
        for phone in person.get("phone_numbers") or ():
            found = self._phones.get(_digits(str(phone.get("number", ""))))
            if found:
                return found
        return None

    @staticmethod
    def check_statuses(person: Mapping[str, Any]) -> None:
        """Refuse a status a write cannot set (``bouncing`` ...): only subscribed/unsubscribed.

        The reference says only those two "can be set via PUT or POST"; what the API answers
        to another is not documented, and the emulator's 400 is a choice.
        """
        for field in ("email_addresses", "phone_numbers"):
            for entry in person.get(field) or ():
                status = entry.get("status") if isinstance(entry, Mapping) else None
                if status is not None and status not in SETTABLE_STATUSES:
                    raise ApiError(
                        400, f"Status {status!r} cannot be set; use subscribed or unsubscribed"
                    )

    @classmethod
    def check_signup(cls, body: Mapping[str, Any]) -> Mapping[str, Any]:
        """Validate a signup helper body; returns its person hash."""
        person_in = body.get("person")
        if not isinstance(person_in, Mapping):
            raise ApiError(400, "A person hash is required")
        cls.check_statuses(person_in)
        emails = [e for e in person_in.get("email_addresses") or () if e.get("address")]
        phones = [p for p in person_in.get("phone_numbers") or () if p.get("number")]
        if not emails and not phones:
            raise ApiError(400, "An email address or phone number is required")
        return person_in

    def signup(self, body: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """The person signup helper: create or update by email, then phone. (person, created)."""
        person_in = self.check_signup(body)
        existing = self.find_person(person_in)
        if existing is None:
            person = self._new_record(
                email_addresses=[],
                phone_numbers=[],
                postal_addresses=[],
                languages_spoken=["en"],
                custom_fields={},
            )
            key, created = an_id(self.collections["people"].add(person)), True
        else:
            key, person, created = existing, self.collections["people"].get(existing), False
        self._merge_person(person, person_in)
        person["modified_date"] = self.now()
        self._index_person(key, person)
        self._apply_tags(key, body.get("add_tags") or (), body.get("remove_tags") or ())
        return person, created

    def _merge_person(self, person: dict[str, Any], update: Mapping[str, Any]) -> None:
        for field, value in update.items():
            if field in PERSON_READ_ONLY:
                continue
            if field == "identifiers":
                person["identifiers"] += [i for i in value if i not in person["identifiers"]]
            elif field == "custom_fields" and isinstance(value, Mapping):
                person.setdefault("custom_fields", {}).update(value)
            elif field == "email_addresses":
                self._merge_contacts(person, field, "address", value)
            elif field == "phone_numbers":
                self._merge_contacts(person, field, "number", value)
            else:
                person[field] = copy.deepcopy(value)

    def _merge_contacts(self, person: dict[str, Any], field: str, key: str, values: Any) -> None:
        entries = [dict(v) for v in values or () if isinstance(v, Mapping)]
        incoming = [v for v in entries if v.get(key)]
        if not incoming:
            # A status-only entry ({"status": "unsubscribed"}) changes the current one's status.
            status = next((v["status"] for v in entries if v.get("status")), None)
            if status is not None and person.get(field):
                person[field][0]["status"] = status
            return
        first = incoming[0]
        if field == "email_addresses":
            owner = self._emails.get(first["address"].lower())
            if owner is not None and owner != an_id(person):
                return  # the address belongs to someone else: the change is not made
        current = person.get(field) or [{}]
        merged = {**current[0], **first, "primary": True}
        merged.setdefault("status", "subscribed")
        if field == "phone_numbers":
            merged.setdefault("number_type", "Mobile")
        person[field] = [merged]

    def update_person(self, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT on a person: a merge; system fields are left as they are."""
        person = self.collections["people"].get(key)
        self.check_statuses(body)
        self._merge_person(person, body)
        person["modified_date"] = self.now()
        self._index_person(key, person)
        return person

    # -- tags and taggings --------------------------------------------------------------------
    def create_tag(self, body: Mapping[str, Any]) -> dict[str, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "A tag name is required")
        for tag in self.collections["tags"].values():
            if tag["name"] == name:
                return tag
        return self.collections["tags"].add(self._new_record(name=name))

    def tag_by_name(self, name: str) -> dict[str, Any] | None:
        return next((t for t in self.collections["tags"].values() if t["name"] == name), None)

    def create_tagging(self, tag_key: str, person_key: str) -> dict[str, Any]:
        self.collections["tags"].get(tag_key)
        self.collections["people"].get(person_key)
        for tagging in self.related("taggings", "_person_id", person_key):
            if tagging["_tag_id"] == tag_key:
                return tagging
        tagging = self._new_record(_person_id=person_key, _tag_id=tag_key)
        return self.collections["taggings"].add(tagging)

    def _apply_tags(self, person_key: str, add: Iterable[str], remove: Iterable[str]) -> None:
        """Add and remove tags by name; names of tags that do not exist are ignored."""
        for name in add:
            tag = self.tag_by_name(name)
            if tag is not None:
                self.create_tagging(an_id(tag), person_key)
        for name in remove:
            tag = self.tag_by_name(name)
            if tag is None:
                continue
            for tagging in self.related("taggings", "_person_id", person_key):
                if tagging["_tag_id"] == an_id(tag):
                    self.collections["taggings"].remove(an_id(tagging))

    # -- events -------------------------------------------------------------------------------
    def create_event(
        self, body: Mapping[str, Any], *, campaign: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        """POST an event. (event, created); an identifier already in use returns its event."""
        for field in ("title", "origin_system"):
            if not isinstance(body.get(field), str) or not body[field].strip():
                raise ApiError(400, f"The {field} field is required")
        if campaign is not None:
            self.collections["event_campaigns"].get(campaign)
        identifiers = [i for i in body.get("identifiers") or () if isinstance(i, str)]
        if any(i.startswith("action_network:") for i in identifiers):
            raise ApiError(400, "action_network: identifiers are assigned by Action Network")
        for ident in identifiers:
            if ident in self._event_identifiers:  # identifiers are unique globally
                return self.collections["events"].get(self._event_identifiers[ident]), False
        event = self._new_record(
            status="confirmed",
            transparence="opaque",
            visibility="public",
            guests_can_invite_others=True,
            reminders=[{"method": "email", "minutes": 1440}],
            total_accepted=0,
            **{"action_network:hidden": False, "action_network:sponsor": dict(SPONSOR)},
        )
        event["identifiers"] += identifiers
        key = an_id(event)
        creator = link_id(body, "osdi:creator")
        if creator is not None:
            self.collections["people"].get(creator)
            event["_creator_id"] = creator
        for field, value in body.items():
            if field not in EVENT_READ_ONLY and field not in ("identifiers", "_links"):
                event[field] = copy.deepcopy(value)
        if campaign is not None:
            event["action_network:event_campaign_id"] = campaign
        for ident in event["identifiers"]:
            self._event_identifiers[ident] = key
        return self.collections["events"].add(event), True

    def update_event(self, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT on an event: editable fields change; system fields are left as they are."""
        event = self.collections["events"].get(key)
        for field, value in body.items():
            if field in EVENT_READ_ONLY or field == "_links":
                continue
            if field == "identifiers":
                for ident in value:
                    owner = self._event_identifiers.get(ident)
                    if owner is not None and owner != key:
                        raise ApiError(400, f"Identifier {ident} is already in use")
                    self._event_identifiers[ident] = key
                event["identifiers"] += [i for i in value if i not in event["identifiers"]]
            else:
                event[field] = copy.deepcopy(value)
        event["modified_date"] = self.now()
        return event

    def record_attendance(
        self, event_key: str, body: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The record attendance helper: sign the person up, then RSVP. (attendance, person)."""
        event = self.collections["events"].get(event_key)
        person, _ = self.signup(body)
        person_key = an_id(person)
        for attendance in self.related("attendances", "action_network:event_id", event_key):
            if attendance["action_network:person_id"] == person_key:
                attendance["modified_date"] = self.now()
                return attendance, person
        attendance = self._new_record(
            status="accepted",
            **{"action_network:person_id": person_key, "action_network:event_id": event_key},
        )
        event["total_accepted"] = int(event.get("total_accepted", 0)) + 1
        return self.collections["attendances"].add(attendance), person

    # -- unique ID lists ----------------------------------------------------------------------
    @staticmethod
    def check_unique_ids(body: Mapping[str, Any]) -> list[str]:
        ids = body.get("unique_ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError(400, "A unique_ids array with at least one member is required")
        if not all(isinstance(i, str) and i for i in ids):
            raise ApiError(400, "unique_ids must be an array of strings")
        return ids

    def check_new_list(self, body: Mapping[str, Any]) -> list[str]:
        """Validate a list POST before it starts; returns its ids."""
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "The name field is required")
        return self.check_unique_ids(body)

    def create_list(self, body: Mapping[str, Any]) -> dict[str, Any]:
        ids = self.check_new_list(body)
        record = self._new_record(origin_system="Action Network", name=body["name"], count=len(ids))
        self.list_ids[an_id(record)] = list(ids)
        return self.collections["unique_id_lists"].add(record)

    def check_list_change(self, key: str, body: Mapping[str, Any]) -> list[str]:
        """Validate a PUT before it starts; returns its ids."""
        self.collections["unique_id_lists"].get(key)
        if body.get("operation") not in ("append", "replace"):
            raise ApiError(400, "An operation field of 'append' or 'replace' is required on PUT")
        return self.check_unique_ids(body)

    def change_list(self, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT on a unique ID list: ``append`` adds the ids (duplicates kept), ``replace`` swaps."""
        ids = self.check_list_change(key, body)
        record = self.collections["unique_id_lists"].get(key)
        if body["operation"] == "append":
            self.list_ids[key].extend(ids)
        else:
            self.list_ids[key] = list(ids)
        if isinstance(body.get("name"), str) and body["name"].strip():
            record["name"] = body["name"]
        record["count"] = len(self.list_ids[key])
        record["modified_date"] = self.now()
        return record

    def delete_list(self, key: str) -> None:
        self.collections["unique_id_lists"].get(key)
        self.collections["unique_id_lists"].remove(key)
        del self.list_ids[key]


_NOT_DIGITS = re.compile(r"\D")


def _digits(number: str) -> str:
    return _NOT_DIGITS.sub("", number)


def link_id(body: Mapping[str, Any], rel: str) -> str | None:
    """The id at the end of the href of ``_links[rel]`` in a request body, if any."""
    link = (body.get("_links") or {}).get(rel)
    href = link.get("href") if isinstance(link, Mapping) else None
    return href.rstrip("/").rsplit("/", 1)[-1] if isinstance(href, str) else None


def _field_values(record: Mapping[str, Any], field: str) -> list[Any]:
    if field == "identifier":
        return list(record.get("identifiers") or ())
    if field == "email_address":
        return [e.get("address") for e in record.get("email_addresses") or ()]
    if field == "phone_number":
        return [p.get("number") for p in record.get("phone_numbers") or ()]
    if field in ("region", "postal_code"):
        return [a.get(field) for a in record.get("postal_addresses") or ()]
    return [record.get(field)]
