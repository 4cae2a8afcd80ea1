"""Action pages and the records people leave on them: ``an.petitions.signatures``,
``an.forms.submissions``, ``an.fundraising_pages.donations``,
``an.advocacy_campaigns.outreaches``, ``an.surveys.responses`` (and ``an.events.attendances``,
in ``events.py``).

Each kind of record is declared once here; each facade is its block (``Actions``, in
``resources.base``) and the records below it. None has a delete: the API allows deleting none
of these. Actions made over the API are not the same as those made in the user interface: they
have no public page or embed code and send no autoresponses, and only they take donations and
outreaches over the API (https://actionnetwork.org/docs/v2/donations, .../outreaches).
"""

from __future__ import annotations

from .._bodies import ActionHelperOptions, DonationOptions, OutreachOptions, SignatureOptions
from ..models import (
    AdvocacyCampaign,
    Donation,
    DonationFields,
    Form,
    FundraisingPage,
    Outreach,
    OutreachFields,
    Petition,
    Response,
    ResponseFields,
    Signature,
    SignatureFields,
    Submission,
    SubmissionFields,
    Survey,
)
from .base import Actions, C, U
from .records import ActionRecordKind, action_records, added_records

__all__ = [
    "DONATIONS",
    "OUTREACHES",
    "RESPONSES",
    "SIGNATURES",
    "SUBMISSIONS",
    "AdvocacyCampaigns",
    "Forms",
    "FundraisingPages",
    "Petitions",
    "Surveys",
]


#: One signature per person and petition (https://actionnetwork.org/docs/v2/signatures).
SIGNATURES = ActionRecordKind(
    "osdi:signatures",
    Signature,
    fields=SignatureFields,
    helper="osdi:record_signature_helper",
    options=SignatureOptions,
    one_per_person=True,
)
#: One submission per person and form (https://actionnetwork.org/docs/v2/submissions).
SUBMISSIONS = ActionRecordKind(
    "osdi:submissions",
    Submission,
    fields=SubmissionFields,
    helper="osdi:record_submission_helper",
    options=ActionHelperOptions,
    one_per_person=True,
)
#: Donations are not deduplicated: a lost answer is never re-sent; nor can they be changed.
DONATIONS = ActionRecordKind(
    "osdi:donations",
    Donation,
    fields=DonationFields,
    helper="osdi:record_donation_helper",
    options=DonationOptions,
)
#: Outreaches are not deduplicated either (https://actionnetwork.org/docs/v2/outreaches).
OUTREACHES = ActionRecordKind(
    "osdi:outreaches",
    Outreach,
    fields=OutreachFields,
    helper="osdi:record_outreach_helper",
    options=OutreachOptions,
)
#: Survey responses use Action Network's own rels (https://actionnetwork.org/docs/v2/responses).
RESPONSES = ActionRecordKind(
    "action_network:responses",
    Response,
    fields=ResponseFields,
    helper="action_network:record_response_helper",
    options=ActionHelperOptions,
)


class Petitions(Actions[Petition, C, U]):
    """Petitions and their signatures (https://actionnetwork.org/docs/v2/petitions)."""

    #: The petitions' signatures (https://actionnetwork.org/docs/v2/record_signature_helper).
    signatures = action_records(Petition, SIGNATURES)


class Forms(Actions[Form, C, U]):
    """Forms and their submissions (https://actionnetwork.org/docs/v2/forms)."""

    #: The forms' submissions (https://actionnetwork.org/docs/v2/record_submission_helper).
    submissions = action_records(Form, SUBMISSIONS)


class FundraisingPages(Actions[FundraisingPage, C, U]):
    """Fundraising pages and their donations
    (https://actionnetwork.org/docs/v2/fundraising_pages). Donations can only be added to
    pages made over the API, are not charged, and cannot be changed."""

    #: The pages' donations (https://actionnetwork.org/docs/v2/record_donation_helper).
    donations = added_records(FundraisingPage, DONATIONS)


class AdvocacyCampaigns(Actions[AdvocacyCampaign, C, U]):
    """Advocacy campaigns (letter and call campaigns) and their outreaches
    (https://actionnetwork.org/docs/v2/advocacy_campaigns). Outreaches can only be added to
    campaigns made over the API, and reach no target."""

    #: The campaigns' outreaches (https://actionnetwork.org/docs/v2/record_outreach_helper).
    outreaches = action_records(AdvocacyCampaign, OUTREACHES)


class Surveys(Actions[Survey, C, U]):
    """Surveys and their responses (https://actionnetwork.org/docs/v2/surveys)."""

    #: The surveys' responses (https://actionnetwork.org/docs/v2/record_response_helper).
    responses = action_records(Survey, RESPONSES)
