"""Agents with chosen capacities, and leads to place, in Demo Realty (the `location` fixture)."""

import pytest

from accounts.models import Role
from tests import factories


@pytest.fixture
def make_agents(location):
    """make_agents(n, **fields) -> n agents of Demo Realty, in pk order."""

    def make(n: int, location=location, **fields):
        return [
            factories.make_agent(location, user=factories.make_user(location=location, role=Role.AGENT), **fields)
            for _ in range(n)
        ]

    return make


@pytest.fixture
def make_leads(location):
    """make_leads(n, **fields) -> n leads of Demo Realty, in pk order."""

    def make(n: int, location=location, **fields):
        return [factories.make_lead(location, **fields) for _ in range(n)]

    return make
