"""The engine's core guarantees, run synchronously (the worker tests run real workers)."""

import pytest

from operations import engine
from operations.errors import InvalidInput
from operations.models import BulkOperationItem, ItemStatus, OperationStatus
from tests.factories import make_agent, make_operation, make_ticket, run_to_end


def test_update_status_changes_every_ticket_and_records_the_operation(manager, location):
    tickets = [make_ticket(location) for _ in range(7)]
    operation = run_to_end(
        make_operation(
            manager, location, [t.pk for t in tickets], operation_type="update_status", params={"status": "resolved"}
        )
    )

    assert operation.status == OperationStatus.COMPLETED
    assert (operation.total, operation.processed, operation.successful, operation.failed) == (7, 7, 7, 0)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == "resolved"
        assert ticket.last_operation_id == operation.pk
    befores = list(BulkOperationItem.objects.filter(operation=operation).values_list("before", flat=True))
    assert befores == [{"status": "open"}] * 7


def test_unknown_and_other_tenant_ids_fail_as_not_found(manager, location, other_location):
    mine = make_ticket(location)
    theirs = make_ticket(other_location, status="open")
    operation = run_to_end(
        make_operation(
            manager,
            location,
            [mine.pk, theirs.pk, 999_999],
            operation_type="update_status",
            params={"status": "closed"},
        )
    )

    outcomes = dict(operation.items.values_list("object_id", "error_message"))
    assert outcomes == {mine.pk: "", theirs.pk: "Ticket not found", 999_999: "Ticket not found"}
    assert (operation.successful, operation.failed) == (1, 2)
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_agent_cannot_touch_tickets_assigned_to_someone_else(location, agent):
    colleague = make_agent(location)
    own = make_ticket(location, assignee=agent)
    unassigned = make_ticket(location)
    others = make_ticket(location, assignee=colleague)
    operation = run_to_end(
        make_operation(
            agent.user,
            location,
            [own.pk, unassigned.pk, others.pk],
            operation_type="update_priority",
            params={"priority": "urgent"},
        )
    )

    items = {i.object_id: i for i in operation.items.all()}
    assert items[own.pk].status == items[unassigned.pk].status == ItemStatus.SUCCEEDED
    assert items[others.pk].status == ItemStatus.FAILED
    assert items[others.pk].error_message == "Insufficient permissions to update ticket"
    others.refresh_from_db()
    assert others.priority == "normal"


def test_invalid_parameters_are_refused_before_anything_is_created(manager, location):
    ticket = make_ticket(location)
    with pytest.raises(InvalidInput) as error:
        engine.create_operation(
            user=manager,
            location=location,
            target="tickets",
            operation_type="update_status",
            params={"status": "bogus"},
            ids=[ticket.pk],
        )
    assert "status" in {e["field"] for e in error.value.errors}
    assert not BulkOperationItem.objects.exists()


def test_cancelled_operation_processes_no_further_chunk(manager, location, settings):
    settings.BULK_CHUNK_SIZE = 2
    tickets = [make_ticket(location) for _ in range(6)]
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="update_status",
        params={"status": "pending"},
        ids=[t.pk for t in tickets],
    )
    operation.status = OperationStatus.IN_PROGRESS
    operation.save()
    engine.process_next_chunk(operation.pk)
    engine.cancel_operation(operation=operation)
    assert engine.run_operation(operation.pk) == engine.STOPPED

    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED
    assert operation.processed == 2
    assert operation.items.filter(status=ItemStatus.PENDING).count() == 4


def test_undo_restores_values_and_skips_records_changed_since(manager, location):
    tickets = [make_ticket(location, status="open") for _ in range(3)]
    operation = run_to_end(
        make_operation(
            manager, location, [t.pk for t in tickets], operation_type="update_status", params={"status": "resolved"}
        )
    )
    tickets[0].status = "closed"
    tickets[0].save()

    undo = run_to_end(engine.undo_operation(operation=operation, user=manager))

    statuses = {t.pk: t.status for t in type(tickets[0]).objects.filter(pk__in=[t.pk for t in tickets])}
    assert statuses == {tickets[0].pk: "closed", tickets[1].pk: "open", tickets[2].pk: "open"}
    assert (undo.successful, undo.skipped) == (2, 1)


def test_soft_delete_and_its_undo(manager, location):
    ticket = make_ticket(location)
    operation = run_to_end(make_operation(manager, location, [ticket.pk], operation_type="delete", params={}))
    ticket.refresh_from_db()
    assert ticket.is_deleted
    undo = engine.undo_operation(operation=operation, user=manager)
    engine.run_operation(undo.pk)
    ticket.refresh_from_db()
    assert not ticket.is_deleted


def test_add_comment_once_per_ticket(manager, location):
    tickets = [make_ticket(location) for _ in range(3)]
    operation = run_to_end(
        make_operation(
            manager,
            location,
            [t.pk for t in tickets],
            operation_type="add_comment",
            params={"body": "Looking into it", "is_internal": True},
        )
    )
    assert operation.successful == 3
    for ticket in tickets:
        assert list(ticket.comments.values_list("body", "is_internal")) == [("Looking into it", True)]
