"""django-filter FilterSet for the tickets API; location and assignee choices are tenant-scoped."""

import django_filters
from django.db.models import Q

from accounts.selectors import locations_for
from agents.selectors import agents_for
from tickets.models import Category, Priority, Status, Ticket
from web.api import IsoDateTimeFilter


def _locations(request):
    return locations_for(request.user) if request else None


def _agents(request):
    return agents_for(request.user) if request else None


class TicketFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(queryset=_locations, help_text="Location id")
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, distinct=False, help_text="Repeat for several statuses"
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False)
    assignee = django_filters.ModelChoiceFilter(queryset=_agents, help_text="Agent id")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", help_text="true: no assignee"
    )
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", help_text="Number, subject, description or requester contains")
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("number", "number"), ("priority", "priority"), ("status", "status"))
    )

    class Meta:
        model = Ticket
        fields = []

    def search(self, queryset, name, value):
        value = value.strip().lstrip("#")
        if not value:
            return queryset
        condition = (
            Q(subject__icontains=value)
            | Q(description__icontains=value)
            | Q(requester_name__icontains=value)
            | Q(requester_email__icontains=value)
        )
        if value.isdigit():
            condition |= Q(number=int(value))
        return queryset.filter(condition)
