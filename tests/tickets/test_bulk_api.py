"""Seed 003's ticket bulk-operation endpoints, field for field."""

import pytest

from operations import engine
from operations.models import BulkOperation
from tests.factories import make_ticket

URL = "/api/v1/tickets/bulk-operations"


@pytest.fixture
def tickets(location):
    return [make_ticket(location) for _ in range(5)]


def test_create_answers_with_the_seed_fields(api_for, manager, tickets):
    response = api_for(manager).post(
        URL,
        {
            "ticket_ids": [t.pk for t in tickets],
            "operation_type": "update_status",
            "operation_data": {"status": "resolved"},
            "metadata": {"description": "Marking resolved tickets as closed"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"operation_id", "status", "ticket_count", "created_at", "estimated_completion"}
    assert body["status"] == "pending"
    assert body["ticket_count"] == 5
    assert BulkOperation.objects.get(pk=body["operation_id"]).metadata == {
        "description": "Marking resolved tickets as closed"
    }


def test_status_after_run_reports_counts_and_errors(api_for, manager, tickets, other_location):
    foreign = make_ticket(other_location)
    client = api_for(manager)
    created = client.post(
        URL,
        {
            "ticket_ids": [tickets[0].pk, foreign.pk],
            "operation_type": "update_priority",
            "operation_data": {"priority": "high"},
        },
        format="json",
    ).json()
    engine.run_operation(created["operation_id"])

    body = client.get(f"{URL}/{created['operation_id']}").json()
    assert body["status"] == "completed"
    assert (body["total_tickets"], body["processed_tickets"], body["successful_tickets"], body["failed_tickets"]) == (
        2,
        2,
        1,
        1,
    )
    assert body["progress_percentage"] == 100
    assert body["errors"] == [{"ticket_id": foreign.pk, "error_message": "Ticket not found"}]


def test_invalid_operation_data_is_a_400_with_field_errors(api_for, manager, tickets):
    response = api_for(manager).post(
        URL,
        {"ticket_ids": [tickets[0].pk], "operation_type": "update_status", "operation_data": {"status": "nope"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"
    assert not BulkOperation.objects.exists()


def test_unknown_fields_and_types_are_refused(api_for, manager, tickets):
    client = api_for(manager)
    bad_type = client.post(URL, {"ticket_ids": [1], "operation_type": "explode"}, format="json")
    unknown = client.post(URL, {"ticket_ids": [1], "operation_type": "delete", "colour": "red"}, format="json")
    assert bad_type.status_code == unknown.status_code == 400
    assert {"field": "colour", "message": "Unknown field."} in unknown.json()["errors"]


def test_too_many_ids_is_a_clear_400(api_for, manager, settings):
    settings.BULK_MAX_IDS = 10
    response = api_for(manager).post(URL, {"ticket_ids": list(range(1, 12)), "operation_type": "delete"}, format="json")
    assert response.status_code == 400


def test_cancel_then_cancel_again_is_a_conflict(api_for, manager, tickets):
    client = api_for(manager)
    created = client.post(URL, {"ticket_ids": [tickets[0].pk], "operation_type": "delete"}, format="json").json()
    response = client.post(f"{URL}/{created['operation_id']}/cancel")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"operation_id", "status", "processed_tickets", "cancelled_at"}
    assert body["status"] == "cancelled"
    assert client.post(f"{URL}/{created['operation_id']}/cancel").status_code == 409


def test_list_pages_with_total_and_has_more(api_for, manager, tickets):
    client = api_for(manager)
    for _ in range(3):
        client.post(
            URL,
            {"ticket_ids": [tickets[0].pk], "operation_type": "add_comment", "operation_data": {"body": "x"}},
            format="json",
        )
    body = client.get(URL, {"status": "pending", "limit": 2, "offset": 0}).json()
    assert body["total"] == 3
    assert body["has_more"] is True
    assert len(body["operations"]) == 2
    assert client.get(URL, {"status": "bogus"}).status_code == 400


def test_outsider_cannot_see_or_cancel_another_tenants_operation(api_for, manager, outsider, tickets):
    created = (
        api_for(manager).post(URL, {"ticket_ids": [tickets[0].pk], "operation_type": "delete"}, format="json").json()
    )
    client = api_for(outsider)
    assert client.get(f"{URL}/{created['operation_id']}").status_code == 404
    assert client.post(f"{URL}/{created['operation_id']}/cancel").status_code == 404
    assert client.get(URL).json()["total"] == 0


def test_too_many_active_operations_is_a_429_with_retry_after(api_for, manager, tickets, settings):
    settings.BULK_MAX_ACTIVE_PER_USER = 1
    client = api_for(manager)
    client.post(URL, {"ticket_ids": [tickets[0].pk], "operation_type": "delete"}, format="json")
    response = client.post(URL, {"ticket_ids": [tickets[1].pk], "operation_type": "delete"}, format="json")
    assert response.status_code == 429
    assert response["Retry-After"]


def test_idempotency_key_replays_and_conflicts(api_for, manager, tickets):
    client = api_for(manager)
    body = {"ticket_ids": [tickets[0].pk], "operation_type": "delete"}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    other = client.post(URL, {**body, "ticket_ids": [tickets[1].pk]}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["operation_id"] == first.json()["operation_id"]
    assert other.status_code == 409
    assert BulkOperation.objects.count() == 1


def test_unauthenticated_is_401(client):
    assert client.get(URL).status_code == 401
