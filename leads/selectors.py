"""Reads of leads: the one place a filter becomes a queryset, and the list's sort and pages."""

import datetime
import re
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Location
from accounts.selectors import locations_for
from leads.models import Classification, Lead, LeadAssignment, LeadCall, Stage, StageChange
from web.pagination import Page, ResultCount, SortOption, keyset_page, page_count

# Whitelisted sorts; each walks one index of leads/models.py in order.
LEAD_SORTS: dict[str, SortOption] = {
    "-created": SortOption("Newest first", ("created_at", "id"), descending=True),
    "created": SortOption("Oldest first", ("created_at", "id")),
    "name": SortOption("Name A to Z", ("last_name", "first_name", "id")),
    "-name": SortOption("Name Z to A", ("last_name", "first_name", "id"), descending=True),
    "-score": SortOption("Highest score", ("score", "id"), descending=True, nullable_first=True),
    "score": SortOption("Lowest score", ("score", "id"), nullable_first=True),
}
DEFAULT_LEAD_SORT = "-created"
LEADS_PER_PAGE = 50
SEARCH_FIELDS = ("first_name", "last_name", "email", "phone")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _pk(value) -> Any:
    return getattr(value, "pk", value)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search_condition(q: str) -> Q:
    """Every word of q must occur in the name, email or phone (case-insensitive).

    A word that is a whole email address matches that address exactly (as typed or in lower
    case), which the (location, email) index answers at once at any table size.
    """
    condition = Q()
    for word in q.split():
        if EMAIL_RE.match(word):
            condition &= Q(email__in={word, word.lower()})
        else:
            condition &= Q.create([(f"{field}__icontains", word) for field in SEARCH_FIELDS], connector=Q.OR)
    return condition


def leads_matching(*, location: Location, filters: dict) -> QuerySet[Lead]:
    """The leads of location that match the cleaned data of a LeadFilterForm.

    Keys are optional and empty values are ignored: q, stage, score_min, score_max,
    classification, tag, owner, team (instances or ids), created_from, created_to (dates,
    both inclusive). The bulk-operation engine resolves "all N matching" selections here.
    """
    qs = Lead.objects.filter(location=location)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(search_condition(q))
    if stage := filters.get("stage"):
        qs = qs.filter(stage__in=stage) if isinstance(stage, list | tuple) else qs.filter(stage=stage)
    if filters.get("score_min") is not None:
        qs = qs.filter(score__gte=filters["score_min"])
    if filters.get("score_max") is not None:
        qs = qs.filter(score__lte=filters["score_max"])
    if classification := filters.get("classification"):
        qs = qs.filter(classification=classification)
    if tag := filters.get("tag"):
        qs = qs.filter(tags=_pk(tag))
    if owner := filters.get("owner"):
        qs = qs.filter(owner=_pk(owner))
    if team := filters.get("team"):
        qs = qs.filter(team=_pk(team))
    if created_from := filters.get("created_from"):
        qs = qs.filter(created_at__gte=_start_of_day(created_from))
    if (created_to := filters.get("created_to")) and created_to < datetime.date.max:
        qs = qs.filter(created_at__lt=_start_of_day(created_to + datetime.timedelta(days=1)))
    return qs


def lead_page(
    *, location: Location, filters: dict, sort: str = DEFAULT_LEAD_SORT, after: str = "", before: str = ""
) -> tuple[Page, ResultCount]:
    """One page of the matching leads in a whitelisted sort, and how many match in all."""
    sort = sort if sort in LEAD_SORTS else DEFAULT_LEAD_SORT
    matching = leads_matching(location=location, filters=filters)
    rows = matching.select_related("owner__user").prefetch_related("tags")
    page = keyset_page(rows, sort_key=sort, sort=LEAD_SORTS[sort], after=after, before=before, per_page=LEADS_PER_PAGE)
    return page, page_count(matching, page)


def lead_for(*, user, lead_id: int) -> Lead:
    """A lead in any location the user belongs to; 404 otherwise."""
    leads = Lead.objects.filter(location__in=locations_for(user)).select_related(
        "location", "owner__user", "team", "last_operation"
    )
    return get_object_or_404(leads, pk=lead_id)


def stage_history(*, lead: Lead) -> QuerySet[StageChange]:
    return lead.stage_changes.select_related("changed_by")


def assignment_history(*, lead: Lead) -> QuerySet[LeadAssignment]:
    return lead.assignments.select_related("from_agent__user", "to_agent__user", "assigned_by")


def call_history(*, lead: Lead, limit: int = 50) -> list[LeadCall]:
    """The lead's latest campaign calls, newest first."""
    return list(lead.calls.all()[:limit])


def lead_counts(*, location: Location) -> dict:
    """Leads of location by stage (every stage, zeros included), in all, and hot."""
    by_stage = dict(Lead.objects.filter(location=location).order_by().values_list("stage").annotate(n=Count("id")))
    stages = [(value, label, by_stage.get(value, 0)) for value, label in Stage.choices]
    return {
        "by_stage": stages,
        "total": sum(n for _, _, n in stages),
        "hot": Lead.objects.filter(location=location, classification=Classification.HOT).count(),
    }
