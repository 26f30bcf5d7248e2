from decimal import Decimal

import pytest

from accounts.models import Membership, Role
from agents.capacity import load_of
from leads.models import Lead, LeadAssignment, ScoringConfig, StageChange
from tests import factories


def test_list_is_paginated_with_limit_offset(location, manager, api_for):
    for _ in range(3):
        factories.make_lead(location)
    body = api_for(manager).get("/api/v1/leads", {"limit": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_filters_narrow_the_list(location, manager, agent, team, api_for):
    tag = factories.make_tag(location, "vip")
    hot = factories.make_lead(
        location, first_name="Hot", stage="qualified", score=90, classification="hot", owner=agent, team=team
    )
    hot.tags.add(tag)
    cold = factories.make_lead(
        location,
        first_name="Cold",
        stage="new",
        score=10,
        classification="cold",
        email="zed@example.org",
        phone="+14155552671",
    )
    client = api_for(manager)

    def ids(**params):
        response = client.get("/api/v1/leads/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(stage="qualified") == {hot.pk}
    assert ids(stage=["qualified", "new"]) == {hot.pk, cold.pk}
    assert ids(classification="cold") == {cold.pk}
    assert ids(owner=agent.pk) == {hot.pk}
    assert ids(unassigned="true") == {cold.pk}
    assert ids(team=team.pk) == {hot.pk}
    assert ids(tag=tag.pk) == {hot.pk}
    assert ids(score_min=50) == {hot.pk}
    assert ids(score_max=50) == {cold.pk}
    assert ids(q="zed@") == {cold.pk}
    assert ids(q="415 555") == {cold.pk}
    assert ids(created_after="2000-01-01T00:00:00Z") == {hot.pk, cold.pk}
    assert ids(created_before="2000-01-01T00:00:00Z") == set()


def test_invalid_filter_value_is_400(manager, api_for, error_fields):
    response = api_for(manager).get("/api/v1/leads", {"stage": "bogus", "score_min": "abc"})
    assert response.status_code == 400
    assert error_fields(response) == {"stage", "score_min"}


def test_create_normalises_phone_and_derives_classification(location, manager, agent, team, api_for):
    tag = factories.make_tag(location, "vip")
    payload = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "(415) 555-2671",
        "budget": "450000.00",
        "score": 75,
        "owner": agent.pk,
        "team": team.pk,
        "tags": [tag.pk],
    }
    response = api_for(manager).post("/api/v1/leads/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "+14155552671"
    assert body["classification"] == "hot"
    assert body["location"] == location.pk
    assert [t["name"] for t in body["tags"]] == ["vip"]
    lead = Lead.objects.get(pk=body["id"])
    assert lead.budget == Decimal("450000.00")
    assert LeadAssignment.objects.filter(lead=lead, to_agent=agent).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "not a phone"}, "phone"),
        ({"phone": "+1 555 0100"}, "phone"),
        ({"budget": "-1"}, "budget"),
        ({"score": 101}, "score"),
        ({"score": -1}, "score"),
        ({"stage": "sold"}, "stage"),
        ({"email": "nope"}, "email"),
        ({"first_name": "  "}, "first_name"),
        ({"owner": "abc"}, "owner"),
        ({"tags": [999999]}, "tags"),
    ],
)
def test_create_rejects_bad_input_with_field_errors(payload, field, location, manager, api_for, error_fields):
    response = api_for(manager).post("/api/v1/leads", {"first_name": "Ada", **payload}, format="json")
    assert response.status_code == 400
    assert field in error_fields(response)
    assert not Lead.objects.exists()


def test_create_rejects_another_tenants_owner_team_and_tags(location, manager, foreign, api_for, error_fields):
    payload = {
        "first_name": "Ada",
        "owner": foreign["agent"].pk,
        "team": foreign["team"].pk,
        "tags": [foreign["tag"].pk],
    }
    response = api_for(manager).post("/api/v1/leads", payload, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"owner", "team", "tags"}
    assert not Lead.objects.filter(location=location).exists()


def test_create_in_another_tenants_location_is_a_location_error(manager, other_location, api_for, error_fields):
    response = api_for(manager).post("/api/v1/leads", {"first_name": "A", "location": other_location.pk}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"location"}


def test_user_of_several_locations_must_say_which(location, other_location, manager, api_for, error_fields):
    Membership.objects.create(user=manager, location=other_location, role=Role.MANAGER)
    client = api_for(manager)
    response = client.post("/api/v1/leads", {"first_name": "A"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"location"}
    response = client.post("/api/v1/leads", {"first_name": "A", "location": other_location.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["location"] == other_location.pk


def test_cross_location_owner_is_rejected_even_for_a_member_of_both(
    location, other_location, manager, foreign, api_for, error_fields
):
    Membership.objects.create(user=manager, location=other_location, role=Role.MANAGER)
    payload = {"first_name": "A", "location": location.pk, "owner": foreign["agent"].pk}
    response = api_for(manager).post("/api/v1/leads", payload, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"owner"}


def test_manager_updates_any_lead_and_history_is_recorded(location, manager, agent, api_for):
    lead = factories.make_lead(location, stage="new")
    response = api_for(manager).patch(f"/api/v1/leads/{lead.pk}", {"stage": "contacted"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "contacted"
    change = StageChange.objects.get(lead=lead)
    assert (change.from_stage, change.to_stage, change.changed_by) == ("new", "contacted", manager)


# --- The owner changes only through the assignment service (capacity, availability, audit) -----


def _load(agent) -> int:
    return load_of(agent).load


@pytest.mark.parametrize("method", ["patch", "put"])
def test_updates_naming_a_new_owner_are_refused_and_cannot_overfill_an_agent(method, location, manager, agent, api_for):
    """Issue 11: 80 PATCHes put agent1 at 68 open leads against a capacity of 30."""
    agent.max_capacity = 3
    agent.save()
    leads = [factories.make_lead(location) for _ in range(6)]
    client = api_for(manager)
    for lead in leads:
        body = {"first_name": lead.first_name, "owner": agent.pk}
        response = getattr(client, method)(f"/api/v1/leads/{lead.pk}", body, format="json")
        assert response.status_code == 400, response.json()
        (error,) = response.json()["errors"]
        assert error["field"] == "owner"
        assert f"/api/v1/leads/{lead.pk}/assign" in error["message"]
    assert _load(agent) == 0
    assert not LeadAssignment.objects.exists()


def test_unassigning_or_moving_an_owned_lead_is_refused_too(location, manager, agent, other_agent, api_for):
    lead = factories.make_lead(location, owner=agent)
    client = api_for(manager)
    for owner in (None, other_agent.pk):
        response = client.patch(f"/api/v1/leads/{lead.pk}", {"owner": owner, "score": 10}, format="json")
        assert response.status_code == 400
        assert "/reassign" in response.json()["errors"][0]["message"]
    lead.refresh_from_db()
    assert (lead.owner, lead.score) == (agent, None)


def test_an_update_repeating_the_current_owner_is_accepted(location, manager, agent, api_for):
    """A client that GETs a lead and PUTs it back sends the owner it read: that is no change."""
    lead = factories.make_lead(location, owner=agent)
    client = api_for(manager)
    body = client.get(f"/api/v1/leads/{lead.pk}").json()
    body.update(last_name="Renamed", tags=[])
    response = client.put(f"/api/v1/leads/{lead.pk}", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == agent.pk
    assert not LeadAssignment.objects.exists()


def test_create_with_an_owner_goes_through_the_assignment_service(location, manager, agent, api_for):
    agent.max_capacity = 2
    agent.save()
    client = api_for(manager)
    body = {"first_name": "New", "owner": agent.pk}
    created = [client.post("/api/v1/leads", body, format="json") for _ in range(3)]
    assert [r.status_code for r in created] == [201, 201, 400]
    (error,) = created[2].json()["errors"]
    assert error["field"] == "owner"
    assert "capacity" in error["message"]
    assert Lead.objects.count() == 2
    assert _load(agent) == 2
    rows = LeadAssignment.objects.order_by("pk")
    assert [(row.from_agent, row.to_agent, row.assigned_by, row.strategy) for row in rows] == [
        (None, agent, manager, "manual")
    ] * 2


@pytest.mark.parametrize("availability", ["away", "offline"])
def test_create_with_an_away_or_offline_owner_is_refused(availability, location, manager, agent, api_for):
    agent.availability = availability
    agent.save()
    response = api_for(manager).post("/api/v1/leads", {"first_name": "A", "owner": agent.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "owner"
    assert not Lead.objects.exists()


def test_an_agent_may_create_a_lead_but_not_assign_it(location, agent, other_agent, api_for):
    client = api_for(agent.user)
    response = client.post("/api/v1/leads", {"first_name": "A", "owner": other_agent.pk}, format="json")
    assert response.status_code == 403
    assert not Lead.objects.exists()
    assert client.post("/api/v1/leads", {"first_name": "A"}, format="json").status_code == 201


def test_put_replaces_fields_and_requires_first_name(location, manager, api_for, error_fields):
    lead = factories.make_lead(location, first_name="Old")
    client = api_for(manager)
    response = client.put(f"/api/v1/leads/{lead.pk}/", {"last_name": "Only"}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"first_name"}
    response = client.put(f"/api/v1/leads/{lead.pk}/", {"first_name": "New", "phone": "212-555-0199"}, format="json")
    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.first_name, lead.phone) == ("New", "+12125550199")


def test_agent_updates_own_lead_but_not_anothers(location, agent, other_agent, api_for):
    own = factories.make_lead(location, owner=agent)
    theirs = factories.make_lead(location, owner=other_agent)
    client = api_for(agent.user)
    assert client.patch(f"/api/v1/leads/{own.pk}", {"score": 55}, format="json").status_code == 200
    response = client.patch(f"/api/v1/leads/{theirs.pk}", {"score": 55}, format="json")
    assert response.status_code == 403
    assert "own" in response.json()["detail"]
    theirs.refresh_from_db()
    assert theirs.score is None


def test_update_cannot_move_a_lead_to_another_location(location, other_location, manager, api_for, error_fields):
    Membership.objects.create(user=manager, location=other_location, role=Role.MANAGER)
    lead = factories.make_lead(location)
    response = api_for(manager).patch(f"/api/v1/leads/{lead.pk}", {"location": other_location.pk}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"location"}


def test_missing_lead_is_404(manager, api_for):
    assert api_for(manager).get("/api/v1/leads/987654").status_code == 404


def test_classification_follows_the_locations_thresholds(location, manager, api_for):
    ScoringConfig.objects.create(location=location, hot_threshold=90, warm_threshold=60)
    client = api_for(manager)
    assert client.post("/api/v1/leads", {"first_name": "A", "score": 75}, format="json").json()["classification"] == (
        "warm"
    )
    response = client.post("/api/v1/leads", {"first_name": "B", "score": 75, "classification": "hot"}, format="json")
    assert response.json()["classification"] == "hot"


def test_clearing_the_score_clears_the_derived_classification(location, manager, api_for):
    lead = factories.make_lead(location, score=80, classification="hot")
    response = api_for(manager).patch(f"/api/v1/leads/{lead.pk}", {"score": None}, format="json")
    assert response.status_code == 200
    assert (response.json()["score"], response.json()["classification"]) == (None, "")


def test_a_lead_without_team_or_email_answers_as_documented(location, manager, api_for):
    lead = factories.make_lead(location, email="")
    client = api_for(manager)
    body = client.get(f"/api/v1/leads/{lead.pk}").json()
    assert (body["team_name"], body["email"]) == (None, "")
    fields = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]["LeadOutput"]["properties"]
    assert fields["team_name"]["nullable"] is True
    assert "format" not in fields["email"]  # "" is no email address
