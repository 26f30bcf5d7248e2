"""Known histories whose every figure the tests check by hand.

`ran` runs real operations through the engine (success, failures, time saved, per user);
`history` writes operations with set counters and times, for the figures that need exact
run times or old dates (percentiles, periods, the daily trend, errors of running operations).
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from analytics.rollups import record_error_counts
from operations import engine
from operations.models import BulkOperation, BulkOperationItem, ItemStatus, OperationStatus
from tests import factories


def noon(days_ago: int) -> datetime:
    """Noon UTC of a day `days_ago` before today (inside that day whatever the clock says)."""
    day = timezone.now().date() - timedelta(days=days_ago)
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def make_operation(
    location,
    user,
    *,
    operation_type="update_status",
    target="tickets",
    status=OperationStatus.COMPLETED,
    total=10,
    processed=None,
    successful=None,
    failed=0,
    skipped=0,
    days_ago=0,
    seconds=None,
    errors=None,
    roll_up=True,
) -> BulkOperation:
    """An operation with consistent counters; `errors` {message: n} become failed item rows."""
    created = noon(days_ago)
    if processed is None:
        processed = total
    if successful is None:
        successful = processed - failed - skipped
    started = created + timedelta(seconds=1) if status != OperationStatus.DRAFT else None
    operation = BulkOperation.objects.create(
        location=location,
        created_by=user,
        target=target,
        operation_type=operation_type,
        status=status,
        total=total,
        processed=processed,
        successful=successful,
        failed=failed,
        skipped=skipped,
        created_at=created,
        started_at=started,
        completed_at=started + timedelta(seconds=seconds) if seconds is not None else None,
    )
    object_ids = iter(range(1, 10_000))
    items = [
        BulkOperationItem(operation=operation, object_id=next(object_ids), status=ItemStatus.FAILED, error_message=msg)
        for msg, count in (errors or {}).items()
        for _ in range(count)
    ]
    BulkOperationItem.objects.bulk_create(items)
    if roll_up and operation.is_final:
        record_error_counts(operation.pk)
    return operation


@pytest.fixture
def history(location, other_location, admin_user, manager, outsider):
    """Fourteen operations in the last 30 days, one older, one of another tenant."""
    mk = make_operation
    completed = [
        mk(location, admin_user, total=100, days_ago=0, seconds=2),
        mk(
            location,
            admin_user,
            total=50,
            failed=10,
            days_ago=0,
            seconds=4,
            errors={"Record not found": 6, "Insufficient permissions to update record": 4},
        ),
        mk(location, admin_user, total=10, days_ago=0, seconds=4),
        mk(location, admin_user, total=200, failed=5, skipped=5, days_ago=0, seconds=6, errors={"Record not found": 5}),
        mk(location, admin_user, operation_type="add_comment", total=30, days_ago=0, seconds=10),
        mk(
            location,
            admin_user,
            operation_type="add_comment",
            total=20,
            failed=2,
            days_ago=1,
            seconds=12,
            errors={"Comment too long": 2},
        ),
        mk(location, admin_user, operation_type="assign", total=40, days_ago=1, seconds=15),
        mk(location, admin_user, total=60, days_ago=1, seconds=20),
        mk(location, admin_user, total=80, days_ago=1, seconds=30),
        mk(location, manager, operation_type="assign", total=400, days_ago=1, seconds=60),
    ]
    others = [
        mk(
            location,
            admin_user,
            status=OperationStatus.FAILED,
            total=20,
            processed=10,
            failed=10,
            days_ago=29,
            errors={"Unexpected error: boom": 10},
        ),
        mk(
            location,
            admin_user,
            operation_type="assign",
            status=OperationStatus.CANCELLED,
            total=100,
            processed=30,
            days_ago=29,
        ),
        mk(
            location,
            admin_user,
            status=OperationStatus.IN_PROGRESS,
            total=1000,
            processed=500,
            failed=10,
            days_ago=29,
            errors={"Record not found": 10},
        ),
        mk(location, admin_user, status=OperationStatus.DRAFT, total=5, processed=0, days_ago=29),
    ]
    old = mk(location, admin_user, total=7, days_ago=40, seconds=1)
    foreign = mk(other_location, outsider, total=999, days_ago=0, seconds=3, failed=9, errors={"Secret": 9})
    return {"completed": completed, "others": others, "old": old, "foreign": foreign}


@pytest.fixture
def ran(location, admin_user, manager, settings, tmp_path):
    """Operations run by the engine, one of each outcome, by two users.

    admin_user: `clean` (3 tickets resolved), `partly` (2 resolved, 1 id not found), the undo of
    `clean`, and a draft. manager: `all_failed` (every id not found), `export` (4 leads, one
    file), `cancelled` (cancelled before it ran).
    """
    settings.MEDIA_ROOT = tmp_path
    tickets = [factories.make_ticket(location) for _ in range(5)]
    leads = [factories.make_lead(location) for _ in range(4)]
    missing = max(t.pk for t in tickets) + 1_000_000
    run = factories.run_to_end
    clean = run(factories.make_operation(admin_user, location, [t.pk for t in tickets[:3]]))
    partly = run(factories.make_operation(admin_user, location, [t.pk for t in tickets[3:]] + [missing]))
    undo = run(engine.undo_operation(operation=clean, user=admin_user))
    draft = factories.make_operation(admin_user, location, [tickets[0].pk], draft=True)
    all_failed = run(
        factories.make_operation(manager, location, [missing, missing + 1], operation_type="update_priority")
    )
    export = run(
        factories.make_operation(
            manager, location, [lead.pk for lead in leads], target="leads", operation_type="export"
        )
    )
    cancelled = engine.cancel_operation(
        operation=factories.make_operation(manager, location, [tickets[0].pk], operation_type="add_comment")
    )
    return {
        "clean": clean,
        "partly": partly,
        "undo": undo,
        "draft": draft,
        "all_failed": all_failed,
        "export": export,
        "cancelled": cancelled,
    }


def run_seconds(operation) -> float:
    """The run time the engine recorded: started -> completed."""
    return (operation.completed_at - operation.started_at).total_seconds()
