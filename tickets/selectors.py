"""Reads of tickets: the one place a filter becomes a queryset, and the list's sort and pages."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Location
from accounts.selectors import locations_for
from operations.models import BulkOperationItem
from tickets.models import CLOSED_STATUSES, Comment, Status, Ticket
from web.pagination import Page, ResultCount, SortOption, keyset_page, page_count

TICKET_SORTS: dict[str, SortOption] = {
    "-created": SortOption("Newest first", ("created_at", "id"), descending=True),
    "created": SortOption("Oldest first", ("created_at", "id")),
    "-number": SortOption("Highest number", ("number", "id"), descending=True),
    "number": SortOption("Lowest number", ("number", "id")),
}
DEFAULT_TICKET_SORT = "-created"
TICKETS_PER_PAGE = 50
SEARCH_FIELDS = ("subject", "requester_name", "requester_email")


def _pk(value):
    return getattr(value, "pk", value)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search_condition(q: str) -> Q:
    """Every word must occur in the subject or requester; "#12" or "12" also finds ticket 12."""
    condition = Q()
    for word in q.split():
        either = Q.create([(f"{field}__icontains", word) for field in SEARCH_FIELDS], connector=Q.OR)
        if word.lstrip("#").isdigit() and len(word) < 10:
            either |= Q(number=int(word.lstrip("#")))
        condition &= either
    return condition


def tickets_matching(*, location: Location, filters: dict) -> QuerySet[Ticket]:
    """The live (not soft-deleted) tickets of location matching a TicketFilterForm's cleaned data.

    Keys are optional and empty values ignored: q, status, priority, category, assignee
    (instance or id), created_from, created_to (dates, both inclusive).
    """
    qs = Ticket.objects.alive().filter(location=location)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(search_condition(q))
    for field in ("status", "priority", "category"):
        if value := filters.get(field):
            qs = qs.filter(**{f"{field}__in" if isinstance(value, list | tuple) else field: value})
    if assignee := filters.get("assignee"):
        qs = qs.filter(assignee=_pk(assignee))
    if created_from := filters.get("created_from"):
        qs = qs.filter(created_at__gte=_start_of_day(created_from))
    if (created_to := filters.get("created_to")) and created_to < datetime.date.max:
        qs = qs.filter(created_at__lt=_start_of_day(created_to + datetime.timedelta(days=1)))
    return qs


def ticket_page(
    *, location: Location, filters: dict, sort: str = DEFAULT_TICKET_SORT, after: str = "", before: str = ""
) -> tuple[Page, ResultCount]:
    sort = sort if sort in TICKET_SORTS else DEFAULT_TICKET_SORT
    matching = tickets_matching(location=location, filters=filters)
    page = keyset_page(
        matching.select_related("assignee__user"),
        sort_key=sort,
        sort=TICKET_SORTS[sort],
        after=after,
        before=before,
        per_page=TICKETS_PER_PAGE,
    )
    return page, page_count(matching, page)


def ticket_for(*, user, ticket_id: int) -> Ticket:
    """A live ticket in any location the user belongs to; 404 otherwise."""
    tickets = Ticket.objects.alive().filter(location__in=locations_for(user))
    return get_object_or_404(tickets.select_related("location", "assignee__user"), pk=ticket_id)


def ticket_comments(*, ticket: Ticket) -> QuerySet[Comment]:
    return ticket.comments.select_related("author")


def operations_touching(*, ticket: Ticket) -> QuerySet[BulkOperationItem]:
    """The bulk-operation items that acted on this ticket, newest operation first."""
    return (
        BulkOperationItem.objects.filter(
            object_id=ticket.pk, operation__target="tickets", operation__location_id=ticket.location_id
        )
        .select_related("operation__created_by")
        .order_by("-operation__created_at", "-id")
    )


def ticket_counts(*, location: Location) -> dict:
    """Live tickets of location by status (zeros included), in all, and still open."""
    by_status = dict(
        Ticket.objects.alive().filter(location=location).order_by().values_list("status").annotate(n=Count("id"))
    )
    statuses = [(value, label, by_status.get(value, 0)) for value, label in Status.choices]
    return {
        "by_status": statuses,
        "total": sum(n for _, _, n in statuses),
        "open": sum(n for value, _, n in statuses if value not in CLOSED_STATUSES),
    }
