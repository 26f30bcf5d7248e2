"""GET /api/v1/campaigns/{id}/calls (attempts with status history) and /api/v1/leads/{id}/assignments."""

import pytest

from campaigns import dialer, services
from campaigns.telephony import SimulatedBackend
from leads import assignment
from tests import factories
from tests.campaigns.conftest import MONDAY_10AM, csv_of

pytestmark = pytest.mark.django_db


def test_a_campaigns_calls_with_their_status_history(api_for, manager, agent, location, other_location, outsider):
    campaign, _ = services.create_campaign(
        location=location,
        user=manager,
        file_bytes=csv_of(["+12125550101", "+12125550102"]),
        filename="c.csv",
        timezone_name="America/New_York",
    )
    services.start_campaign(campaign_id=campaign.pk, now=MONDAY_10AM)
    backend = SimulatedBackend(seconds=0, script=["completed"])
    call = dialer.dial_next(campaign_id=campaign.pk, now=MONDAY_10AM, backend=backend).call

    body = api_for(agent.user).get(f"/api/v1/campaigns/{campaign.pk}/calls").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert (row["id"], row["phone"], row["attempt"], row["status"]) == (call.pk, "+12125550101", 1, "completed")
    assert row["duration_seconds"] > 0 and row["backend"] == "simulated" and row["call_sid"] == call.call_sid
    assert [e["status"] for e in row["events"]] == ["initiated", "ringing", "in-progress", "completed"]
    assert api_for(manager).get(f"/api/v1/campaigns/{campaign.pk}/calls?status=busy").json()["count"] == 0
    assert api_for(manager).get(f"/api/v1/campaigns/{campaign.pk}/calls?status=nonsense").status_code == 400
    assert api_for(outsider).get(f"/api/v1/campaigns/{campaign.pk}/calls").status_code == 404


def test_a_leads_assignment_trail_newest_first(api_for, manager, agent, other_agent, location, outsider):
    lead = factories.make_lead(location)
    assignment.assign_lead(lead=lead, user=manager, agent_id=agent.pk)
    assignment.reassign_lead(lead=lead, agent_id=other_agent.pk, reason="holiday", user=manager)

    body = api_for(agent.user).get(f"/api/v1/leads/{lead.pk}/assignments").json()
    assert body["count"] == 2
    newest, first = body["results"]
    assert (newest["from_agent"]["id"], newest["to_agent"]["id"], newest["reason"]) == (
        agent.pk,
        other_agent.pk,
        "holiday",
    )
    assert newest["to_agent"]["name"] and newest["assigned_by"] == "manager"
    assert (first["from_agent"], first["to_agent"]["id"]) == (None, agent.pk)
    page = api_for(manager).get(f"/api/v1/leads/{lead.pk}/assignments?limit=1").json()
    assert len(page["results"]) == 1 and page["next"]
    assert api_for(outsider).get(f"/api/v1/leads/{lead.pk}/assignments").status_code == 404
