"""Records of actions taken: signatures, submissions, donations, outreaches and survey responses.

Each lives under its action and under the person who took it; the ids of both are read-only
``action_network:`` fields. The ``...Fields`` ``TypedDict``s list what a write may set (a key
set to None is not given).
Attendances, the records of events, are in ``models.events``.
"""

from __future__ import annotations

from typing import Any

import attrs
from typing_extensions import TypedDict

from .actions import ActionTarget
from .base import Record, ResourceModel

__all__ = [
    "ActionRecord",
    "Donation",
    "DonationFields",
    "Outreach",
    "OutreachFields",
    "Payment",
    "Recipient",
    "Recurrence",
    "Response",
    "ResponseFields",
    "Signature",
    "SignatureFields",
    "Submission",
    "SubmissionFields",
]


@attrs.define(kw_only=True)
class ActionRecord(ResourceModel):
    """What every record of an action taken carries: the person's id (set by the API) and
    the referrer data (source and referrer codes)."""

    READ_ONLY = ResourceModel.READ_ONLY | {"action_network:person_id"}

    origin_system: str | None = None
    person_id: str | None = None
    referrer_data: dict[str, Any] = attrs.field(factory=dict)


class SubmissionFields(TypedDict, total=False):
    """The fields a write may set on a submission (and on every record of an action)."""

    origin_system: str | None
    referrer_data: dict[str, Any] | None


@attrs.define(kw_only=True)
class Signature(ActionRecord):
    """A petition signature; one per person and petition
    (https://actionnetwork.org/docs/v2/signatures)."""

    READ_ONLY = ActionRecord.READ_ONLY | {"action_network:petition_id"}

    comments: str | None = None
    petition_id: str | None = None


class SignatureFields(SubmissionFields, total=False):
    """The fields a write may set on a signature."""

    comments: str | None


@attrs.define(kw_only=True)
class Submission(ActionRecord):
    """A form submission; one per person and form
    (https://actionnetwork.org/docs/v2/submissions)."""

    READ_ONLY = ActionRecord.READ_ONLY | {"action_network:form_id"}

    form_id: str | None = None


@attrs.define(kw_only=True)
class Response(ActionRecord):
    """A survey response (https://actionnetwork.org/docs/v2/responses). The answers' shape is
    not documented: they are kept, as sent, in ``extra``."""

    READ_ONLY = ActionRecord.READ_ONLY | {"action_network:survey_id"}

    survey_id: str | None = None


class ResponseFields(SubmissionFields, total=False):
    """The fields a write may set on a response."""


@attrs.define(kw_only=True)
class Recipient(Record):
    """Who a donation went to, and how much (a decimal string such as ``"3.00"``)."""

    display_name: str | None = None
    legal_name: str | None = None
    amount: str | None = None


@attrs.define(kw_only=True)
class Payment(Record):
    """How a donation was paid."""

    method: str | None = None
    reference_number: str | None = None
    authorization_stored: bool | None = None


@attrs.define(kw_only=True)
class Recurrence(Record):
    """Whether a donation recurs, and how often (``action_network:recurrence``)."""

    recurring: bool | None = None
    period: str | None = None


@attrs.define(kw_only=True)
class Donation(ActionRecord):
    """A donation on a fundraising page (https://actionnetwork.org/docs/v2/donations). Not
    deduplicated; ``amount`` is the recipients' total, computed by the API."""

    READ_ONLY = ActionRecord.READ_ONLY | {"amount", "action_network:fundraising_page_id"}

    amount: str | None = None
    currency: str | None = None
    recipients: list[Recipient] = attrs.field(factory=list)
    payment: Payment | None = None
    recurrence: Recurrence | None = None
    fundraising_page_id: str | None = None


class DonationFields(SubmissionFields, total=False):
    """The fields a write may set on a donation (there is no update: only on creation)."""

    currency: str | None
    recipients: list[Recipient] | None
    payment: Payment | None
    recurrence: Recurrence | None


@attrs.define(kw_only=True)
class Outreach(ActionRecord):
    """A letter sent or a call made in an advocacy campaign
    (https://actionnetwork.org/docs/v2/outreaches). Not deduplicated."""

    READ_ONLY = ActionRecord.READ_ONLY | {"action_network:advocacy_campaign_id"}

    type: str | None = None
    subject: str | None = None
    message: str | None = None
    targets: list[ActionTarget] = attrs.field(factory=list)
    duration: int | None = None
    advocacy_campaign_id: str | None = None


class OutreachFields(SubmissionFields, total=False):
    """The fields a write may set on an outreach."""

    type: str | None
    subject: str | None
    message: str | None
    targets: list[ActionTarget] | None
    duration: int | None
