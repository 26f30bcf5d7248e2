"""/api/v1/notifications: one's own only, newest first, paginated; mark one or all read; another's is a 404."""

import pytest
from django.utils import timezone

from accounts.models import Role
from notifications.models import Kind, Notification
from tests import factories

pytestmark = pytest.mark.django_db


def _notify(user, location, text="done", **fields):
    operation = factories.make_operation(user, location, [factories.make_ticket(location).pk])
    return Notification.objects.create(
        recipient=user, location=location, operation=operation, kind=Kind.COMPLETED, text=text, **fields
    )


@pytest.fixture
def colleague(location):
    return factories.make_user("colleague", location=location, role=Role.MANAGER)


def test_the_list_holds_ones_own_notifications_newest_first(manager, colleague, location, api_for):
    older = _notify(manager, location, "older")
    newer = _notify(manager, location, "newer", read_at=timezone.now())
    _notify(colleague, location, "the colleague's")

    body = api_for(manager).get("/api/v1/notifications").json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    row = body["results"][1]
    assert row == {
        "id": older.pk,
        "kind": "completed",
        "text": "older",
        "operation_id": str(older.operation_id),
        "location": location.pk,
        "created_at": row["created_at"],
        "read_at": None,
        "is_read": False,
    }
    unread = api_for(manager).get("/api/v1/notifications?unread=true").json()
    assert [row["id"] for row in unread["results"]] == [older.pk]


def test_the_list_is_paginated(manager, location, api_for):
    for n in range(3):
        _notify(manager, location, f"n{n}")
    body = api_for(manager).get("/api/v1/notifications/?limit=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_mark_one_read(manager, location, api_for):
    notification = _notify(manager, location)
    response = api_for(manager).post(f"/api/v1/notifications/{notification.pk}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_users_notification_is_not_found(manager, colleague, outsider, location, other_location, api_for):
    theirs = _notify(colleague, location)
    foreign = _notify(outsider, other_location)
    for notification in (theirs, foreign):
        response = api_for(manager).post(f"/api/v1/notifications/{notification.pk}/read/")
        assert response.status_code == 404
        assert response.json()["detail"] == "Notification not found."
        notification.refresh_from_db()
        assert notification.read_at is None
    assert api_for(outsider).get("/api/v1/notifications").json()["count"] == 1


def test_read_all_marks_only_ones_own(manager, colleague, location, api_for):
    _notify(manager, location)
    _notify(manager, location)
    theirs = _notify(colleague, location)
    response = api_for(manager).post("/api/v1/notifications/read-all")
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_signed_out_gets_401(client):
    assert client.get("/api/v1/notifications").status_code == 401


def test_bad_filter_is_a_400(manager, api_for):
    response = api_for(manager).get("/api/v1/notifications?unread=perhaps")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "unread"


def test_the_endpoints_are_in_the_schema(manager, api_for):
    paths = api_for(manager).get("/api/v1/schema/?format=json").json()["paths"]
    assert {
        "/api/v1/notifications/",
        "/api/v1/notifications/{notification_id}/read/",
        "/api/v1/notifications/read-all/",
    } <= set(paths)
