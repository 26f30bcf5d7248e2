"""Records in both tenants so every endpoint can be checked for what the outsider may not see."""

import pytest

from accounts.models import Role
from tests import factories


@pytest.fixture
def team(location):
    return factories.make_team(location, "Sales East")


@pytest.fixture
def other_agent(location):
    """A second agent of Demo Realty (not the `agent` fixture's user)."""
    return factories.make_agent(location, user=factories.make_user("agent2", location=location, role=Role.AGENT))


@pytest.fixture
def foreign(other_location, outsider):
    """Records of Other Co: an agent, a team, a tag, a lead and a ticket."""
    foreign_agent = factories.make_agent(other_location, user=outsider)
    return {
        "agent": foreign_agent,
        "team": factories.make_team(other_location, "Foreign team"),
        "tag": factories.make_tag(other_location, "foreign"),
        "lead": factories.make_lead(other_location, first_name="Foreign", owner=foreign_agent),
        "ticket": factories.make_ticket(other_location, number=1, subject="Foreign ticket"),
    }


def _error_fields(response) -> set:
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return {error["field"] for error in body["errors"]}


@pytest.fixture
def error_fields():
    """error_fields(response) -> the fields named in a {"detail", "errors"} error body."""
    return _error_fields
