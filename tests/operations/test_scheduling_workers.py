"""A due scheduled operation starts and completes on a real django-q2 worker, in both selection modes.

The cluster's scheduler looks at its schedules about every 30 seconds, so this takes up to a minute.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_ticket
from tests.workers import running_workers, sqlite_file_database, wait_until
from tickets.models import Comment

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]


def schedule_comment(manager, location, *, body, resolve_at_start, seconds=3):
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": body},
        filters={"status": "open"},
        scheduled_for=timezone.now() + timedelta(seconds=seconds),
        resolve_at_start=resolve_at_start,
    )
    return operation


def test_due_scheduled_operations_start_and_complete_on_a_real_worker(manager, location, tmp_path):
    with sqlite_file_database(tmp_path):
        first = make_ticket(location, status="open")
        frozen = schedule_comment(manager, location, body="Frozen", resolve_at_start=False)
        at_start = schedule_comment(manager, location, body="At start", resolve_at_start=True)
        created_after_scheduling = make_ticket(location, status="open")

        with running_workers(1) as pool:

            def both_completed():
                statuses = set(
                    BulkOperation.objects.filter(pk__in=[frozen.pk, at_start.pk]).values_list("status", flat=True)
                )
                return statuses == {OperationStatus.COMPLETED}

            wait_until(both_completed, timeout=120, interval=0.5, message="both operations to complete", workers=pool)

        def commented(operation, body):
            return set(Comment.objects.filter(operation=operation, body=body).values_list("ticket_id", flat=True))

        assert commented(frozen, "Frozen") == {first.pk}
        assert commented(at_start, "At start") == {first.pk, created_after_scheduling.pk}
        for operation in (frozen, at_start):
            operation.refresh_from_db()
            assert operation.started_at >= operation.scheduled_for
