"""A scheduled filter selection: "these N records now" (frozen) or "whatever matches when it starts"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_ticket

URL = "/api/v1/bulk-operations"


def schedule_by_filter(client, **body):
    body = {
        "target": "tickets",
        "operation_type": "add_comment",
        "parameters": {"body": "Scheduled note"},
        "filters": {"status": "open"},
        "scheduled_for": (timezone.now() + timedelta(hours=1)).isoformat(),
        **body,
    }
    return client.post(URL, {name: value for name, value in body.items() if value is not None}, format="json")


def make_due(operation_id):
    BulkOperation.objects.filter(pk=operation_id).update(scheduled_for=timezone.now() - timedelta(seconds=1))


def item_ids(operation_id) -> set[int]:
    return set(BulkOperation.objects.get(pk=operation_id).items.values_list("object_id", flat=True))


@pytest.mark.parametrize("body", [{}, {"filter_resolution": "now"}])
def test_records_matching_now_are_frozen_at_scheduling(api_for, manager, location, body):
    before = make_ticket(location, status="open")
    response = schedule_by_filter(api_for(manager), **body)
    assert response.status_code == 201, response.json()
    operation_id = response.json()["operation_id"]
    assert response.json()["filter_resolution"] == "now"
    make_ticket(location, status="open")

    make_due(operation_id)
    assert engine.start_scheduled(operation_id)

    assert item_ids(operation_id) == {before.pk}


def test_whatever_matches_at_start_is_evaluated_when_it_starts(api_for, manager, location):
    before = make_ticket(location, status="open")
    closed_later = make_ticket(location, status="open")
    response = schedule_by_filter(api_for(manager), filter_resolution="at_start")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filter_resolution"] == "at_start"
    assert body["total"] == 2  # today's count, shown as such until it starts
    assert item_ids(body["operation_id"]) == set()
    after = make_ticket(location, status="open")
    closed_later.status = "closed"
    closed_later.save()

    make_due(body["operation_id"])
    assert engine.start_scheduled(body["operation_id"])
    assert not engine.start_scheduled(body["operation_id"])  # a second start (the watchdog) adds nothing

    operation = BulkOperation.objects.get(pk=body["operation_id"])
    assert operation.status == OperationStatus.PENDING
    assert item_ids(operation.pk) == {before.pk, after.pk}
    assert operation.total == 2
    engine.run_operation(operation.pk)
    operation.refresh_from_db()
    assert (operation.status, operation.successful) == (OperationStatus.COMPLETED, 2)


def test_a_draft_resolved_at_start_is_evaluated_when_it_is_run(api_for, manager, location):
    make_ticket(location, status="open")
    response = schedule_by_filter(api_for(manager), filter_resolution="at_start", scheduled_for=None, draft=True)
    assert response.status_code == 201, response.json()
    added = make_ticket(location, status="open")

    assert (
        api_for(manager)
        .patch(f"{URL}/{response.json()['operation_id']}", {"status": "pending"}, format="json")
        .status_code
        == 200
    )

    assert added.pk in item_ids(response.json()["operation_id"])


def test_run_time_resolution_needs_a_schedule_or_draft_and_a_filter(api_for, manager, location):
    ticket = make_ticket(location, status="open")
    client = api_for(manager)

    now = schedule_by_filter(client, filter_resolution="at_start", scheduled_for=None)
    by_ids = schedule_by_filter(client, filter_resolution="at_start", filters=None, ids=[ticket.pk])

    assert now.status_code == 400
    assert "filter_resolution" in {e["field"] for e in now.json()["errors"]}
    assert by_ids.status_code == 400
    assert "filter_resolution" in {e["field"] for e in by_ids.json()["errors"]}
