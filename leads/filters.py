"""django-filter FilterSets for the leads API; choices for owner, team and tag are tenant-scoped."""

import django_filters

from accounts.selectors import locations_for, teams_for
from agents.selectors import agents_for
from leads.models import Classification, Lead, Stage, Tag
from leads.selectors import search_condition
from web.api import IsoDateTimeFilter


def _agents(request):
    return agents_for(request.user) if request else None


def _teams(request):
    return teams_for(request.user) if request else None


def _locations(request):
    return locations_for(request.user) if request else None


def _tags(request):
    return Tag.objects.filter(location__in=locations_for(request.user)) if request else None


class LeadFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(queryset=_locations, help_text="Location id")
    stage = django_filters.MultipleChoiceFilter(
        choices=Stage.choices, distinct=False, help_text="Repeat for several stages"
    )
    classification = django_filters.MultipleChoiceFilter(choices=Classification.choices, distinct=False)
    owner = django_filters.ModelChoiceFilter(queryset=_agents, help_text="Agent id")
    unassigned = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", help_text="true: no owner")
    team = django_filters.ModelChoiceFilter(queryset=_teams, help_text="Team id")
    tag = django_filters.ModelChoiceFilter(field_name="tags", queryset=_tags, help_text="Tag id")
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(
        method="search", help_text="Every word in the name, email or phone; a whole email matches exactly"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("score", "score"), ("last_name", "last_name"), ("budget", "budget"))
    )

    class Meta:
        model = Lead
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(search_condition(value)) if value else queryset


class TagFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(queryset=_locations, help_text="Location id")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name contains")

    class Meta:
        model = Tag
        fields = []
