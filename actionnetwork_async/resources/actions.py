"""Action pages and the records people leave on them: ``an.petitions`` (signatures),
``an.forms`` (submissions), ``an.fundraising_pages`` (donations), ``an.advocacy_campaigns``
(outreaches), ``an.surveys`` (responses), ``an.event_campaigns`` and ``an.campaigns``.

Each facade is a declaration over the ``Actions`` block (``resources.base``): its rel, model and
``RecordKind``, and its public methods, one line each, typed with the fields its writes take.
None has a delete: the API allows deleting none of these.

Actions made over the API are not the same as those made in the user interface: they have no
public page or embed code and send no autoresponses, and only they take donations and
outreaches over the API (https://actionnetwork.org/docs/v2/donations, .../outreaches).
"""

from __future__ import annotations

from typing import Literal, overload

from typing_extensions import Unpack

from ..filters import Filter
from ..models import (
    ActionContent,
    ActionFields,
    ActionTarget,
    AdvocacyCampaign,
    AdvocacyCampaignContent,
    AdvocacyCampaignFields,
    Campaign,
    Donation,
    DonationFields,
    EventCampaign,
    EventCampaignContent,
    EventCampaignFields,
    Form,
    FormContent,
    FormFields,
    FundraisingPage,
    FundraisingPageContent,
    FundraisingPageFields,
    Outreach,
    OutreachFields,
    Payment,
    Person,
    Petition,
    PetitionContent,
    PetitionFields,
    Recipient,
    Recurrence,
    Response,
    ResponseFields,
    Signature,
    SignatureFields,
    Submission,
    SubmissionFields,
    Survey,
)
from ..pagination import Stream
from .base import ActionHelperOptions, Actions, Extra, RecordKind, Ref, Searchable

__all__ = [
    "AdvocacyCampaigns",
    "Campaigns",
    "Donations",
    "EventCampaigns",
    "Forms",
    "FundraisingPages",
    "Petitions",
    "Surveys",
]

#: One signature per person and petition (https://actionnetwork.org/docs/v2/signatures).
SIGNATURES = RecordKind(
    "osdi:signatures", Signature, helper="osdi:record_signature_helper", one_per_person=True
)
#: One submission per person and form (https://actionnetwork.org/docs/v2/submissions).
SUBMISSIONS = RecordKind(
    "osdi:submissions", Submission, helper="osdi:record_submission_helper", one_per_person=True
)
#: Donations are not deduplicated: a lost answer is never re-sent.
DONATIONS = RecordKind("osdi:donations", Donation, helper="osdi:record_donation_helper")
#: Outreaches are not deduplicated either (https://actionnetwork.org/docs/v2/outreaches).
OUTREACHES = RecordKind("osdi:outreaches", Outreach, helper="osdi:record_outreach_helper")
#: Survey responses use Action Network's own rels (https://actionnetwork.org/docs/v2/responses).
RESPONSES = RecordKind(
    "action_network:responses", Response, helper="action_network:record_response_helper"
)


class Petitions(Actions[Petition]):
    """Petitions and their signatures (https://actionnetwork.org/docs/v2/petitions)."""

    REL = "osdi:petitions"
    MODEL = Petition

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[PetitionContent],
    ) -> Petition:
        """POST a new petition; ``identifier`` (``"my_crm:12"``) makes it safe to re-send."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            extra=extra,
        )

    async def update(
        self,
        petition: Ref[Petition],
        changes: Petition | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[PetitionFields],
    ) -> Petition:
        """PUT some fields of a petition (or a whole ``Petition`` of changes)."""
        return await self._update(petition, changes, fields, extra)

    def signatures(
        self, petition: Ref[Petition], filter: Filter | str | None = None
    ) -> Stream[Signature]:
        """Stream a petition's signatures."""
        return self._records(petition, SIGNATURES, filter)

    async def get_signature(self, petition: Ref[Petition], signature: Ref[Signature]) -> Signature:
        """One signature of a petition."""
        return await self._get_record(petition, signature, SIGNATURES)

    @overload
    async def create_signature(
        self,
        petition: Ref[Petition],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[SignatureFields],
    ) -> Signature: ...

    @overload
    async def create_signature(
        self,
        petition: Ref[Petition],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[SignatureFields],
    ) -> None: ...

    @overload
    async def create_signature(
        self,
        petition: Ref[Petition],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[SignatureFields],
    ) -> Signature | None: ...

    async def create_signature(
        self,
        petition: Ref[Petition],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[SignatureFields],
    ) -> Signature | None:
        """Sign a petition for an existing person (no autoresponse is sent).
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._create_record(
            petition, person, SIGNATURES, fields, extra, background=background
        )

    @overload
    async def update_signature(
        self,
        petition: Ref[Petition],
        signature: Ref[Signature],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[SignatureFields],
    ) -> Signature: ...

    @overload
    async def update_signature(
        self,
        petition: Ref[Petition],
        signature: Ref[Signature],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[SignatureFields],
    ) -> None: ...

    @overload
    async def update_signature(
        self,
        petition: Ref[Petition],
        signature: Ref[Signature],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[SignatureFields],
    ) -> Signature | None: ...

    async def update_signature(
        self,
        petition: Ref[Petition],
        signature: Ref[Signature],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[SignatureFields],
    ) -> Signature | None:
        """PUT some fields of a signature (its ``comments`` ...).
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._update_record(
            petition, signature, SIGNATURES, fields, extra, background=background
        )

    @overload
    async def record_signature(
        self,
        petition: Ref[Petition],
        *,
        comments: str | None = None,
        ensure_tags: bool = True,
        background: Literal[False] = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Signature: ...

    @overload
    async def record_signature(
        self,
        petition: Ref[Petition],
        *,
        comments: str | None = None,
        ensure_tags: bool = True,
        background: Literal[True],
        **options: Unpack[ActionHelperOptions],
    ) -> None: ...

    @overload
    async def record_signature(
        self,
        petition: Ref[Petition],
        *,
        comments: str | None = None,
        ensure_tags: bool = True,
        background: bool,
        **options: Unpack[ActionHelperOptions],
    ) -> Signature | None: ...

    async def record_signature(
        self,
        petition: Ref[Petition],
        *,
        comments: str | None = None,
        ensure_tags: bool = True,
        background: bool = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Signature | None:
        """The record signature helper: the person (created or matched by email, then phone)
        signs, in one request (https://actionnetwork.org/docs/v2/record_signature_helper).
        A ``200 {}`` answer raises ``NothingAcceptedError``.
        ``background=True`` has the API apply it later and returns None at once. The tags
        ``add_tags`` names are created first when missing, unless ``ensure_tags=False``.
        """
        return await self._record(
            petition,
            SIGNATURES,
            options,
            {"comments": comments},
            ensure_tags=ensure_tags,
            background=background,
        )


class Forms(Actions[Form]):
    """Forms and their submissions (https://actionnetwork.org/docs/v2/forms)."""

    REL = "osdi:forms"
    MODEL = Form

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[FormContent],
    ) -> Form:
        """POST a new form; ``identifier`` (``"my_crm:12"``) makes it safe to re-send."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            extra=extra,
        )

    async def update(
        self,
        form: Ref[Form],
        changes: Form | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[FormFields],
    ) -> Form:
        """PUT some fields of a form (or a whole ``Form`` of changes)."""
        return await self._update(form, changes, fields, extra)

    def submissions(
        self, form: Ref[Form], filter: Filter | str | None = None
    ) -> Stream[Submission]:
        """Stream a form's submissions."""
        return self._records(form, SUBMISSIONS, filter)

    async def get_submission(self, form: Ref[Form], submission: Ref[Submission]) -> Submission:
        """One submission of a form."""
        return await self._get_record(form, submission, SUBMISSIONS)

    @overload
    async def create_submission(
        self,
        form: Ref[Form],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[SubmissionFields],
    ) -> Submission: ...

    @overload
    async def create_submission(
        self,
        form: Ref[Form],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[SubmissionFields],
    ) -> None: ...

    @overload
    async def create_submission(
        self,
        form: Ref[Form],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[SubmissionFields],
    ) -> Submission | None: ...

    async def create_submission(
        self,
        form: Ref[Form],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[SubmissionFields],
    ) -> Submission | None:
        """Submit a form for an existing person (no autoresponse is sent).
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._create_record(
            form, person, SUBMISSIONS, fields, extra, background=background
        )

    @overload
    async def update_submission(
        self,
        form: Ref[Form],
        submission: Ref[Submission],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[SubmissionFields],
    ) -> Submission: ...

    @overload
    async def update_submission(
        self,
        form: Ref[Form],
        submission: Ref[Submission],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[SubmissionFields],
    ) -> None: ...

    @overload
    async def update_submission(
        self,
        form: Ref[Form],
        submission: Ref[Submission],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[SubmissionFields],
    ) -> Submission | None: ...

    async def update_submission(
        self,
        form: Ref[Form],
        submission: Ref[Submission],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[SubmissionFields],
    ) -> Submission | None:
        """PUT some fields of a submission.
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._update_record(
            form, submission, SUBMISSIONS, fields, extra, background=background
        )

    @overload
    async def record_submission(
        self,
        form: Ref[Form],
        *,
        ensure_tags: bool = True,
        background: Literal[False] = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Submission: ...

    @overload
    async def record_submission(
        self,
        form: Ref[Form],
        *,
        ensure_tags: bool = True,
        background: Literal[True],
        **options: Unpack[ActionHelperOptions],
    ) -> None: ...

    @overload
    async def record_submission(
        self,
        form: Ref[Form],
        *,
        ensure_tags: bool = True,
        background: bool,
        **options: Unpack[ActionHelperOptions],
    ) -> Submission | None: ...

    async def record_submission(
        self,
        form: Ref[Form],
        *,
        ensure_tags: bool = True,
        background: bool = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Submission | None:
        """The record submission helper: the person (created or matched) submits the form, in
        one request (https://actionnetwork.org/docs/v2/record_submission_helper). A
        ``200 {}`` answer raises ``NothingAcceptedError``.
        ``background=True`` has the API apply it later and returns None at once. The tags
        ``add_tags`` names are created first when missing, unless ``ensure_tags=False``.
        """
        return await self._record(
            form, SUBMISSIONS, options, {}, ensure_tags=ensure_tags, background=background
        )


class FundraisingPages(Actions[FundraisingPage]):
    """Fundraising pages and their donations (https://actionnetwork.org/docs/v2/
    fundraising_pages). Donations can only be added to pages made over the API, and are not
    charged."""

    REL = "osdi:fundraising_pages"
    MODEL = FundraisingPage

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[FundraisingPageContent],
    ) -> FundraisingPage:
        """POST a new fundraising page; ``identifier`` makes it safe to re-send."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            extra=extra,
        )

    async def update(
        self,
        page: Ref[FundraisingPage],
        changes: FundraisingPage | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[FundraisingPageFields],
    ) -> FundraisingPage:
        """PUT some fields of a fundraising page (or a whole model of changes)."""
        return await self._update(page, changes, fields, extra)

    def donations(
        self, page: Ref[FundraisingPage], filter: Filter | str | None = None
    ) -> Stream[Donation]:
        """Stream a fundraising page's donations."""
        return self._records(page, DONATIONS, filter)

    async def get_donation(self, page: Ref[FundraisingPage], donation: Ref[Donation]) -> Donation:
        """One donation of a fundraising page."""
        return await self._get_record(page, donation, DONATIONS)

    @overload
    async def create_donation(
        self,
        page: Ref[FundraisingPage],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[DonationFields],
    ) -> Donation: ...

    @overload
    async def create_donation(
        self,
        page: Ref[FundraisingPage],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[DonationFields],
    ) -> None: ...

    @overload
    async def create_donation(
        self,
        page: Ref[FundraisingPage],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[DonationFields],
    ) -> Donation | None: ...

    async def create_donation(
        self,
        page: Ref[FundraisingPage],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[DonationFields],
    ) -> Donation | None:
        """Add a donation by an existing person (``recipients`` with their amounts; the API
        sums them into ``amount``). Never re-sent after a lost answer: donations are not
        deduplicated. There is no update: the API allows none.
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._create_record(
            page, person, DONATIONS, fields, extra, background=background
        )

    @overload
    async def record_donation(
        self,
        page: Ref[FundraisingPage],
        *,
        recipients: list[Recipient],
        currency: str | None = None,
        payment: Payment | None = None,
        recurrence: Recurrence | None = None,
        ensure_tags: bool = True,
        background: Literal[False] = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Donation: ...

    @overload
    async def record_donation(
        self,
        page: Ref[FundraisingPage],
        *,
        recipients: list[Recipient],
        currency: str | None = None,
        payment: Payment | None = None,
        recurrence: Recurrence | None = None,
        ensure_tags: bool = True,
        background: Literal[True],
        **options: Unpack[ActionHelperOptions],
    ) -> None: ...

    @overload
    async def record_donation(
        self,
        page: Ref[FundraisingPage],
        *,
        recipients: list[Recipient],
        currency: str | None = None,
        payment: Payment | None = None,
        recurrence: Recurrence | None = None,
        ensure_tags: bool = True,
        background: bool,
        **options: Unpack[ActionHelperOptions],
    ) -> Donation | None: ...

    async def record_donation(
        self,
        page: Ref[FundraisingPage],
        *,
        recipients: list[Recipient],
        currency: str | None = None,
        payment: Payment | None = None,
        recurrence: Recurrence | None = None,
        ensure_tags: bool = True,
        background: bool = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Donation | None:
        """The record donation helper: the person (created or matched) and their donation to
        ``recipients`` in one request (https://actionnetwork.org/docs/v2/
        record_donation_helper). Never re-sent after a lost answer. A ``200 {}`` answer raises
        ``NothingAcceptedError``.
        ``background=True`` has the API apply it later and returns None at once. The tags
        ``add_tags`` names are created first when missing, unless ``ensure_tags=False``.
        """
        fields = {
            "recipients": recipients,
            "currency": currency,
            "payment": payment,
            "recurrence": recurrence,
        }
        return await self._record(
            page, DONATIONS, options, fields, ensure_tags=ensure_tags, background=background
        )


class AdvocacyCampaigns(Actions[AdvocacyCampaign]):
    """Advocacy campaigns (letter and call campaigns) and their outreaches
    (https://actionnetwork.org/docs/v2/advocacy_campaigns). Outreaches can only be added to
    campaigns made over the API, and reach no target."""

    REL = "osdi:advocacy_campaigns"
    MODEL = AdvocacyCampaign

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[AdvocacyCampaignContent],
    ) -> AdvocacyCampaign:
        """POST a new advocacy campaign; ``identifier`` makes it safe to re-send."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            extra=extra,
        )

    async def update(
        self,
        campaign: Ref[AdvocacyCampaign],
        changes: AdvocacyCampaign | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[AdvocacyCampaignFields],
    ) -> AdvocacyCampaign:
        """PUT some fields of an advocacy campaign (or a whole model of changes)."""
        return await self._update(campaign, changes, fields, extra)

    def outreaches(
        self, campaign: Ref[AdvocacyCampaign], filter: Filter | str | None = None
    ) -> Stream[Outreach]:
        """Stream an advocacy campaign's outreaches."""
        return self._records(campaign, OUTREACHES, filter)

    async def get_outreach(
        self, campaign: Ref[AdvocacyCampaign], outreach: Ref[Outreach]
    ) -> Outreach:
        """One outreach of an advocacy campaign."""
        return await self._get_record(campaign, outreach, OUTREACHES)

    @overload
    async def create_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[OutreachFields],
    ) -> Outreach: ...

    @overload
    async def create_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[OutreachFields],
    ) -> None: ...

    @overload
    async def create_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[OutreachFields],
    ) -> Outreach | None: ...

    async def create_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[OutreachFields],
    ) -> Outreach | None:
        """Add an outreach by an existing person. Never re-sent after a lost answer:
        outreaches are not deduplicated.
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._create_record(
            campaign, person, OUTREACHES, fields, extra, background=background
        )

    @overload
    async def update_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        outreach: Ref[Outreach],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[OutreachFields],
    ) -> Outreach: ...

    @overload
    async def update_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        outreach: Ref[Outreach],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[OutreachFields],
    ) -> None: ...

    @overload
    async def update_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        outreach: Ref[Outreach],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[OutreachFields],
    ) -> Outreach | None: ...

    async def update_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        outreach: Ref[Outreach],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[OutreachFields],
    ) -> Outreach | None:
        """PUT some fields of an outreach.
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._update_record(
            campaign, outreach, OUTREACHES, fields, extra, background=background
        )

    @overload
    async def record_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        *,
        subject: str | None = None,
        message: str | None = None,
        targets: list[ActionTarget] | None = None,
        type: str | None = None,
        ensure_tags: bool = True,
        background: Literal[False] = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Outreach: ...

    @overload
    async def record_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        *,
        subject: str | None = None,
        message: str | None = None,
        targets: list[ActionTarget] | None = None,
        type: str | None = None,
        ensure_tags: bool = True,
        background: Literal[True],
        **options: Unpack[ActionHelperOptions],
    ) -> None: ...

    @overload
    async def record_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        *,
        subject: str | None = None,
        message: str | None = None,
        targets: list[ActionTarget] | None = None,
        type: str | None = None,
        ensure_tags: bool = True,
        background: bool,
        **options: Unpack[ActionHelperOptions],
    ) -> Outreach | None: ...

    async def record_outreach(
        self,
        campaign: Ref[AdvocacyCampaign],
        *,
        subject: str | None = None,
        message: str | None = None,
        targets: list[ActionTarget] | None = None,
        type: str | None = None,
        ensure_tags: bool = True,
        background: bool = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Outreach | None:
        """The record outreach helper: the person (created or matched) and their letter or
        call in one request (https://actionnetwork.org/docs/v2/record_outreach_helper). Never
        re-sent after a lost answer. A ``200 {}`` answer raises ``NothingAcceptedError``.
        ``background=True`` has the API apply it later and returns None at once. The tags
        ``add_tags`` names are created first when missing, unless ``ensure_tags=False``.
        """
        fields = {"subject": subject, "message": message, "targets": targets, "type": type}
        return await self._record(
            campaign, OUTREACHES, options, fields, ensure_tags=ensure_tags, background=background
        )


class Surveys(Actions[Survey]):
    """Surveys and their responses (https://actionnetwork.org/docs/v2/surveys)."""

    REL = "action_network:surveys"
    MODEL = Survey

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[ActionContent],
    ) -> Survey:
        """POST a new survey; ``identifier`` makes it safe to re-send."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            extra=extra,
        )

    async def update(
        self,
        survey: Ref[Survey],
        changes: Survey | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[ActionFields],
    ) -> Survey:
        """PUT some fields of a survey (or a whole ``Survey`` of changes)."""
        return await self._update(survey, changes, fields, extra)

    def responses(
        self, survey: Ref[Survey], filter: Filter | str | None = None
    ) -> Stream[Response]:
        """Stream a survey's responses."""
        return self._records(survey, RESPONSES, filter)

    async def get_response(self, survey: Ref[Survey], response: Ref[Response]) -> Response:
        """One response to a survey."""
        return await self._get_record(survey, response, RESPONSES)

    @overload
    async def create_response(
        self,
        survey: Ref[Survey],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[ResponseFields],
    ) -> Response: ...

    @overload
    async def create_response(
        self,
        survey: Ref[Survey],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[ResponseFields],
    ) -> None: ...

    @overload
    async def create_response(
        self,
        survey: Ref[Survey],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[ResponseFields],
    ) -> Response | None: ...

    async def create_response(
        self,
        survey: Ref[Survey],
        person: Ref[Person],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[ResponseFields],
    ) -> Response | None:
        """Add a response by an existing person (answers, whose shape the API does not
        document, go in ``extra``).
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._create_record(
            survey, person, RESPONSES, fields, extra, background=background
        )

    @overload
    async def update_response(
        self,
        survey: Ref[Survey],
        response: Ref[Response],
        *,
        extra: Extra = None,
        background: Literal[False] = False,
        **fields: Unpack[ResponseFields],
    ) -> Response: ...

    @overload
    async def update_response(
        self,
        survey: Ref[Survey],
        response: Ref[Response],
        *,
        extra: Extra = None,
        background: Literal[True],
        **fields: Unpack[ResponseFields],
    ) -> None: ...

    @overload
    async def update_response(
        self,
        survey: Ref[Survey],
        response: Ref[Response],
        *,
        extra: Extra = None,
        background: bool,
        **fields: Unpack[ResponseFields],
    ) -> Response | None: ...

    async def update_response(
        self,
        survey: Ref[Survey],
        response: Ref[Response],
        *,
        extra: Extra = None,
        background: bool = False,
        **fields: Unpack[ResponseFields],
    ) -> Response | None:
        """PUT some fields of a response.
        ``background=True`` has the API apply it later and returns None at once.
        """
        return await self._update_record(
            survey, response, RESPONSES, fields, extra, background=background
        )

    @overload
    async def record_response(
        self,
        survey: Ref[Survey],
        *,
        ensure_tags: bool = True,
        background: Literal[False] = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Response: ...

    @overload
    async def record_response(
        self,
        survey: Ref[Survey],
        *,
        ensure_tags: bool = True,
        background: Literal[True],
        **options: Unpack[ActionHelperOptions],
    ) -> None: ...

    @overload
    async def record_response(
        self,
        survey: Ref[Survey],
        *,
        ensure_tags: bool = True,
        background: bool,
        **options: Unpack[ActionHelperOptions],
    ) -> Response | None: ...

    async def record_response(
        self,
        survey: Ref[Survey],
        *,
        ensure_tags: bool = True,
        background: bool = False,
        **options: Unpack[ActionHelperOptions],
    ) -> Response | None:
        """The record response helper: the person (created or matched) responds, in one
        request (https://actionnetwork.org/docs/v2/record_response_helper). A ``200 {}``
        answer raises ``NothingAcceptedError``.
        ``background=True`` has the API apply it later and returns None at once. The tags
        ``add_tags`` names are created first when missing, unless ``ensure_tags=False``.
        """
        return await self._record(
            survey, RESPONSES, options, {}, ensure_tags=ensure_tags, background=background
        )


class EventCampaigns(Actions[EventCampaign]):
    """Event campaigns (https://actionnetwork.org/docs/v2/event_campaigns); their events are
    ``an.events.in_campaign()`` and ``an.events.create_in_campaign()``."""

    REL = "action_network:event_campaigns"
    MODEL = EventCampaign

    async def create(
        self,
        *,
        title: str,
        origin_system: str,
        identifier: str | None = None,
        creator: Ref[Person] | None = None,
        extra: Extra = None,
        **fields: Unpack[EventCampaignContent],
    ) -> EventCampaign:
        """POST a new event campaign; ``identifier`` makes it safe to re-send."""
        return await self._create_action(
            fields,
            title=title,
            origin_system=origin_system,
            identifier=identifier,
            creator=creator,
            extra=extra,
        )

    async def update(
        self,
        campaign: Ref[EventCampaign],
        changes: EventCampaign | None = None,
        *,
        extra: Extra = None,
        **fields: Unpack[EventCampaignFields],
    ) -> EventCampaign:
        """PUT some fields of an event campaign (or a whole model of changes)."""
        return await self._update(campaign, changes, fields, extra)


class Campaigns(Searchable[Campaign]):
    """Campaigns: several actions on one page; read only over the API
    (https://actionnetwork.org/docs/v2/campaigns)."""

    REL = "action_network:campaigns"
    MODEL = Campaign


class Donations(Searchable[Donation]):
    """Every donation of the group, on any fundraising page: read only here (donations are
    added through ``an.fundraising_pages``; https://actionnetwork.org/docs/v2/donations)."""

    REL = "osdi:donations"
    MODEL = Donation
