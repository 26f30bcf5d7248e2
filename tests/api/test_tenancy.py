"""The outsider (admin of Other Co) sees none of Demo Realty's records through any endpoint."""

import pytest

from tests import factories


@pytest.fixture
def demo_records(location, agent, team):
    tag = factories.make_tag(location, "vip")
    lead = factories.make_lead(location, owner=agent, team=team)
    lead.tags.add(tag)
    ticket = factories.make_ticket(location, number=1, assignee=agent)
    return {"leads": lead, "tickets": ticket, "tags": tag, "agents": agent}


@pytest.mark.parametrize("kind", ["leads", "tickets", "tags", "agents"])
def test_outsider_lists_none_of_demo_realtys_records(kind, demo_records, outsider, foreign, api_for):
    client = api_for(outsider)
    for url in (f"/api/v1/{kind}", f"/api/v1/{kind}/"):
        response = client.get(url)
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert demo_records[kind].pk not in ids
        assert ids == {foreign[kind.rstrip("s")].pk}


@pytest.mark.parametrize("kind", ["leads", "tickets", "tags", "agents"])
def test_outsider_gets_404_for_demo_realtys_detail(kind, demo_records, outsider, api_for):
    client = api_for(outsider)
    pk = demo_records[kind].pk
    for url in (f"/api/v1/{kind}/{pk}", f"/api/v1/{kind}/{pk}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize("kind", ["leads", "tickets", "tags"])
def test_outsider_cannot_update_demo_realtys_record(kind, demo_records, outsider, api_for):
    response = api_for(outsider).patch(f"/api/v1/{kind}/{demo_records[kind].pk}", {"name": "x"}, format="json")
    assert response.status_code == 404


def test_outsider_filters_naming_demo_realty_ids_are_rejected(demo_records, outsider, api_for):
    client = api_for(outsider)
    response = client.get("/api/v1/leads", {"owner": demo_records["agents"].pk})
    assert response.status_code == 400
    response = client.get("/api/v1/tickets", {"location": demo_records["leads"].location_id})
    assert response.status_code == 400


def test_outsider_locations_and_me_show_only_other_co(demo_records, outsider, api_for):
    client = api_for(outsider)
    locations = client.get("/api/v1/locations").json()["results"]
    assert [(row["name"], row["role"]) for row in locations] == [("Other Co", "admin")]
    me = client.get("/api/v1/me/").json()
    assert [m["location_name"] for m in me["memberships"]] == ["Other Co"]
