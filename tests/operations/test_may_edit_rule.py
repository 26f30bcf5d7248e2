"""One "may this member change this record" rule per target: bulk operations and the record API agree.

Enumerated from the registry: a target added tomorrow fails here until its record API is listed.
"""

import pytest
from django.urls import reverse

from operations import registry
from tests import factories

# The record API of each target: its detail URL name, a factory taking an agent (or None), a change.
RECORD_APIS = {
    "leads": ("api-lead-detail", lambda loc, agent: factories.make_lead(loc, owner=agent), {"first_name": "Changed"}),
    "tickets": (
        "api-ticket-detail",
        lambda loc, agent: factories.make_ticket(loc, assignee=agent),
        {"subject": "Changed"},
    ),
}


# Targets whose records have no API of their own to change them one by one.
WITHOUT_RECORD_API = {"lead_import_rows"}  # an import's file rows, written by the import alone


def test_every_target_has_its_record_api_here():
    assert {target.key for target in registry.targets()} == set(RECORD_APIS) | WITHOUT_RECORD_API


@pytest.mark.django_db
@pytest.mark.parametrize("target_key", sorted(RECORD_APIS))
@pytest.mark.parametrize("role", ["agent", "manager"])
def test_the_record_api_allows_exactly_what_the_bulk_rule_allows(
    target_key, role, location, agent, other_agent, manager, api_for
):
    target = registry.get_target(target_key)
    url_name, make, change = RECORD_APIS[target_key]
    member = agent.user if role == "agent" else manager
    records = {
        "own": make(location, agent),
        "nobody's": make(location, None),
        "a colleague's": make(location, other_agent),
    }
    expected = {"agent": {"own": True, "nobody's": True, "a colleague's": False}}.get(
        role, dict.fromkeys(records, True)
    )
    for whose, record in records.items():
        assert target.may_edit(member, record) is expected[whose], whose
        response = api_for(member).patch(reverse(url_name, args=[record.pk]), change, format="json")
        assert (response.status_code == 200) is expected[whose], (whose, response.status_code, response.content)
        if not expected[whose]:
            assert response.status_code == 403
