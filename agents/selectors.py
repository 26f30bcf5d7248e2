"""Reads of agents: the agents of the user's locations, and a location's agents by availability."""

from django.db.models import Count, QuerySet

from accounts.selectors import locations_for
from agents.models import Agent, Availability


def agents_for(user) -> QuerySet[Agent]:
    return Agent.objects.filter(location__in=locations_for(user)).select_related("user", "team", "location")


def agent_counts(*, location) -> dict:
    """Agents of location by availability (every value, zeros included), and in all."""
    by_availability = dict(
        Agent.objects.filter(location=location).order_by().values_list("availability").annotate(n=Count("id"))
    )
    rows = [(value, label, by_availability.get(value, 0)) for value, label in Availability.choices]
    return {"by_availability": rows, "total": sum(n for _, _, n in rows)}
