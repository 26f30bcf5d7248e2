"""A known history of operations (and calls) whose every figure the tests check by hand."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from analytics.rollups import record_error_counts
from operations.models import BulkOperation, BulkOperationItem, ItemStatus, OperationStatus


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
