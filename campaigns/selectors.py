"""Campaign reads, tenant-scoped through accounts.selectors.locations_for."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.selectors import locations_for
from agents.selectors import agents_for
from campaigns.models import Call, Campaign, CampaignContact, CampaignState, ContactStatus, DoNotCallEntry


def campaigns_for(*, user, location=None, state: str = "") -> QuerySet[Campaign]:
    """The campaigns the user may see (of one location when given), optionally of one state."""
    campaigns = Campaign.objects.filter(location__in=locations_for(user)).select_related("agent__user", "location")
    if location is not None:
        campaigns = campaigns.filter(location=location)
    if state:
        campaigns = campaigns.filter(state=state)
    return campaigns


def campaign_for(*, user, campaign_id: int) -> Campaign:
    """One campaign of the user's locations, or Http404."""
    return get_object_or_404(campaigns_for(user=user), pk=campaign_id)


def contacts_of(*, campaign: Campaign, status: str = "") -> QuerySet[CampaignContact]:
    contacts = campaign.contacts.select_related("current_call")
    if status:
        contacts = contacts.filter(status=status)
    return contacts.order_by("id")


def call_for(*, user, campaign: Campaign, contact_id: int) -> tuple[CampaignContact, list[Call]]:
    contact = get_object_or_404(campaign.contacts.all(), pk=contact_id)
    return contact, list(contact.calls.order_by("attempt").prefetch_related("events"))


def calls_of(*, campaign: Campaign, status: str = "") -> QuerySet[Call]:
    """A campaign's call attempts, newest first, with their contacts and status histories."""
    calls = campaign.calls.select_related("contact").prefetch_related("events")
    if status:
        calls = calls.filter(status=status)
    return calls.order_by("-id")


def recent_calls_for(
    *, user, location=None, campaign_id: int | None = None, status: str = "", day=None
) -> QuerySet[Call]:
    """Call attempts of every campaign the user may see, newest first; `status` matches status or outcome."""
    calls = Call.objects.filter(campaign__location__in=locations_for(user)).select_related(
        "campaign__location", "contact"
    )
    if location is not None:
        calls = calls.filter(campaign__location=location)
    if campaign_id:
        calls = calls.filter(campaign_id=campaign_id)
    if status:
        calls = calls.filter(Q(status=status) | Q(outcome=status))
    if day is not None:
        calls = calls.filter(created_at__date=day)
    return calls.order_by("-created_at", "-id")


def call_detail_for(*, user, call_id: int) -> Call:
    """One call of the user's locations with its status history, or Http404."""
    calls = recent_calls_for(user=user).select_related("agent").prefetch_related("events")
    return get_object_or_404(calls, pk=call_id)


def do_not_call_for(*, user, location=None, phone: str = "") -> QuerySet[DoNotCallEntry]:
    """The do-not-call numbers of the user's locations (of one when given), newest first."""
    entries = DoNotCallEntry.objects.filter(location__in=locations_for(user)).select_related("added_by", "location")
    if location is not None:
        entries = entries.filter(location=location)
    if digits := "".join(ch for ch in phone if ch.isdigit()):
        entries = entries.filter(phone__contains=digits)
    return entries.order_by("-created_at", "-id")


def campaign_agents(*, user, location=None):
    agents = agents_for(user)
    return agents.filter(location=location) if location is not None else agents


def contact_status_counts(*, campaign: Campaign) -> dict[str, int]:
    from django.db.models import Count

    counts = dict(campaign.contacts.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in ContactStatus.values}


def state_counts(*, user, location=None) -> dict[str, int]:
    from django.db.models import Count

    rows = campaigns_for(user=user, location=location).values_list("state").annotate(n=Count("id"))
    counts = dict(rows.values_list("state", "n"))
    return {state: counts.get(state, 0) for state in CampaignState.values}
