"""Agents' performance on leads, registered as the `performance` source of the leads work kind.

- Conversion rate: won / (won + lost) over the leads the agent owns that were closed in
  the window (StageChange rows to `won` or `lost`).
- Median first response: for each assignment to the agent in the window, the time until
  the lead's first stage change after it.
"""

import statistics
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, Subquery

from agents.performance import Performance
from leads.models import LeadAssignment, Stage, StageChange


def lead_performance(agent_ids: list[int], since: datetime) -> dict[int, Performance]:
    """The performance of many agents since `since`, with two queries."""
    won: dict[int, int] = {}
    lost: dict[int, int] = {}
    closed = (
        StageChange.objects.filter(
            changed_at__gte=since, to_stage__in=(Stage.WON, Stage.LOST), lead__owner_id__in=agent_ids
        )
        .order_by()
        .values("lead__owner_id", "to_stage")
        .annotate(n=Count("lead", distinct=True))
    )
    for row in closed:
        (won if row["to_stage"] == Stage.WON else lost)[row["lead__owner_id"]] = row["n"]

    first_change = (
        StageChange.objects.filter(lead=OuterRef("lead"), changed_at__gte=OuterRef("assigned_at"))
        .order_by("changed_at", "pk")
        .values("changed_at")[:1]
    )
    responses: dict[int, list[float]] = {}
    rows = (
        LeadAssignment.objects.filter(to_agent_id__in=agent_ids, assigned_at__gte=since)
        .annotate(first_change=Subquery(first_change))
        .filter(first_change__isnull=False)
        .values_list("to_agent_id", "assigned_at", "first_change")
    )
    for agent_id, assigned_at, changed_at in rows:
        responses.setdefault(agent_id, []).append((changed_at - assigned_at).total_seconds())

    result = {}
    for agent_id in agent_ids:
        seconds = responses.get(agent_id, [])
        result[agent_id] = Performance(
            won=won.get(agent_id, 0),
            lost=lost.get(agent_id, 0),
            median_first_response=timedelta(seconds=statistics.median(seconds)) if seconds else None,
            responses=len(seconds),
        )
    return result
