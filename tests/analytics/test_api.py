"""GET /api/v1/bulk-operations/analytics: the page's figures, tenant-scoped, validated."""

import pytest

from analytics import figures, report

URL = "/api/v1/bulk-operations/analytics"


@pytest.mark.parametrize("path", [URL, URL + "/"])
def test_api_returns_the_same_figures_as_the_selectors(history, location, admin_user, api_for, path):
    response = api_for(admin_user).get(path, {"days": 30})
    assert response.status_code == 200
    body = response.json()
    scope = figures.Scope(location=location, period=figures.period_for(location=location, days=30))
    expected = report.analytics(scope=scope)
    assert body["location"] == location.pk
    for key in (
        "summary",
        "durations",
        "by_type",
        "by_user",
        "by_status",
        "top_errors",
        "daily_trend",
        "time_saved",
        "campaigns",
    ):
        assert body[key] == expected[key], key
    assert body["summary"]["total_operations"] == 14
    assert body["durations"]["p99_seconds"] == 57.3


def test_api_filters_and_date_range(history, admin_user, manager, api_for):
    client = api_for(admin_user)
    assert client.get(URL, {"days": 90, "user": manager.pk}).json()["summary"]["total_operations"] == 1
    body = client.get(URL, {"operation_type": "add_comment"}).json()
    assert body["summary"]["total_operations"] == 2
    body = client.get(URL, {"start": "2020-01-01", "end": "2020-01-31"}).json()
    assert body["period"] == {"start": "2020-01-01", "end": "2020-01-31", "days": 31, "timezone": "UTC"}
    assert body["summary"]["total_operations"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": "abc"}, "days"),
        ({"start": "2026-01-01"}, "end"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"start": "9999-12-30", "end": "9999-12-31"}, "end"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "start"),
        ({"operation_type": "nope"}, "operation_type"),
        ({"user": 999_999}, "user"),
    ],
)
def test_api_rejects_bad_input_with_a_400(admin_user, api_for, params, field):
    response = api_for(admin_user).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert field in [error["field"] for error in body["errors"]]


def test_outsider_gets_only_their_location_and_404_for_ours(history, location, outsider, api_for):
    client = api_for(outsider)
    body = client.get(URL).json()
    assert body["summary"]["total_operations"] == 1
    assert [row["message"] for row in body["top_errors"]] == ["Secret"]
    response = client.get(URL, {"location": location.pk})
    assert response.status_code == 404
    assert client.get(URL, {"user": location.memberships.first().user_id}).status_code == 400


def test_api_needs_authentication(client):
    assert client.get(URL).status_code == 401


def test_api_on_an_empty_location_gives_zeros(admin_user, api_for):
    body = api_for(admin_user).get(URL).json()
    assert body["summary"]["total_operations"] == 0
    assert body["summary"]["item_success_rate"] is None
    assert body["durations"]["p95_seconds"] is None
    assert body["top_errors"] == [] and body["by_type"] == []


def test_schema_documents_the_endpoint(admin_user, api_for):
    schema = api_for(admin_user).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/bulk-operations/analytics/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"days", "start", "end", "user", "operation_type"}
