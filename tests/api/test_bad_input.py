"""Malformed input is a 4xx with the error shape, never a 500."""

import pytest

BAD_LEAD_BODIES = [
    {"first_name": "A", "tags": "vip"},
    {"first_name": "A", "tags": ["x"]},
    {"first_name": "A", "location": "abc"},
    {"first_name": "A", "location": 99999999999999999999},
    {"first_name": "A", "owner": 99999999999999999999},
    {"first_name": "A", "owner": -1},
    {"first_name": "A", "budget": "1e20"},
    {"first_name": "A", "budget": "NaN"},
    {"first_name": "A", "score": "abc"},
    {"first_name": "A", "phone": "+" + "9" * 39},
    {"first_name": "A" * 500},
    {"first_name": ["A"]},
    {"first_name": None},
    [],
    "string",
]


@pytest.mark.parametrize("body", BAD_LEAD_BODIES)
def test_malformed_lead_body_is_400(body, location, manager, api_for):
    response = api_for(manager).post("/api/v1/leads", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_a_body_of_an_unknown_media_type_is_415(location, manager, api_for):
    response = api_for(manager).post("/api/v1/tags", "name=vip", content_type="text/plain")
    assert response.status_code == 415
    assert set(response.json()) == {"detail", "errors"}


def test_unparseable_json_is_400(location, manager, api_for):
    response = api_for(manager).post("/api/v1/tickets", "{bad", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/leads/99999999999999999999",
        "/api/v1/tickets/99999999999999999999",
        "/api/v1/tags/99999999999999999999",
        "/api/v1/agents/99999999999999999999",
        "/api/v1/leads?limit=abc&offset=-5",
        "/api/v1/leads?ordering=bogus",
        "/api/v1/leads?created_after=garbage",
        "/api/v1/leads?owner=99999999999999999999",
        "/api/v1/leads?location=99999999999999999999",
        "/api/v1/leads?score_min=1e400",
        "/api/v1/leads?score_min=NaN",
        "/api/v1/leads?tag=abc",
        "/api/v1/leads?q=%00",
        "/api/v1/tickets?assignee=x",
        "/api/v1/tickets?q=%00",
    ],
)
def test_malformed_query_is_never_a_server_error(url, location, manager, api_for):
    assert api_for(manager).get(url).status_code < 500


@pytest.mark.parametrize(
    "url",
    ["/api/v1/locations", "/api/v1/agents", "/api/v1/leads", "/api/v1/tags", "/api/v1/tickets", "/api/v1/campaigns"],
)
def test_a_limit_beyond_any_page_is_capped_not_a_server_error(url, location, manager, api_for):
    response = api_for(manager).get(url, {"limit": 2**70})
    assert response.status_code == 200, response.content[:200]
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("url", ["/api/v1/leads", "/api/v1/tickets"])
@pytest.mark.parametrize("param", ["created_after", "created_before"])
def test_a_date_time_before_the_year_1_in_utc_is_400(url, param, location, manager, api_for, error_fields):
    response = api_for(manager).get(url, {param: "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 400
    assert error_fields(response) == {param}


@pytest.mark.parametrize("url", ["/api/v1/leads", "/api/v1/tickets"])
def test_a_date_time_offset_beyond_postgresqls_still_filters(url, location, manager, api_for):
    response = api_for(manager).get(url, {"created_before": "2000-01-01T02:29:45-17:54"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
