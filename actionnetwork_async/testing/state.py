"""The emulator's in-memory data and the API's documented rules, with no HTTP in sight.

Records are stored as the API shows them (without ``_links``); fields whose name starts with
``_`` are the emulator's own bookkeeping (which person a tagging is for, whether an action was
made in the user interface ...) and never rendered. Which resources exist, who owns whom and
which fields a write leaves alone are declared in ``registry.py``; this module applies them.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from .odata import DOCUMENTED_OPERATORS, OPS, FilterError, compile_filter
from .registry import (
    EVENT_READ_ONLY,
    KINDS,
    LIST_READ_ONLY,
    PERSON_READ_ONLY,
    Kind,
)

__all__ = [
    "ACTION_STATUSES",
    "EVENT_READ_ONLY",
    "FILTER_FIELDS",
    "LIST_READ_ONLY",
    "PERSON_READ_ONLY",
    "SETTABLE_STATUSES",
    "SPONSOR",
    "ApiError",
    "Collection",
    "State",
    "an_id",
    "link_id",
    "no_statistics",
]

SPONSOR = {
    "title": "Progressive Action Now",
    "browser_url": "https://actionnetwork.org/groups/progressive-action-now",
}
#: "The statuses of 'subscribed' or 'unsubscribed' are the only ones that can be set via PUT or
#: POST" (https://actionnetwork.org/docs/v2/people).
SETTABLE_STATUSES = frozenset({"subscribed", "unsubscribed"})
#: On the record helpers of actions "The only valid status is subscribed"
#: (https://actionnetwork.org/docs/v2/record_signature_helper and the other record helpers).
ACTION_STATUSES = frozenset({"subscribed"})
#: Fields of a helper POST that describe the person and the tags, not the record.
_HELPER_FIELDS = frozenset({"person", "add_tags", "remove_tags", "triggers"})
_ACTION_FIELDS = ("identifier", "created_date", "modified_date", "origin_system", "title")
_RECORD_FIELDS = ("identifier", "created_date", "modified_date")
#: The fields each collection can be filtered on, from the table at
#: https://actionnetwork.org/docs/v2/ ("Searching and filtering (OData)"). A collection the
#: table does not list (tags, messages, unique ID lists ...) takes no filter.
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
#: Message statuses in which a message may still be edited, scheduled or sent: "Messages can
#: only be scheduled [sent] if they ... are in 'draft' status"
#: (https://actionnetwork.org/docs/v2/schedule_helper, .../send_helper). A message being
#: targeted ("calculating", as the POST answer shows) may be edited too.
EDITABLE_MESSAGE = frozenset({"draft", "calculating"})
_STATISTICS = (
    "sent",
    "opened",
    "verified_opened",
    "clicked",
    "actions",
    "unsubscribed",
    "bounced",
    "spam_reports",
    "donated",
)
#: The six variants of embed code (https://actionnetwork.org/docs/v2/embed).
EMBED_STYLES = ("default_styles", "layout_only_styles", "no_styles")


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
        """Store ``record`` under its id (last in page order if it is new)."""
        self.items[an_id(record)] = record
        self._order = None
        return record

    def remove(self, key: str) -> None:
        """Forget the record with id ``key``."""
        del self.items[key]
        self._order = None

    def get(self, key: str) -> dict[str, Any]:
        """The record, or a 404 ``ApiError``."""
        try:
            return self.items[key]
        except KeyError:
            raise ApiError(404, f"No {self.name} resource with id {key}") from None

    def values(self) -> list[dict[str, Any]]:
        """The records in page order (a list kept until the collection changes)."""
        if self._order is None:
            self._order = list(self.items.values())
        return self._order


class State:
    """Everything the emulator knows, and every write the reference documents."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.collections = {name: Collection(name) for name in KINDS}
        self.list_ids: dict[str, list[str]] = {}
        #: Custom field names seen on people, for https://actionnetwork.org/docs/v2/custom_fields.
        self.custom_fields: dict[str, dict[str, Any]] = {}
        self._emails: dict[str, str] = {}
        self._phones: dict[str, str] = {}
        #: Identifiers are unique "at least by type" (https://actionnetwork.org/docs/v2/).
        self._identifiers: dict[str, dict[str, str]] = {name: {} for name in KINDS}

    def __getitem__(self, name: str) -> Collection:
        return self.collections[name]

    def now(self) -> str:
        """The server's time now, as the API writes dates."""
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
        """Add seed records to a collection, indexing what the API deduplicates on and counting
        them on their owners."""
        collection = self.collections[name]
        kind = KINDS[name]
        identifiers = self._identifiers[name]
        for raw in records:
            record = collection.add(dict(raw))
            key = an_id(record)
            for ident in record.get("identifiers", ()):
                identifiers[ident] = key
            if name == "people":
                self._index_person(key, record)
            elif name == "unique_id_lists":
                self.list_ids.setdefault(key, [])
            self._count(kind, record, 1)

    def _index_person(self, key: str, person: Mapping[str, Any]) -> None:
        for email in person.get("email_addresses") or ():
            if email.get("address"):
                self._emails[email["address"].lower()] = key
        for phone in person.get("phone_numbers") or ():
            if phone.get("number"):
                self._phones[_digits(phone["number"])] = key
        for field in person.get("custom_fields") or ():
            if field not in self.custom_fields:
                now = person.get("created_date") or self.now()
                self.custom_fields[field] = {
                    "name": field,
                    "created_date": now,
                    "modified_date": now,
                    "notes": "",
                    "numeric_id": len(self.custom_fields) + 1,
                }

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

    def owned(self, kind: str, owner: str, key: str) -> list[dict[str, Any]]:
        """The ``kind`` records that ``owner`` ``key`` owns: its sub-collection."""
        declared = KINDS[kind].owner(owner)
        if declared is None:
            raise ApiError(404, f"{owner} have no {kind}")
        return self.related(kind, declared.field, key)

    def child(self, kind: str, owner: str, key: str, child_key: str) -> dict[str, Any]:
        """One ``kind`` record of ``owner`` ``key``; 404 if it belongs to another."""
        record = self.collections[kind].get(child_key)
        declared = KINDS[kind].owner(owner)
        if declared is None or record.get(declared.field) != key:
            raise ApiError(404, f"No {kind} resource with id {child_key} here")
        return record

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
    def check_statuses(
        person: Mapping[str, Any], statuses: frozenset[str] = SETTABLE_STATUSES
    ) -> None:
        """Refuse a status a write cannot set (``bouncing`` ...): only ``statuses``.

        The reference says only subscribed/unsubscribed "can be set via PUT or POST", and only
        subscribed on the record helpers of actions; what the API answers to another is not
        documented, and the emulator's 400 is a choice.
        """
        for field in ("email_addresses", "phone_numbers"):
            for entry in person.get(field) or ():
                status = entry.get("status") if isinstance(entry, Mapping) else None
                if status is not None and status not in statuses:
                    allowed = " or ".join(sorted(statuses))
                    raise ApiError(400, f"Status {status!r} cannot be set; use {allowed}")

    @classmethod
    def check_signup(
        cls, body: Mapping[str, Any], statuses: frozenset[str] = SETTABLE_STATUSES
    ) -> Mapping[str, Any]:
        """Validate a helper body's person hash; returns it."""
        person_in = body.get("person")
        if not isinstance(person_in, Mapping):
            raise ApiError(400, "A person hash is required")
        cls.check_statuses(person_in, statuses)
        emails = [e for e in person_in.get("email_addresses") or () if e.get("address")]
        phones = [p for p in person_in.get("phone_numbers") or () if p.get("number")]
        if not emails and not phones:
            raise ApiError(400, "An email address or phone number is required")
        return person_in

    def signup(
        self, body: Mapping[str, Any], statuses: frozenset[str] = SETTABLE_STATUSES
    ) -> tuple[dict[str, Any], bool]:
        """The person signup helper: create or update by email, then phone. (person, created)."""
        person_in = self.check_signup(body, statuses)
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

    # -- tags ---------------------------------------------------------------------------------
    def tag_by_name(self, name: str) -> dict[str, Any] | None:
        """The tag of that name, or None."""
        return next((t for t in self.collections["tags"].values() if t["name"] == name), None)

    def _apply_tags(self, person_key: str, add: Iterable[str], remove: Iterable[str]) -> None:
        """Add and remove tags by name; names of tags that do not exist are ignored ("If not, the
        tag will be ignored", https://actionnetwork.org/docs/v2/person_signup_helper)."""
        for name in add:
            tag = self.tag_by_name(name)
            if tag is not None:
                self.create("taggings", {}, under=("tags", an_id(tag)), person=person_key)
        for name in remove:
            tag = self.tag_by_name(name)
            if tag is None:
                continue
            for tagging in self.related("taggings", "_person_id", person_key):
                if tagging["_tag_id"] == an_id(tag):
                    self.delete("taggings", an_id(tagging))

    # -- any resource: create, update, delete -------------------------------------------------
    def check_create(
        self,
        name: str,
        body: Mapping[str, Any],
        *,
        under: tuple[str, str] | None = None,
        person: str | None = None,
        helper: bool = False,
    ) -> None:
        """Everything that makes a POST fail, checked before anything is written (a ``helper``
        checks this before it signs the person up, so it has no person link yet)."""
        kind = KINDS[name]
        for field in kind.required:
            if not isinstance(body.get(field), str) or not body[field].strip():
                raise ApiError(400, f"The {field} field is required")
        if not isinstance(body.get("identifiers", []), list):
            raise ApiError(400, "identifiers must be an array of strings")
        if any(str(i).startswith("action_network:") for i in body.get("identifiers") or ()):
            raise ApiError(400, "action_network: identifiers are assigned by Action Network")
        if under is not None:
            owner = self.collections[under[0]].get(under[1])
            if kind.api_pages_only and owner.get("_ui"):
                # "you may only post donations [outreaches] to fundraising pages [advocacy
                # campaigns] that have been created via the API" (docs/v2/donations,
                # docs/v2/outreaches); the status of the refusal is the emulator's choice.
                raise ApiError(
                    400, f"{name.capitalize()} can only be added to {under[0]} created via the API"
                )
        if kind.owner("people") is not None and kind.home is not None and not helper:
            person = person or link_id(body, "osdi:person")
            if person is None:
                raise ApiError(400, f"Adding {name} needs an osdi:person link")
            self.collections["people"].get(person)
        self._check_links_and_rule(kind, body)

    def _check_links_and_rule(self, kind: Kind, body: Mapping[str, Any]) -> None:
        """The last checks of every write (POST or PUT): each record the body links to exists,
        and the kind's own rule (``_CHECKS``) holds."""
        for link in kind.link_fields:
            target = link_id(body, link.rel)
            if target is not None:
                self.collections[link.kind].get(target)
        check = _CHECKS.get(kind.name)
        if check is not None:
            check(self, body)

    def create(
        self,
        name: str,
        body: Mapping[str, Any],
        *,
        under: tuple[str, str] | None = None,
        person: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """POST a ``name`` (under owner ``under`` = (kind, id), for ``person``): (record,
        created). An identifier already in use, a tag name already taken or a person who
        already took this action (where the API deduplicates on the person) returns that one."""
        self.check_create(name, body, under=under, person=person)
        kind = KINDS[name]
        collection = self.collections[name]
        for ident in body.get("identifiers") or ():
            if ident in self._identifiers[name]:  # identifiers are unique globally
                return collection.get(self._identifiers[name][ident]), False
        if name == "tags" and (tag := self.tag_by_name(body["name"])) is not None:
            return tag, False
        owned: dict[str, str] = {}
        if under is not None:
            declared = kind.owner(under[0])
            assert declared is not None, f"{under[0]} do not own {name}"
            owned[declared.field] = under[1]
        people = kind.owner("people")
        if people is not None and kind.home is not None:
            owned[people.field] = person or link_id(body, "osdi:person") or ""
            if kind.dedupe_person:
                for record in self.related(name, people.field, owned[people.field]):
                    if all(record.get(f) == v for f, v in owned.items()):
                        return self.update(name, an_id(record), body), False
        record = self._new_record(**copy.deepcopy(dict(kind.defaults)))
        record["identifiers"] += list(body.get("identifiers") or ())
        self._write(kind, record, body)
        record.update(owned)
        prepare = _PREPARE.get(name)
        if prepare is not None:
            prepare(self, record, body)
        collection.add(record)
        for ident in record["identifiers"]:
            self._identifiers[name][ident] = an_id(record)
        self._count(kind, record, 1)
        return record, True

    def update(self, name: str, key: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT on a ``name``: editable fields change, system fields are left as they are, and
        identifiers are added (never removed)."""
        kind = KINDS[name]
        record = self.collections[name].get(key)
        if not isinstance(body.get("identifiers", []), list):
            raise ApiError(400, "identifiers must be an array of strings")
        for ident in body.get("identifiers") or ():
            owner = self._identifiers[name].get(ident)
            if owner is not None and owner != key:
                raise ApiError(400, f"Identifier {ident} is already in use")
        self._check_links_and_rule(kind, body)
        for ident in body.get("identifiers") or ():
            if not str(ident).startswith("action_network:") and ident not in record["identifiers"]:
                record["identifiers"].append(ident)
                self._identifiers[name][ident] = key
        self._write(kind, record, body)
        prepare = _PREPARE.get(name)
        if prepare is not None:
            prepare(self, record, body)
        record["modified_date"] = self.now()
        return record

    def delete(self, name: str, key: str) -> None:
        """DELETE on a ``name`` (taggings; unique ID lists have their own rule)."""
        record = self.collections[name].get(key)
        self.collections[name].remove(key)
        for ident in record.get("identifiers", ()):
            self._identifiers[name].pop(ident, None)
        self._count(KINDS[name], record, -1)

    @staticmethod
    def _write(kind: Kind, record: dict[str, Any], body: Mapping[str, Any]) -> None:
        """Copy what a write may set: not read-only fields, identifiers, links or helper data."""
        for field, value in body.items():
            if field in kind.read_only or field in _HELPER_FIELDS or field == "identifiers":
                continue
            if field == "_links":
                for link in kind.link_fields:
                    target = link_id(body, link.rel)
                    if target is not None:
                        record[link.field] = target
                continue
            record[field] = copy.deepcopy(value)

    def _count(self, kind: Kind, record: Mapping[str, Any], delta: int) -> None:
        """Keep the owner's count (``total_signatures`` ...) of ``kind`` right."""
        if kind.counter is None or not kind.owners:
            return
        owner_key = record.get(kind.owners[0].field)
        owner = self.collections[kind.owners[0].kind].items.get(owner_key or "")
        if owner is None:
            return
        owner[kind.counter] = int(owner.get(kind.counter, 0)) + delta
        if kind.name == "donations":
            total = _money(owner.get("total_amount", "0")) + delta * _money(record.get("amount"))
            owner["total_amount"] = f"{total:.2f}"
        elif kind.name == "attendances" and owner.get("action_network:event_campaign_id"):
            campaign = self.collections["event_campaigns"].items.get(
                owner["action_network:event_campaign_id"]
            )
            if campaign is not None:
                campaign["total_rsvps"] = int(campaign.get("total_rsvps", 0)) + delta

    # -- record helpers -----------------------------------------------------------------------
    def check_record(self, name: str, home_key: str, body: Mapping[str, Any]) -> None:
        """Validate a record helper POST (signature, donation ...) before anything is written."""
        kind = KINDS[name]
        assert kind.home is not None, f"{name} have no record helper"
        self.check_signup(body, ACTION_STATUSES)
        record = {k: v for k, v in body.items() if k not in _HELPER_FIELDS}
        self.check_create(name, record, under=(kind.home, home_key), helper=True)

    def record_action(
        self, name: str, home_key: str, body: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A record helper: match or create the person (as the signup helper does, only
        ``subscribed`` settable), apply ``add_tags``/``remove_tags``, then record the action on
        the home owner ``home_key``. (record, person)."""
        kind = KINDS[name]
        assert kind.home is not None, f"{name} have no record helper"
        self.check_record(name, home_key, body)
        person, _ = self.signup(body, ACTION_STATUSES)
        fields = {k: v for k, v in body.items() if k not in _HELPER_FIELDS}
        record, _ = self.create(name, fields, under=(kind.home, home_key), person=an_id(person))
        return record, person

    # -- messages -----------------------------------------------------------------------------
    def targeted(self, message: Mapping[str, Any]) -> list[str]:
        """The people a message targets: the union of its queries' people, or the whole list
        without targets; only people whose email is subscribed receive email."""
        people = self.collections["people"].values()
        if message.get("_target_ids"):
            members: set[str] = set()
            for query_key in message["_target_ids"]:
                every = int(self.collections["queries"].get(query_key).get("_every") or 0)
                members.update(an_id(p) for p in people[::every] if every)
            chosen = [p for p in people if an_id(p) in members]
        else:
            chosen = people
        return [
            an_id(p)
            for p in chosen
            if any(e.get("status") == "subscribed" for e in p.get("email_addresses") or ())
        ]

    def finish_targeting(self, key: str) -> None:
        """Targeting is calculated: the message becomes a draft with its ``total_targeted``."""
        message = self.collections["messages"].get(key)
        if message.get("status") == "calculating":
            message["total_targeted"] = len(self.targeted(message))
            message["status"] = "draft"

    def check_editable(self, key: str) -> dict[str, Any]:
        """A message that may still change; a scheduled, sending or sent one may not (the
        emulator's 400 is a choice: the answer the API gives is not documented)."""
        message = self.collections["messages"].get(key)
        if message.get("status") not in EDITABLE_MESSAGE:
            raise ApiError(400, f"A message in {message.get('status')} status cannot be changed")
        return message

    def _check_sendable(self, key: str) -> dict[str, Any]:
        """ "Messages can only be sent [scheduled] if they contain all of the required fields
        (subject, body, from, and reply_to), are in 'draft' status, and have a total_targeted
        count greater than 0" (https://actionnetwork.org/docs/v2/send_helper)."""
        message = self.collections["messages"].get(key)
        missing = [f for f in KINDS["messages"].required if not message.get(f)]
        if missing:
            raise ApiError(400, f"The message has no {', '.join(missing)}")
        if message.get("status") != "draft":
            raise ApiError(400, f"Only a draft can be sent; this one is {message.get('status')}")
        if not message.get("total_targeted"):
            raise ApiError(400, "The message targets nobody")
        return message

    def start_send(self, key: str, *, scheduled: bool = False) -> dict[str, Any]:
        """The send helper (or the scheduled time): the message is sending."""
        message = self.collections["messages"].get(key)
        if not (scheduled and message.get("status") == "scheduled"):
            self._check_sendable(key)
        message.update(status="sending", sent_start_date=self.now(), modified_date=self.now())
        return message

    def finish_send(self, key: str) -> None:
        """Sending is done: statistics, and a list of the recipients (an "Email" list, as
        https://actionnetwork.org/docs/v2/lists says emails are)."""
        message = self.collections["messages"].get(key)
        if message.get("status") != "sending":
            return  # stopped meanwhile
        recipients = self.targeted(message)
        message["status"] = "sent"
        message["statistics"] = {**message.get("statistics", {}), "sent": len(recipients)}
        listed = self._new_record(
            origin_system="Action Network",
            name=message.get("name") or message.get("subject"),
            title=message.get("subject"),
            description="Email",
        )
        self.collections["lists"].add(listed)
        list_key = an_id(listed)
        for person in recipients:
            item = self._new_record(
                item_type="osdi:person",
                **{"action_network:person_id": person, "action_network:list_id": list_key},
            )
            self.collections["items"].add(item)
        message["_recipients_id"] = list_key

    def stop_send(self, key: str) -> None:
        """Stop a message mid-send (DELETE on the send helper)."""
        message = self.collections["messages"].get(key)
        if message.get("status") != "sending":
            raise ApiError(
                400, f"Only a sending message can be stopped; this one is {message.get('status')}"
            )
        message.update(status="stopped", modified_date=self.now())

    def schedule(self, key: str, body: Mapping[str, Any]) -> datetime:
        """The schedule helper: a draft is scheduled for a future ``scheduled_start_date``."""
        self._check_sendable(key)
        text = body.get("scheduled_start_date")
        if not isinstance(text, str):
            raise ApiError(400, "The scheduled_start_date field is required")
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, f"Not a date and time: {text!r}") from None
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        if when <= self.clock():
            raise ApiError(400, "The scheduled_start_date must be in the future")
        message = self.collections["messages"].get(key)
        message.update(status="scheduled", scheduled_start_date=_stamp(when))
        message["modified_date"] = self.now()
        return when

    def unschedule(self, key: str) -> None:
        """Cancel a message's scheduling (DELETE on the schedule helper)."""
        message = self.collections["messages"].get(key)
        if message.get("status") != "scheduled":
            raise ApiError(
                400,
                f"Only a scheduled message can be unscheduled; this one is {message.get('status')}",
            )
        message.pop("scheduled_start_date", None)
        message.update(status="draft", modified_date=self.now())

    # -- embeds -------------------------------------------------------------------------------
    def embed(self, name: str, key: str) -> dict[str, str]:
        """Embed code of an action (https://actionnetwork.org/docs/v2/embed): only actions made
        in the user interface have a page to embed (API-made ones "will not be given a URL");
        for the others the emulator answers 404, its choice."""
        action = self.collections[name].get(key)
        if not action.get("_ui") or not action.get("browser_url"):
            raise ApiError(404, f"This {name} was created via the API and has no embed code")
        slug = str(action["browser_url"]).rstrip("/").rsplit("/", 1)[-1]
        widget = f"https://actionnetwork.org/widgets/v5/{name.removesuffix('s')}/{slug}"
        area = f"<div id='can-{name}-area-{slug}' style='width: 100%'></div>"
        styles = {
            "default_styles": "<link href='https://actionnetwork.org/css/style-embed-v3.css' "
            "rel='stylesheet' type='text/css' />",
            "layout_only_styles": "<link href='https://actionnetwork.org/css/"
            "style-embed-whitelabel-v3.css' rel='stylesheet' type='text/css' />",
            "no_styles": "",
        }
        return {
            f"embed_{size}_{style}": f"{styles[style]}<script src='{widget}?format=js&source="
            f"widget{'&style=full' if size == 'full' else ''}'></script>{area}"
            for size in ("standard", "full")
            for style in EMBED_STYLES
        }

    # -- unique ID lists ----------------------------------------------------------------------
    @staticmethod
    def check_unique_ids(body: Mapping[str, Any]) -> list[str]:
        """The ``unique_ids`` of a unique ID list write, refused with 400 unless a non-empty
        array of strings."""
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
        """A new unique ID list from a POST body (its ids kept apart: GET never shows them)."""
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
        """Delete a unique ID list and its ids."""
        self.collections["unique_id_lists"].get(key)
        self.collections["unique_id_lists"].remove(key)
        del self.list_ids[key]


# -- per-resource rules, applied by State.check_create and State.create/update ---------------
def _check_donation(state: State, body: Mapping[str, Any]) -> None:
    """A donation needs recipients with amounts (https://actionnetwork.org/docs/v2/donations)."""
    recipients = body.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise ApiError(400, "A donation needs a recipients array")
    for recipient in recipients:
        if not isinstance(recipient, Mapping) or _money(recipient.get("amount"), None) is None:
            raise ApiError(400, "Every recipient needs a display_name and an amount")


def _check_message(state: State, body: Mapping[str, Any]) -> None:
    """A message's targets are links to queries (https://actionnetwork.org/docs/v2/messages)."""
    for target in body.get("targets") or ():
        href = target.get("href") if isinstance(target, Mapping) else None
        if not isinstance(href, str) or "/queries/" not in href:
            raise ApiError(400, "Message targets must be links to queries")
        state.collections["queries"].get(href.rstrip("/").rsplit("/", 1)[-1])


def _prepare_event(state: State, record: dict[str, Any], body: Mapping[str, Any]) -> None:
    """Events get the group as sponsor ("Automatically added if you post using a group API
    key", https://actionnetwork.org/docs/v2/events)."""
    record.setdefault("action_network:sponsor", dict(SPONSOR))


def _prepare_donation(state: State, record: dict[str, Any], body: Mapping[str, Any]) -> None:
    """The amount is the recipients' sum; the currency defaults to USD."""
    total = sum((_money(r.get("amount")) for r in record.get("recipients") or ()), Decimal(0))
    record["amount"] = f"{total:.2f}"
    record.setdefault("currency", "USD")


def _prepare_message(state: State, record: dict[str, Any], body: Mapping[str, Any]) -> None:
    """A new message, or one whose targets change, is "calculating" its targeting until the
    emulator calls ``finish_targeting`` (the POST answer shows "calculating":
    https://actionnetwork.org/docs/v2/email)."""
    if "targets" in body or "status" not in record:  # new, or new targets
        record["_target_ids"] = [
            t["href"].rstrip("/").rsplit("/", 1)[-1] for t in record.get("targets") or ()
        ]
        record.update(status="calculating", total_targeted=0)
    record.setdefault("statistics", no_statistics())
    slug = re.sub(r"[^a-z0-9]+", "-", str(record.get("subject", "")).lower()).strip("-")
    record.setdefault("administrative_url", f"https://actionnetwork.org/emails/{slug}/manage")


def no_statistics() -> dict[str, Any]:
    """A message's statistics before it is sent."""
    return {**dict.fromkeys(_STATISTICS, 0), "total_amount": "0.00"}


_CHECKS: dict[str, Callable[[State, Mapping[str, Any]], None]] = {
    "donations": _check_donation,
    "messages": _check_message,
}
_PREPARE: dict[str, Callable[[State, dict[str, Any], Mapping[str, Any]], None]] = {
    "events": _prepare_event,
    "donations": _prepare_donation,
    "messages": _prepare_message,
}

_NOT_DIGITS = re.compile(r"\D")


def _digits(number: str) -> str:
    return _NOT_DIGITS.sub("", number)


def _money(value: Any, default: Decimal | None = Decimal(0)) -> Any:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default


def link_id(body: Mapping[str, Any], rel: str) -> str | None:
    """The id at the end of the href of ``_links[rel]`` in a request body, if any."""
    links = body.get("_links")
    link = links.get(rel) if isinstance(links, Mapping) else None
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
