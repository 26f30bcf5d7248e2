"""Campaign contacts made from leads (the leads' add_to_campaign): which leads can be called, adding
them, taking back the ones not dialled yet, and each call's outcome written back to its lead.

Campaigns build on leads, never the other way round: the lead side only offers
``leads.services.record_call``.
"""

from dataclasses import dataclass

from django.db.models import F, Q

from campaigns.do_not_call import REASON as ON_THE_LIST
from campaigns.do_not_call import blocked_numbers
from campaigns.importing import normalize_number
from campaigns.models import (
    Call,
    CallingSettings,
    CallStatus,
    Campaign,
    CampaignContact,
    CampaignState,
    ContactStatus,
)
from campaigns.services import settings_snapshot
from leads import services as lead_services

# Campaigns that still take contacts: not completed, not failed.
OPEN_STATES = (CampaignState.DRAFT, CampaignState.PENDING, CampaignState.RUNNING, CampaignState.PAUSED)

NO_PHONE = "No valid phone"
DO_NOT_CONTACT = "Do not contact"
ALREADY_IN = "Already in this campaign"
NUMBER_IN = "Number already in this campaign"


@dataclass(frozen=True)
class Plan:
    """One lead's number in E.164 ("" without a valid one) and why it is not added ("" when it is)."""

    phone: str
    skip: str = ""


def plan(*, campaign: Campaign, leads: list) -> dict[int, Plan]:
    """Per lead (in the order given): its number, or why it is skipped.

    A lead is skipped when it is marked do-not-contact, has no valid phone (read in the campaign's
    region), its number is on the company's do-not-call list, it is in the campaign already, or
    its number is (another contact's, or an earlier lead's of the same selection).
    """
    plans: dict[int, Plan] = {}
    numbers: dict[int, str] = {}
    for lead in leads:
        if lead.do_not_contact:
            plans[lead.pk] = Plan("", DO_NOT_CONTACT)
            continue
        try:
            numbers[lead.pk] = normalize_number(lead.phone or "", campaign.default_region)
        except ValueError:
            plans[lead.pk] = Plan("", NO_PHONE)
    blocked = blocked_numbers(location_id=campaign.location_id, phones=numbers.values())
    linked, taken = set(), set()
    existing = CampaignContact.objects.none()
    if campaign.pk is not None:  # a draft still to be made has no contacts
        existing = CampaignContact.objects.filter(campaign=campaign).filter(
            Q(lead_id__in=list(numbers)) | Q(phone__in=list(numbers.values()))
        )
    for lead_id, phone in existing.values_list("lead_id", "phone"):
        linked.add(lead_id)
        taken.add(phone)
    for lead in leads:
        if lead.pk in plans:
            continue
        phone = numbers[lead.pk]
        if phone in blocked:
            plans[lead.pk] = Plan(phone, ON_THE_LIST)
        elif lead.pk in linked:
            plans[lead.pk] = Plan(phone, ALREADY_IN)
        elif phone in taken:
            plans[lead.pk] = Plan(phone, NUMBER_IN)
        else:
            taken.add(phone)
            plans[lead.pk] = Plan(phone)
    return plans


def open_campaign_for_update(*, campaign_id: int, location) -> Campaign | None:
    """The company's campaign under its row lock (a dialer finishing it waits, or has finished it)."""
    return Campaign.objects.select_for_update().filter(pk=campaign_id, location=location).first()


def new_draft(*, location, name: str) -> Campaign:
    """A draft campaign as add_to_campaign makes one (unsaved): the company's zone and region, defaults else."""
    campaign = Campaign(
        location=location,
        name=name[:200],
        timezone=location.timezone or "UTC",
        default_region=CallingSettings.region_for(location.pk),
    )
    campaign.settings_snapshot = settings_snapshot(campaign)
    return campaign


def _draft_key(operation) -> str:
    """The one-time key of the draft an operation makes; its retries and its undo share their origin's."""
    origin = operation.undo_of or operation
    while origin.retry_of_id:
        origin = origin.retry_of
    return f"add_to_campaign:{origin.pk}"


def made_draft_id(*, operation) -> int | None:
    """The id of the draft campaign the operation made (None before its first chunk)."""
    drafts = Campaign.objects.filter(location=operation.location, idempotency_key=_draft_key(operation))
    return drafts.values_list("pk", flat=True).first()


def draft_for_update(*, operation, create_named: str = "") -> Campaign | None:
    """The draft campaign the operation made, under its row lock; made now when `create_named` is given.

    Made inside the operation's chunk: a worker that dies rolls it back with the chunk, and the
    operation's lock serialises its chunks, so each operation makes one draft at most.
    """
    key = _draft_key(operation)
    found = Campaign.objects.select_for_update().filter(location=operation.location, idempotency_key=key).first()
    if found is None and create_named:
        found = new_draft(location=operation.location, name=create_named)
        found.created_by, found.idempotency_key = operation.created_by, key
        found.save()
    return found


def add_leads(*, campaign: Campaign, leads: list, plans: dict[int, Plan]) -> dict[int, CampaignContact]:
    """Add the planned leads as pending contacts (call under the campaign's lock); by lead id."""
    contacts = [
        CampaignContact(
            campaign=campaign,
            lead=lead,
            phone=plans[lead.pk].phone,
            name=lead.full_name[:200],
            metadata={key: value for key, value in (("email", lead.email), ("area", lead.area)) if value},
        )
        for lead in leads
        if not plans[lead.pk].skip
    ]
    CampaignContact.objects.bulk_create(contacts)
    if contacts:
        Campaign.objects.filter(pk=campaign.pk).update(total_contacts=F("total_contacts") + len(contacts))
    return {contact.lead_id: contact for contact in contacts}


def take_back(*, campaign: Campaign, contact_ids) -> set[int]:
    """Remove those of the contacts that were never dialled (call under the campaign's lock); their ids.

    A contact being claimed by a dialer right now is locked and so left alone: it is being dialled.
    """
    undialled = CampaignContact.objects.select_for_update(skip_locked=True).filter(
        campaign=campaign, pk__in=list(contact_ids), status=ContactStatus.PENDING, attempts=0
    )
    removed = set(undialled.values_list("pk", flat=True))
    if removed:
        CampaignContact.objects.filter(pk__in=removed).delete()
        Campaign.objects.filter(pk=campaign.pk).update(total_contacts=F("total_contacts") - len(removed))
    return removed


def contact_notes(*, campaign_id: int, lead_ids) -> dict[int, str]:
    """How far each lead's contact in the campaign got ("Pending", "Completed: no-answer"), by lead id."""
    contacts = CampaignContact.objects.filter(campaign_id=campaign_id, lead_id__in=list(lead_ids))
    notes = {}
    for lead_id, status, outcome, attempts in contacts.values_list("lead_id", "status", "outcome", "attempts"):
        shown = ContactStatus(status).label
        if outcome and outcome != status:
            shown += f": {outcome}"
        if attempts:
            shown += f" ({attempts} call{'s' if attempts != 1 else ''})"
        notes[lead_id] = shown
    return notes


# A call's outcome as the lead's timeline says it: an answered call is "Answered".
LEAD_OUTCOME_LABELS = {CallStatus.COMPLETED: "Answered"}


def note_call_on_lead(*, call: Call) -> None:
    """Write a finished call to the lead its contact was made from (no lead: nothing to do)."""
    lead_id = CampaignContact.objects.filter(pk=call.contact_id).values_list("lead_id", flat=True).first()
    if lead_id is None:
        return
    status = CallStatus(call.status)
    lead_services.record_call(
        lead_id=lead_id,
        call_id=call.pk,
        campaign_id=call.campaign_id,
        campaign_name=Campaign.objects.filter(pk=call.campaign_id).values_list("name", flat=True).first() or "",
        # A machine's answer says what was done (voicemail left, hung up) and is not a person's.
        outcome=call.get_outcome_display() if call.outcome else LEAD_OUTCOME_LABELS.get(status, status.label),
        answered=call.answered_at is not None and not call.outcome,
        duration_seconds=call.duration_seconds,
        called_at=call.created_at,
    )
