"""The engine keeps the error-count rollup current when an operation reaches a final state."""

from analytics import figures
from operations import engine
from operations.models import OperationStatus
from tests.factories import make_operation, make_ticket, run_to_end


def test_completed_operation_gets_its_error_counts_rolled_up(manager, location, other_location):
    mine = [make_ticket(location) for _ in range(3)]
    foreign = make_ticket(other_location)
    operation = run_to_end(
        make_operation(
            manager,
            location,
            [t.pk for t in mine] + [foreign.pk, 99_999_999],
            operation_type="update_status",
            params={"status": "resolved"},
        )
    )

    assert operation.status == OperationStatus.COMPLETED
    assert list(operation.error_counts.values_list("message", "count")) == [("Ticket not found", 2)]
    scope = figures.Scope(location=location, period=figures.period_for(location=location, days=7))
    assert [(r["message"], r["count"]) for r in figures.top_error_messages(scope=scope)] == [("Ticket not found", 2)]


def test_cancelled_operation_is_rolled_up_with_the_failures_so_far(manager, location, settings):
    settings.BULK_CHUNK_SIZE = 1
    ticket = make_ticket(location)
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="update_status",
        params={"status": "resolved"},
        ids=[ticket.pk + 1_000_000, ticket.pk + 2_000_000],
    )
    operation.status = OperationStatus.IN_PROGRESS
    operation.save(update_fields=["status"])
    engine.process_next_chunk(operation.pk)  # the first id is no ticket here
    engine.cancel_operation(operation=operation)

    assert operation.status == OperationStatus.CANCELLED
    assert list(operation.error_counts.values_list("message", "count")) == [("Ticket not found", 1)]
