"""Editing and rescheduling a draft or scheduled operation (PATCH /api/v1/bulk-operations/{id})."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from accounts.models import Membership, Role
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_ticket

URL = "/api/v1/bulk-operations"


@pytest.fixture
def tickets(location):
    return [make_ticket(location) for _ in range(3)]


def scheduled_comment(user, location, tickets, *, hours=2, draft=False):
    operation, _ = engine.create_operation(
        user=user,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": "Before"},
        ids=[t.pk for t in tickets],
        scheduled_for=None if draft else timezone.now() + timedelta(hours=hours),
        draft=draft,
    )
    return operation


def patch(client, operation, body):
    return client.patch(f"{URL}/{operation.pk}", body, format="json")


def starts_of(operation):
    return Schedule.objects.filter(name__endswith=str(operation.pk))


def test_rescheduling_moves_the_one_pending_start(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets)
    later = timezone.now() + timedelta(days=1)

    response = patch(api_for(manager), operation, {"scheduled_for": later.isoformat(), "parameters": {"body": "After"}})

    assert response.status_code == 200, response.json()
    assert response.json()["parameters"]["body"] == "After"
    operation.refresh_from_db()
    assert operation.status == OperationStatus.SCHEDULED
    assert operation.scheduled_for == later
    assert [s.next_run for s in starts_of(operation)] == [later]


def test_edited_parameters_are_validated_by_the_type(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets)

    response = patch(api_for(manager), operation, {"parameters": {"body": ""}})

    assert response.status_code == 400
    assert "body" in {e["field"] for e in response.json()["errors"]}
    operation.refresh_from_db()
    assert operation.parameters["body"] == "Before"


def test_a_past_time_is_refused(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets)

    response = patch(
        api_for(manager), operation, {"scheduled_for": (timezone.now() - timedelta(minutes=1)).isoformat()}
    )

    assert response.status_code == 400
    assert "future" in str(response.json())


def test_a_draft_can_be_scheduled_with_its_edit(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets, draft=True)
    when = timezone.now() + timedelta(hours=3)

    response = patch(api_for(manager), operation, {"scheduled_for": when.isoformat(), "status": "scheduled"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "scheduled"
    assert [s.next_run for s in starts_of(operation)] == [when]


def test_a_draft_can_be_run_with_its_edit(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets, draft=True)

    response = patch(api_for(manager), operation, {"parameters": {"body": "Now"}, "status": "pending"})

    assert response.status_code == 200, response.json()
    engine.run_operation(operation.pk)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.COMPLETED
    assert operation.parameters["body"] == "Now"


def test_a_started_operation_cannot_be_edited(api_for, manager, location, tickets):
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": "Hi"},
        ids=[t.pk for t in tickets],
    )
    engine.run_operation(operation.pk)

    response = patch(api_for(manager), operation, {"parameters": {"body": "Changed"}})

    assert response.status_code == 409
    assert "only a draft or a scheduled operation" in response.json()["detail"]
    assert BulkOperation.objects.get(pk=operation.pk).parameters["body"] == "Hi"


def test_a_scheduled_operation_is_not_run_through_status(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets)

    response = patch(api_for(manager), operation, {"status": "pending"})

    assert response.status_code == 409


def test_another_agent_may_not_edit_and_an_outsider_does_not_see_it(
    api_for, manager, other_agent, outsider, location, tickets
):
    operation = scheduled_comment(manager, location, tickets)

    assert patch(api_for(other_agent.user), operation, {"parameters": {"body": "Mine"}}).status_code == 404
    assert patch(api_for(outsider), operation, {"parameters": {"body": "Mine"}}).status_code == 404
    assert BulkOperation.objects.get(pk=operation.pk).parameters["body"] == "Before"


def test_unknown_fields_are_refused(api_for, manager, location, tickets):
    operation = scheduled_comment(manager, location, tickets)

    response = patch(api_for(manager), operation, {"target": "leads"})

    assert response.status_code == 400


def test_an_edit_is_checked_against_the_policy_as_a_creation_is(api_for, manager, agent, location, tickets):
    """Its creator, now an agent, may no longer edit an assignment (a managers' action) into being."""
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="assign",
        params={"agent_id": agent.pk},
        ids=[t.pk for t in tickets],
        scheduled_for=timezone.now() + timedelta(hours=1),
    )
    Membership.objects.filter(user=manager, location=location).update(role=Role.AGENT)

    response = patch(api_for(manager), operation, {"scheduled_for": (timezone.now() + timedelta(days=1)).isoformat()})

    assert response.status_code == 403
    assert BulkOperation.objects.get(pk=operation.pk).scheduled_for < timezone.now() + timedelta(hours=2)
