"""Leads to place in Demo Realty (the `location` fixture); agents come from tests/conftest.make_agents."""

import pytest

from tests import factories


@pytest.fixture
def make_leads(location):
    """make_leads(n, **fields) -> n leads of Demo Realty, in pk order."""

    def make(n: int, location=location, **fields):
        return [factories.make_lead(location, **fields) for _ in range(n)]

    return make
