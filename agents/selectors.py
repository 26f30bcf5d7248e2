"""Tenant scoping of agents: the agents of the user's locations."""

from django.db.models import QuerySet

from accounts.selectors import locations_for
from agents.models import Agent


def agents_for(user) -> QuerySet[Agent]:
    return Agent.objects.filter(location__in=locations_for(user)).select_related("user", "team", "location")
