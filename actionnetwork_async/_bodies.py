"""Request bodies, built and checked before any request: pure functions, no I/O.

What a write sends is decided here, from Python values and the models: the fields a model lets a
write set (``fields_to_json``), the person hash and options of the helpers (``helper_body``),
subscription statuses, tag names, ids and identifiers. Each refuses what the API would not take
with a ``ConfigurationError`` naming it, so a mistake costs no request. ``unapplied`` reads an
answer for the contact fields a write asked for and the API did not apply.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union
from urllib.parse import quote

import attrs
from typing_extensions import TypedDict

from ._validate import positive_int
from .errors import ConfigurationError, ModelError, NotAppliedError
from .hal import Resource
from .models import (
    ActionTarget,
    EmailAddress,
    Payment,
    Person,
    PhoneNumber,
    Recipient,
    Record,
    Recurrence,
)
from .models.base import RENAMES, WRITABLE_STATUSES, ResourceModel, to_api

# Union rather than |: Python 3.10 cannot subscript a ``types.UnionType``.
#: Fields this library does not know yet, by their API names, sent as they are.
Extra = Union[Mapping[str, Any], None]  # noqa: UP007
#: The subscription statuses a write may set (the others are read-only).
Status = Literal["subscribed", "unsubscribed"]


class HelperOptions(TypedDict, total=False):
    """The person a helper creates or updates (matched on email, then phone), and what it does
    to them: shared by the person signup helper and every record helper.

    ``email_status`` and ``phone_status`` are separate consents, each sent only when given:
    nothing is opted in that was not asked for. ``person`` is a whole ``Person`` to send
    (copied, never changed); the other keys set its fields.
    """

    email: str | None
    phone: str | None
    given_name: str | None
    family_name: str | None
    postal_code: str | None
    country: str | None
    person: Person | None
    custom_fields: Mapping[str, str] | None
    add_tags: Iterable[str] | None
    remove_tags: Iterable[str] | None
    email_status: Status | None
    phone_status: Status | None


class ActionHelperOptions(HelperOptions, total=False):
    """The options of the helpers that record an action (a signature, an RSVP ...).

    On these helpers ``subscribed`` is the only status the API takes ("No other status fields
    are valid", https://actionnetwork.org/docs/v2/record_signature_helper). ``autoresponse``
    asks the API to send the page's thank-you email (pages made in the user interface only).
    """

    autoresponse: bool | None


class SignatureOptions(ActionHelperOptions, total=False):
    """The record signature helper's options: the person's, and the signature's comments
    (https://actionnetwork.org/docs/v2/record_signature_helper)."""

    comments: str | None


class DonationOptions(ActionHelperOptions, total=False):
    """The record donation helper's options: the person's, and the donation's recipients
    (with their amounts), currency, payment and recurrence
    (https://actionnetwork.org/docs/v2/record_donation_helper)."""

    recipients: list[Recipient] | None
    currency: str | None
    payment: Payment | None
    recurrence: Recurrence | None


class OutreachOptions(ActionHelperOptions, total=False):
    """The record outreach helper's options: the person's, and the letter or call
    (https://actionnetwork.org/docs/v2/record_outreach_helper)."""

    subject: str | None
    message: str | None
    targets: list[ActionTarget] | None
    type: str | None


#: The keywords of the person signup helper (``People.signup``, a record of ``upsert_many``).
SIGNUP_FIELDS: frozenset[str] = HelperOptions.__optional_keys__
#: The keywords of a record helper (``signatures.record`` ..., ``record_many``).
ACTION_HELPER_FIELDS: frozenset[str] = ActionHelperOptions.__optional_keys__
#: The only status a record helper takes.
ACTION_HELPER_STATUSES = frozenset({"subscribed"})


def update_body(
    model: type[ResourceModel],
    target: object,
    changes: ResourceModel | None,
    fields: Mapping[str, Any],
    extra: Extra,
) -> dict[str, Any]:
    """What an update sends: ``changes`` (a whole model), then the fields named, or else the
    ``target`` model itself when nothing else is given."""
    if changes is not None and not isinstance(changes, model):
        raise ConfigurationError(
            f"changes must be a {model.__name__}, got a {type(changes).__name__}"
        )
    named = fields_to_json(model, fields, extra=extra) if (fields or extra) else {}
    if changes is not None:
        return {**changes.to_json(), **named}
    if named or fields or extra:  # only Nones given: nothing to send, never the whole model
        return named
    return target.to_json() if isinstance(target, model) else {}


def unapplied(sent: Mapping[str, Any], answered: Mapping[str, Any]) -> list[str]:
    """The contact fields of a person's JSON ``sent`` that the ``answered`` person does not
    hold: each address sent must be among the answer's (case aside), each number's digits at
    the end of one of the answer's (the API stores numbers in international format)."""
    missing = []
    for field, key, norm in (
        ("email_addresses", "address", _email_key),
        ("phone_numbers", "number", _digits),
    ):
        wanted = {norm(v) for v in _contact_values(sent, field, key)} - {""}
        held = {norm(v) for v in _contact_values(answered, field, key)} - {""}
        if any(not _held(value, held, exact=field == "email_addresses") for value in wanted):
            missing.append(field)
    return missing


def _contact_values(person: Mapping[str, Any], field: str, key: str) -> list[str]:
    entries = person.get(field)
    if not isinstance(entries, list):
        return []
    return [e[key] for e in entries if isinstance(e, Mapping) and isinstance(e.get(key), str)]


def _email_key(address: str) -> str:
    return address.strip().lower()


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit()).lstrip("0")


def _held(value: str, held: set[str], *, exact: bool) -> bool:
    if exact or value in held:
        return value in held
    return len(value) >= 7 and any(h.endswith(value) for h in held)


def check_applied(sent: Mapping[str, Any], result: Resource, model: ResourceModel) -> None:
    """Raise ``NotAppliedError`` when a person write answered with success did not take the
    email addresses or phone numbers it sent (https://actionnetwork.org/docs/v2/people: a
    change to an address another person has is "returned in the response without the change
    having been made")."""
    missing = unapplied(sent, result.data if isinstance(result.data, Mapping) else {})
    if missing:
        raise NotAppliedError(
            f"the API answered with success but did not apply {', '.join(missing)}: an "
            "email address may belong to another person (the API then leaves the person "
            "unchanged), or a number was refused",
            status=200,
            url=str(result.url or result.self_href or ""),
            fields=missing,
            result=model,
        )


def check_id(item_id: str) -> str:
    """An Action Network id, checked to name one item: stripped, and quoted for a URL path.

    Refused: what is not a non-empty string, and anything that would change the path instead
    of naming an item in it: a slash, and the dot segments ``.`` and ``..`` (``people/..`` is
    the entry point).
    """
    text = item_id.strip() if isinstance(item_id, str) else ""
    if not text or "/" in text or "\\" in text or text in (".", ".."):
        shown = repr(item_id) if isinstance(item_id, str) else f"a {type(item_id).__name__}"
        raise ConfigurationError(f"not an Action Network id: {shown}")
    return quote(text, safe="")


def check_identifier(identifier: str | None) -> str | None:
    """An identifier of the caller's own system for a new resource (``"my_crm:1234"``),
    checked: ``<system>:<id>``, never the API's own ``action_network:`` (None: no identifier).
    """
    if identifier is not None:
        system, _, key = identifier.partition(":") if isinstance(identifier, str) else ("",) * 3
        if not system or not key or system == "action_network":
            raise ConfigurationError(
                f"identifier must be '<your system>:<id>' (not action_network:), got {identifier!r}"
            )
    return identifier


def check_extra(extra: Any) -> Mapping[str, Any]:
    """``extra`` (fields by their API names, sent as they are) checked: a mapping of names, or
    None for none."""
    if extra is None:
        return {}
    if not (isinstance(extra, Mapping) and all(isinstance(k, str) for k in extra)):
        raise ConfigurationError(
            f"extra must map API field names to values, got a {type(extra).__name__}"
        )
    return extra


def fields_to_json(
    model: type[Record], fields: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A request body from Python field names, refusing what the API would not take.

    Read-only fields, values the API will not take (``action_network:`` identifiers), values
    the model itself would not read (``identifiers=5``, a string for a list of objects) and
    unknown names raise ``ConfigurationError`` before any request; fields this library does not
    know yet can be sent through ``extra`` (API names, sent as they are).
    """
    extra = check_extra(extra)
    names = {f.name for f in attrs.fields(model)} - {"extra", "resource"}
    unknown = sorted(set(fields) - names)
    if unknown:
        raise ConfigurationError(
            f"{model.__name__} has no field(s) {', '.join(unknown)}; pass fields the library "
            f"does not know through extra={{...}}"
        )
    system = sorted(n for n in fields if RENAMES.get(n, n) in model.READ_ONLY)
    if system:  # refused even as None: the caller means to set a field no write may set
        raise ConfigurationError(
            f"not editable through the API: {', '.join(system)} (system generated fields of "
            f"{model.__name__})"
        )
    fields = {k: v for k, v in fields.items() if v is not None}  # None: not given
    # the one converter turns models, datetimes, lists and dicts into JSON
    body = {RENAMES.get(name, name): to_api(model, name, v) for name, v in fields.items()}
    try:  # what a read of this model would refuse, a write must not send
        model.from_json(body)
    except ModelError as exc:
        raise ConfigurationError(f"a value of the wrong type ({exc}); nothing was sent") from None
    refused = sorted(k for k in body if k in model.READ_ONLY)
    refused += sorted(k for k in (extra or {}) if k in model.READ_ONLY)
    refused += sorted(
        f"{k} {v!r}"
        for k, v in body.items()
        if k in model.WRITABLE and v is not None and model.WRITABLE[k](v) != v
    )
    if refused:
        raise ConfigurationError(
            f"not editable through the API: {', '.join(refused)} (system generated fields or "
            f"values of {model.__name__})"
        )
    from .models.base import converter  # made on first use

    body.update({k: converter.unstructure(v) for k, v in (extra or {}).items()})
    return body


def check_status(
    status: str | None, what: str, allowed: Iterable[str] = WRITABLE_STATUSES
) -> str | None:
    """A subscription status a write may set, checked (None: leave the status as it is)."""
    allowed = sorted(allowed)
    if status is not None and (not isinstance(status, str) or status not in allowed):
        names = " or ".join(repr(a) for a in allowed)
        raise ConfigurationError(f"{what} must be {names} here, got {status!r}")
    return status


def set_statuses(
    person: dict[str, Any],
    *,
    email_status: str | None,
    phone_status: str | None,
    allowed: Iterable[str] = WRITABLE_STATUSES,
) -> dict[str, Any]:
    """Put the email and the phone (SMS) subscription statuses into a person's JSON.

    They are separate consents: each is set only when given. With a status but no address (or
    number) in the body, a status-only entry is sent, which the API applies to the person's
    primary one.
    """
    for key, status in (
        ("email_addresses", check_status(email_status, "email_status", allowed)),
        ("phone_numbers", check_status(phone_status, "phone_status", allowed)),
    ):
        if status is not None:
            entries = person.get(key) or [{}]
            person[key] = [{**entries[0], "status": status}, *entries[1:]]
    return person


def helper_body(
    options: HelperOptions | ActionHelperOptions | Mapping[str, Any],
    *,
    statuses: Iterable[str] = WRITABLE_STATUSES,
    accepted: frozenset[str] = SIGNUP_FIELDS,
) -> dict[str, Any]:
    """The body of a helper POST (signup, record a signature ...): the person hash, the tag
    changes and the autoresponse trigger, from ``HelperOptions`` (``accepted`` names the
    options this helper takes, ``statuses`` the subscription statuses).

    An email address or a phone number is required; the caller's ``person`` is not changed.
    The email and phone statuses are set only when given, each on its own.
    """
    options = {k: v for k, v in options.items() if v is not None}  # None: not given
    unknown = sorted(str(k) for k in set(options) - accepted)
    if unknown:
        raise ConfigurationError(
            f"unknown field(s) {', '.join(unknown)}; this helper takes "
            f"{', '.join(sorted(accepted))}"
        )
    for name in ("email", "phone", "given_name", "family_name", "postal_code", "country"):
        value = options.get(name)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a string, got a {type(value).__name__}")
    person: Person | None = options.get("person")
    if person is not None and not isinstance(person, Person):
        raise ConfigurationError(f"person must be a Person, got a {type(person).__name__}")
    custom = options.get("custom_fields")
    if custom is not None and not (
        isinstance(custom, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in custom.items())
    ):
        raise ConfigurationError("custom_fields must map field names to strings")
    # a copy through JSON: the caller's Person is never mutated, read-only fields are dropped
    base = Person.from_json(person.to_json()) if person is not None else Person()
    if (email := options.get("email")) is not None:
        base.email_addresses = [EmailAddress(address=email, primary=True)]
    if (phone := options.get("phone")) is not None:
        base.phone_numbers = [PhoneNumber(number=phone, primary=True)]
    if (given_name := options.get("given_name")) is not None:
        base.given_name = given_name
    if (family_name := options.get("family_name")) is not None:
        base.family_name = family_name
    if custom_fields := options.get("custom_fields"):
        base.custom_fields = {**base.custom_fields, **custom_fields}
    body = set_statuses(
        base.to_json(),
        email_status=options.get("email_status"),
        phone_status=options.get("phone_status"),
        allowed=statuses,
    )
    postal_code, country = options.get("postal_code"), options.get("country")
    if postal_code is not None or country is not None:
        address = {k: v for k, v in (("postal_code", postal_code), ("country", country)) if v}
        body["postal_addresses"] = [{**(body.get("postal_addresses") or [{}])[0], **address}]
    if not base.email and not base.phone:
        raise ConfigurationError("an email address or a phone number is required")
    helper: dict[str, Any] = {"person": body}
    if add := tag_list(options.get("add_tags", ()), "add_tags"):
        helper["add_tags"] = add
    if remove := tag_list(options.get("remove_tags", ()), "remove_tags"):
        helper["remove_tags"] = remove
    if options.get("autoresponse"):
        helper["triggers"] = {"autoresponse": {"enabled": True}}
    return helper


def tag_list(tags: Iterable[str], what: str) -> list[str]:
    """Tag names, checked."""
    names = [tags] if isinstance(tags, str) else listed(tags, what)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(f"{what} must be tag names, got {name!r}")
    return names


def helper_body_of(
    record: Any,
    tags: tuple[Sequence[str], Sequence[str]] = ((), ()),
    *,
    fields: frozenset[str] = SIGNUP_FIELDS,
    statuses: Iterable[str] = WRITABLE_STATUSES,
) -> dict[str, Any]:
    """The helper body for one record, with the tags to add and to remove of its job (a bulk
    write's ``add_tags``, ``remove_tags``) added to its own.

    A record is a ``Person``, or a mapping of the helper method's keywords (``fields``), whose
    ``person`` may be a person's JSON. Anything else raises ``ConfigurationError``, which the
    bulk write reports as that record's failure.
    """
    if isinstance(record, Person):
        kwargs: dict[str, Any] = {"person": record}
    elif isinstance(record, Mapping):
        unknown = sorted(str(k) for k in record if k not in fields)
        if unknown:
            raise ConfigurationError(
                f"unknown field(s) {', '.join(unknown)}; this helper takes "
                f"{', '.join(sorted(fields))}"
            )
        kwargs = dict(record)
        person = kwargs.get("person")
        if isinstance(person, Mapping):  # the person's JSON; helper_body checks the rest
            kwargs["person"] = Person.from_json(person)
    else:
        raise ConfigurationError(
            f"a record must be a Person or a mapping of {', '.join(sorted(fields))}; "
            f"got {type(record).__name__}"
        )
    for name, job in zip(("add_tags", "remove_tags"), tags, strict=True):
        kwargs[name] = [*tag_list(kwargs.get(name) or (), name), *job]
    return helper_body(kwargs, statuses=statuses, accepted=fields)


def require_text(what: str, **values: object) -> None:
    """Refuse a required field of a new ``what`` that is not a non-empty string, before any
    request."""
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"a new {what} needs a non-empty {name}")


def background_params(background: bool) -> dict[str, str] | None:
    """The query of a write the API is asked to apply later (``background_request=true``,
    "Background Processing" at https://actionnetwork.org/docs/v2/), which then answers at once
    with nothing; None for a write applied now."""
    return {"background_request": "true"} if background else None


def listed(values: Iterable[Any], what: str) -> list[Any]:
    """``values`` as a list; what is not iterable (None ...) is a ``ConfigurationError``."""
    if values is None or isinstance(values, (bytes, Mapping)):
        raise ConfigurationError(f"{what} must be a list of strings, got {values!r}")
    try:
        return list(values)
    except TypeError:
        raise ConfigurationError(f"{what} must be a list of strings, got {values!r}") from None


def no_positional(values: tuple[Any, ...]) -> None:
    """Fields are keywords: a positional value past the named parameters is a mistake."""
    if values:
        raise ConfigurationError(
            f"{len(values)} positional value(s) given where only keywords are taken"
        )


#: A person's unique id, as unique ID lists take them.
_PERSON_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _shape(value: object) -> str:
    """What a value is, without the value: a wrong id may be an email address or a name."""
    if isinstance(value, str):
        return f"a string of {len(value)} characters (not shown: it may be personal data)"
    return f"a {type(value).__name__}"


def id_chunks(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    """Validated chunks of ``size`` ids, read lazily from ``ids`` (both checked at once)."""
    positive_int(size, "chunk_size")
    if isinstance(ids, (str, bytes)):
        raise ConfigurationError("unique_ids must be an iterable of ids, not one string")
    try:
        iterator = iter(ids)
    except TypeError:
        raise ConfigurationError(
            f"unique_ids must be an iterable of ids, got a {type(ids).__name__}"
        ) from None
    position = 0
    while chunk := list(itertools.islice(iterator, size)):
        for offset, value in enumerate(chunk):
            if not isinstance(value, str) or not _PERSON_ID.match(value):
                raise ConfigurationError(
                    f"unique_ids[{position + offset}] is not a person unique id (a UUID such "
                    f"as d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3) but {_shape(value)}"
                )
        position += len(chunk)
        yield chunk
