from accounts.models import Membership, Role
from tests import factories


def test_agents_list_and_detail(location, manager, agent, team, api_for):
    agent.team = team
    agent.max_capacity = 30
    agent.save()
    agent.user.first_name, agent.user.last_name = "Ann", "Agent"
    agent.user.save()
    client = api_for(manager)
    rows = client.get("/api/v1/agents").json()["results"]
    base_fields = ["id", "location", "username", "name", "team", "max_capacity", "availability"]
    assert [{key: row[key] for key in base_fields} for row in rows] == [
        {
            "id": agent.pk,
            "location": location.pk,
            "username": "agent1",
            "name": "Ann Agent",
            "team": {"id": team.pk, "name": "Sales East"},
            "max_capacity": 30,
            "availability": "available",
        }
    ]
    assert client.get(f"/api/v1/agents/{agent.pk}/").json()["id"] == agent.pk


def test_agents_filter_by_team_and_availability(location, manager, agent, other_agent, team, api_for):
    agent.team = team
    agent.save()
    other_agent.availability = "away"
    other_agent.save()
    client = api_for(manager)
    assert [r["id"] for r in client.get("/api/v1/agents", {"team": team.pk}).json()["results"]] == [agent.pk]
    assert [r["id"] for r in client.get("/api/v1/agents", {"availability": "away"}).json()["results"]] == [
        other_agent.pk
    ]


def test_agents_endpoints_are_read_only(manager, agent, api_for):
    client = api_for(manager)
    assert client.post("/api/v1/agents", {}, format="json").status_code == 405
    assert client.patch(f"/api/v1/agents/{agent.pk}", {}, format="json").status_code == 405


def test_locations_list_roles(location, other_location, manager, api_for):
    Membership.objects.create(user=manager, location=other_location, role=Role.AGENT)
    factories.make_location("Third place")
    rows = api_for(manager).get("/api/v1/locations/").json()["results"]
    assert [(r["name"], r["role"]) for r in rows] == [("Demo Realty", "manager"), ("Other Co", "agent")]


def test_me(location, manager, api_for):
    body = api_for(manager).get("/api/v1/me").json()
    assert body["username"] == "manager"
    assert body["memberships"] == [{"location": location.pk, "location_name": "Demo Realty", "role": "manager"}]


def test_me_without_an_email_answers_as_documented(location, manager, api_for):
    client = api_for(manager)
    assert client.get("/api/v1/me").json()["email"] == ""
    fields = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]["MeOutput"]["properties"]
    assert "format" not in fields["email"]
