from agents.models import Availability
from leads.models import Stage, StageChange
from tests import factories


def test_agents_list_shows_load_capacity_utilisation_and_performance(location, manager, api_for, make_agents):
    (agent,) = make_agents(1, max_capacity=4)
    factories.make_lead(location, owner=agent)
    won = factories.make_lead(location, owner=agent, stage=Stage.WON)
    StageChange.objects.create(lead=won, from_stage="new", to_stage="won")
    factories.make_ticket(location, assignee=agent)

    response = api_for(manager).get("/api/v1/agents")

    assert response.status_code == 200
    (row,) = [r for r in response.json()["results"] if r["id"] == agent.pk]
    assert (row["open_leads"], row["open_tickets"], row["load"], row["max_capacity"]) == (1, 1, 2, 4)
    assert (row["remaining_capacity"], row["utilisation"], row["over_capacity"]) == (2, 0.5, False)
    assert row["performance"]["score"] == 100.0
    assert row["performance"]["won"] == 1


def test_agents_list_of_an_empty_location_is_empty_and_idle_agents_show_zeros(manager, api_for, make_agents):
    response = api_for(manager).get("/api/v1/agents")
    assert response.json()["results"] == []
    make_agents(1)
    (row,) = api_for(manager).get("/api/v1/agents/").json()["results"]
    assert (row["load"], row["utilisation"], row["performance"]["score"]) == (0, 0.0, None)


def test_agents_list_filters_by_availability_and_team(location, manager, api_for, make_agents):
    team = factories.make_team(location, "East")
    (away,) = make_agents(1, availability=Availability.AWAY)
    (east,) = make_agents(1, team=team)
    client = api_for(manager)
    assert [r["id"] for r in client.get("/api/v1/agents?availability=away").json()["results"]] == [away.pk]
    assert [r["id"] for r in client.get(f"/api/v1/agents?team={team.pk}").json()["results"]] == [east.pk]


def test_outsider_sees_no_agents_and_gets_404_on_detail_and_capacity(outsider, api_for, make_agents):
    (agent,) = make_agents(1)
    client = api_for(outsider)
    assert agent.pk not in [r["id"] for r in client.get("/api/v1/agents").json()["results"]]
    assert client.get(f"/api/v1/agents/{agent.pk}").status_code == 404
    response = client.put(f"/api/v1/agents/{agent.pk}/capacity", {"max_capacity": 99}, format="json")
    assert response.status_code == 404
    agent.refresh_from_db()
    assert agent.max_capacity == 50


def test_agent_detail_has_metrics(manager, api_for, make_agents):
    (agent,) = make_agents(1)
    row = api_for(manager).get(f"/api/v1/agents/{agent.pk}").json()
    assert (row["id"], row["load"], row["has_room"]) == (agent.pk, 0, True)


def test_manager_changes_capacity_and_availability(manager, api_for, make_agents):
    (agent,) = make_agents(1)
    response = api_for(manager).put(
        f"/api/v1/agents/{agent.pk}/capacity", {"max_capacity": 12, "availability": "busy"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["max_capacity"], body["availability"], body["warnings"]) == (12, "busy", [])
    agent.refresh_from_db()
    assert (agent.max_capacity, agent.availability) == (12, "busy")


def test_capacity_below_load_is_accepted_and_flagged(location, manager, api_for, make_agents):
    (agent,) = make_agents(1)
    for _ in range(3):
        factories.make_lead(location, owner=agent)
    body = api_for(manager).put(f"/api/v1/agents/{agent.pk}/capacity/", {"max_capacity": 1}, format="json").json()
    assert body["over_capacity"] is True and body["has_room"] is False
    assert "below the current load (3)" in body["warnings"][0]


def test_capacity_input_is_validated(manager, api_for, make_agents):
    (agent,) = make_agents(1)
    client = api_for(manager)
    for payload in ({}, {"max_capacity": -1}, {"max_capacity": "lots"}, {"availability": "asleep"}):
        response = client.put(f"/api/v1/agents/{agent.pk}/capacity", payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["detail"] == "Invalid input."


def test_agent_may_set_own_availability_but_not_capacity_or_others(location, agent, api_for, make_agents):
    (colleague,) = make_agents(1)
    client = api_for(agent.user)
    assert client.put(f"/api/v1/agents/{agent.pk}/capacity", {"availability": "away"}, format="json").status_code == 200
    assert client.put(f"/api/v1/agents/{agent.pk}/capacity", {"max_capacity": 999}, format="json").status_code == 403
    response = client.put(f"/api/v1/agents/{colleague.pk}/capacity", {"availability": "away"}, format="json")
    assert response.status_code == 403
    agent.refresh_from_db()
    assert (agent.availability, agent.max_capacity) == ("away", 50)


def test_agents_list_query_count_does_not_grow_with_agents(
    location, manager, api_for, make_agents, django_assert_max_num_queries
):
    make_agents(3)
    client = api_for(manager)
    with django_assert_max_num_queries(12) as small:
        client.get("/api/v1/agents")
    make_agents(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/api/v1/agents")
