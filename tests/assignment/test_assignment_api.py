import pytest

from agents.models import Availability
from leads.models import Lead, LeadAssignment
from tests import factories


@pytest.fixture
def pair(make_agents):
    return make_agents(2)


# --- POST /api/v1/leads/{id}/assign --------------------------------------------------------


def test_assign_endpoint_assigns_and_answers_with_the_agents_load(location, manager, api_for, pair):
    lead = factories.make_lead(location)
    response = api_for(manager).post(
        f"/api/v1/leads/{lead.pk}/assign", {"agent_id": pair[0].pk, "notes": "VIP"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["lead_id"], body["previous_agent_id"], body["agent"]["id"]) == (lead.pk, None, pair[0].pk)
    assert (body["reason"], body["strategy"], body["assigned_by"]) == ("VIP", "manual", "manager")
    assert body["agent"]["load"] == 1
    assert LeadAssignment.objects.get(lead=lead).to_agent == pair[0]


def test_assign_endpoint_with_trailing_slash_and_automatic_strategy(location, manager, api_for, pair):
    lead = factories.make_lead(location)
    response = api_for(manager).post(f"/api/v1/leads/{lead.pk}/assign/", {"strategy": "round_robin"}, format="json")
    assert response.status_code == 200
    assert response.json()["strategy"] == "round_robin"


def test_assign_endpoint_answers_409_when_the_agent_is_full(location, manager, api_for, make_agents):
    (agent,) = make_agents(1, max_capacity=0)
    lead = factories.make_lead(location)
    response = api_for(manager).post(f"/api/v1/leads/{lead.pk}/assign", {"agent_id": agent.pk}, format="json")
    assert response.status_code == 409
    assert "at capacity (0/0)" in response.json()["detail"]
    lead.refresh_from_db()
    assert lead.owner is None


def test_assign_endpoint_answers_409_when_the_agent_is_away(location, manager, api_for, make_agents):
    (agent,) = make_agents(1, availability=Availability.AWAY)
    lead = factories.make_lead(location)
    response = api_for(manager).post(f"/api/v1/leads/{lead.pk}/assign", {"agent_id": agent.pk}, format="json")
    assert response.status_code == 409
    assert "away" in response.json()["detail"]


def test_assign_endpoint_answers_409_for_an_assigned_lead(location, manager, api_for, pair):
    lead = factories.make_lead(location, owner=pair[0])
    response = api_for(manager).post(f"/api/v1/leads/{lead.pk}/assign", {"agent_id": pair[1].pk}, format="json")
    assert response.status_code == 409
    assert "reassign" in response.json()["detail"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"agent_id": "x"},
        {"strategy": "manual"},
        {"strategy": "lottery"},
        {"agent_id": 1, "strategy": "round_robin"},
        {"agent_id": 2**70},
        {"agent_id": -(2**70)},
        {"strategy": "round_robin", "team_id": 2**70},
    ],
)
def test_assign_endpoint_validates_input(location, manager, api_for, payload):
    lead = factories.make_lead(location)
    response = api_for(manager).post(f"/api/v1/leads/{lead.pk}/assign", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_assign_endpoint_refuses_another_tenants_agent_as_bad_input(location, manager, api_for, other_location):
    (foreign,) = [factories.make_agent(other_location)]
    lead = factories.make_lead(location)
    response = api_for(manager).post(f"/api/v1/leads/{lead.pk}/assign", {"agent_id": foreign.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "agent_id"


def test_outsider_gets_404_on_assign_and_reassign(location, outsider, api_for, pair):
    lead = factories.make_lead(location, owner=pair[0])
    client = api_for(outsider)
    assert client.post(f"/api/v1/leads/{lead.pk}/assign", {"agent_id": pair[1].pk}, format="json").status_code == 404
    response = client.put(f"/api/v1/leads/{lead.pk}/reassign", {"agent_id": pair[1].pk, "reason": "x"}, format="json")
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.owner == pair[0]


def test_agents_may_not_assign(location, agent, api_for, pair):
    lead = factories.make_lead(location)
    response = api_for(agent.user).post(f"/api/v1/leads/{lead.pk}/assign", {"agent_id": agent.pk}, format="json")
    assert response.status_code == 403


# --- PUT /api/v1/leads/{id}/reassign -------------------------------------------------------


def test_reassign_endpoint_records_previous_agent_and_reason(location, manager, api_for, pair):
    lead = factories.make_lead(location, owner=pair[0])
    response = api_for(manager).put(
        f"/api/v1/leads/{lead.pk}/reassign", {"agent_id": pair[1].pk, "reason": "Territory change"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["previous_agent_id"], body["agent"]["id"], body["reason"]) == (
        pair[0].pk,
        pair[1].pk,
        "Territory change",
    )
    lead.refresh_from_db()
    assert lead.owner == pair[1]


def test_reassign_endpoint_requires_a_reason(location, manager, api_for, pair):
    lead = factories.make_lead(location, owner=pair[0])
    client = api_for(manager)
    for payload in ({"agent_id": pair[1].pk}, {"agent_id": pair[1].pk, "reason": "   "}):
        response = client.put(f"/api/v1/leads/{lead.pk}/reassign", payload, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "reason"


@pytest.mark.parametrize("agent_id", [2**70, -(2**70)])
def test_reassign_endpoint_refuses_an_agent_id_beyond_any_id(location, manager, api_for, pair, agent_id):
    lead = factories.make_lead(location, owner=pair[0])
    response = api_for(manager).put(
        f"/api/v1/leads/{lead.pk}/reassign", {"agent_id": agent_id, "reason": "Rebalance"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "agent_id"


def test_reassign_endpoint_answers_409_when_the_new_agent_is_full(location, manager, api_for, pair):
    pair[1].max_capacity = 0
    pair[1].save()
    lead = factories.make_lead(location, owner=pair[0])
    response = api_for(manager).put(
        f"/api/v1/leads/{lead.pk}/reassign", {"agent_id": pair[1].pk, "reason": "Rebalance"}, format="json"
    )
    assert response.status_code == 409


# --- POST /api/v1/leads/bulk-assign --------------------------------------------------------


def test_bulk_assign_answers_per_lead_and_the_agents_loads(location, manager, api_for, make_agents):
    agents = make_agents(2, max_capacity=2)
    leads = [factories.make_lead(location) for _ in range(5)]
    response = api_for(manager).post(
        "/api/v1/leads/bulk-assign", {"lead_ids": [lead.pk for lead in leads], "strategy": "round_robin"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total"], body["assigned"], body["failed"], body["skipped"]) == (5, 4, 1, 0)
    assert [r["agent_id"] for r in body["results"]] == [agents[0].pk, agents[1].pk, agents[0].pk, agents[1].pk, None]
    assert body["results"][4]["error"] == "All eligible agents are at capacity"
    assert [(a["id"], a["load"]) for a in body["agents"]] == [(agents[0].pk, 2), (agents[1].pk, 2)]


def test_bulk_assign_within_a_team(location, manager, api_for, make_agents):
    team = factories.make_team(location, "West")
    (member,) = make_agents(1, team=team)
    make_agents(2)
    leads = [factories.make_lead(location) for _ in range(3)]
    response = api_for(manager).post(
        "/api/v1/leads/bulk-assign/",
        {"lead_ids": [lead.pk for lead in leads], "strategy": "capacity_based", "team_id": team.pk},
        format="json",
    )
    assert response.status_code == 200
    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("owner_id", flat=True)) == {
        member.pk
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"strategy": "round_robin"},
        {"lead_ids": [], "strategy": "round_robin"},
        {"lead_ids": ["a"], "strategy": "round_robin"},
        {"lead_ids": [1], "strategy": "fastest"},
        {"lead_ids": [1], "strategy": "manual"},
        {"lead_ids": [1], "strategy": "round_robin", "agent_id": 1},
        {"lead_ids": [1], "strategy": "round_robin", "team_id": 999999},
    ],
)
def test_bulk_assign_validates_input(location, manager, api_for, payload):
    response = api_for(manager).post("/api/v1/leads/bulk-assign", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."


def test_outsider_cannot_bulk_assign_anothers_leads(location, outsider, api_for, pair):
    lead = factories.make_lead(location)
    factories.make_agent(outsider.memberships.get().location, user=outsider)
    response = api_for(outsider).post(
        "/api/v1/leads/bulk-assign", {"lead_ids": [lead.pk], "strategy": "round_robin"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"lead_id": lead.pk, "status": "failed", "agent_id": None, "error": "Lead not found"}
    ]
    lead.refresh_from_db()
    assert lead.owner is None


def test_bulk_assign_into_another_location_is_refused(location, outsider, api_for):
    response = api_for(outsider).post(
        "/api/v1/leads/bulk-assign",
        {"lead_ids": [1], "strategy": "round_robin", "location": location.pk},
        format="json",
    )
    assert response.status_code == 400
