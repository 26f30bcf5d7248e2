"""Agent performance over the last 90 days: conversion rate, median first response, score.

The figures come from the work kind that registers a `performance` source in `agents.work`
(leads: `leads.performance`). Score: the conversion rate as a percentage. An agent without
closed work has no score (None), never a made-up one.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from agents.work import KINDS

WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Performance:
    won: int = 0
    lost: int = 0
    median_first_response: timedelta | None = None
    responses: int = 0

    @property
    def conversion_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    @property
    def median_first_response_seconds(self) -> float | None:
        response = self.median_first_response
        return None if response is None else response.total_seconds()

    @property
    def score(self) -> float | None:
        rate = self.conversion_rate
        return None if rate is None else round(rate * 100, 1)


def performance_for(agent_ids, *, now=None) -> dict[int, Performance]:
    """The performance of many agents; agents without data get Performance()."""
    agent_ids = list(agent_ids)
    since = (now or timezone.now()) - WINDOW
    found: dict[int, Performance] = {}
    for kind in KINDS.values():
        if kind.performance is not None:
            found.update(kind.performance(agent_ids, since))
    return {agent_id: found.get(agent_id, Performance()) for agent_id in agent_ids}
