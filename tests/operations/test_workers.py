"""The engine under real django-q2 workers: end to end, a crashed worker, several workers, cancel.

These start `manage.py qcluster` processes (tests/workers.py), so the data must be committed:
every test here uses a transactional database. The big ones run on PostgreSQL only.
"""

import time

import pytest
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from operations import engine
from operations.models import BulkOperation, BulkOperationItem, ItemStatus, OperationStatus
from tests.factories import make_agent, make_ticket
from tests.workers import running_workers, sqlite_file_database, wait_until
from tickets.models import Comment, Ticket

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Runs on PostgreSQL (DATABASE_URL=postgres://…)"
)

URL = "/api/v1/tickets/bulk-operations"


def bulk_tickets(location, count: int) -> list[int]:
    """`count` open, unassigned tickets of location, created in one go; their ids in order."""
    start = (Ticket.objects.filter(location=location).aggregate(n=Max("number"))["n"] or 0) + 1
    Ticket.objects.bulk_create(
        (Ticket(location=location, number=start + i, subject=f"Ticket {start + i}") for i in range(count)),
        batch_size=5000,
    )
    return list(Ticket.objects.filter(location=location, number__gte=start).order_by("pk").values_list("pk", flat=True))


def add_comment_operation(user, location, ids, body="Bulk note"):
    operation, _ = engine.create_operation(
        user=user, location=location, target="tickets", operation_type="add_comment", params={"body": body}, ids=ids
    )
    return operation


def status_of(operation_id) -> str:
    return BulkOperation.objects.values_list("status", flat=True).get(pk=operation_id)


def assert_processed_exactly_once(operation: BulkOperation, ticket_ids: list[int]) -> None:
    """Every item finished, the counters equal the item rows, and each ticket got exactly one comment."""
    operation.refresh_from_db()
    by_status = dict(
        BulkOperationItem.objects.filter(operation=operation).values_list("status").annotate(n=Count("id"))
    )
    assert by_status.get(ItemStatus.PENDING, 0) == 0
    assert operation.total == sum(by_status.values()) == len(ticket_ids)
    assert operation.processed == operation.total
    assert operation.successful == by_status.get(ItemStatus.SUCCEEDED, 0)
    assert operation.failed == by_status.get(ItemStatus.FAILED, 0)
    assert operation.skipped == by_status.get(ItemStatus.SKIPPED, 0)
    per_ticket = Comment.objects.filter(operation=operation).values("ticket_id").annotate(n=Count("id"))
    assert per_ticket.filter(n__gt=1).count() == 0
    assert per_ticket.count() == operation.successful


def test_api_operation_runs_to_completion_on_a_real_worker(api_for, location, other_location, tmp_path):
    """Seed 003's flow, on whatever database the suite runs on (SQLite + ORM broker is the embedded default)."""
    colleague = make_agent(location)
    agent_user = make_agent(location).user  # an agent: may not touch the colleague's ticket
    mine = [make_ticket(location) for _ in range(5)]
    theirs = make_ticket(location, assignee=colleague)
    foreign = make_ticket(other_location)

    with sqlite_file_database(tmp_path), running_workers(1, env={"BULK_CHUNK_SIZE": "2"}) as pool:
        client = api_for(agent_user)
        response = client.post(
            URL,
            {
                "ticket_ids": [*[t.pk for t in mine], theirs.pk, foreign.pk],
                "operation_type": "update_status",
                "operation_data": {"status": "resolved"},
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        operation_id = response.json()["operation_id"]
        wait_until(
            lambda: status_of(operation_id) == OperationStatus.COMPLETED,
            timeout=60,
            message="the worker to complete the operation",
            workers=pool,
        )
        body = client.get(f"{URL}/{operation_id}").json()
        statuses = dict(Ticket.objects.filter(pk__in=[t.pk for t in mine]).values_list("pk", "status"))
        theirs.refresh_from_db()

    assert body["status"] == "completed"
    assert (body["total_tickets"], body["processed_tickets"], body["successful_tickets"], body["failed_tickets"]) == (
        7,
        7,
        5,
        2,
    )
    assert body["progress_percentage"] == 100
    assert body["started_at"] and body["completed_at"]
    assert sorted(body["errors"], key=lambda e: e["ticket_id"]) == [
        {"ticket_id": theirs.pk, "error_message": "Insufficient permissions to update ticket"},
        {"ticket_id": foreign.pk, "error_message": "Ticket not found"},
    ]
    assert set(statuses.values()) == {"resolved"}
    assert theirs.status == "open"


@postgres_only
def test_worker_killed_mid_operation_another_finishes_every_item_exactly_once(manager, location):
    ids = bulk_tickets(location, 20_000)
    with running_workers(1, env={"BULK_CHUNK_SIZE": "100"}) as pool:
        operation = add_comment_operation(manager, location, ids)
        wait_until(
            lambda: BulkOperation.objects.get(pk=operation.pk).processed >= 3_000,
            timeout=60,
            message="the first worker to be well into the operation",
            workers=pool,
        )
        pool.workers[0].crash()
        operation.refresh_from_db()
        assert operation.status == OperationStatus.IN_PROGRESS
        processed_at_crash = operation.processed
        assert 0 < processed_at_crash < len(ids)
        assert BulkOperationItem.objects.filter(operation=operation, status=ItemStatus.PENDING).count() == (
            len(ids) - processed_at_crash
        )

        pool.start(1)  # another machine: the unacknowledged task is delivered to it after Q_RETRY
        wait_until(
            lambda: status_of(operation.pk) == OperationStatus.COMPLETED,
            timeout=120,
            interval=0.2,
            message="the second worker to finish the operation",
            workers=pool,
        )

    assert_processed_exactly_once(operation, ids)
    assert operation.successful == len(ids)
    assert Comment.objects.filter(operation=operation).count() == len(ids)
    assert Ticket.objects.filter(pk__in=ids, last_operation=operation).count() == len(ids)


def _overlapping_runs(operation) -> int:
    """How many pairs of this operation's run tasks ran at the same time (in different processes)."""
    from django_q.models import Task

    runs = list(Task.objects.filter(name=f"bulk-operation-{operation.pk}").values_list("started", "stopped"))
    return sum(1 for i, a in enumerate(runs) for b in runs[i + 1 :] if a[0] < b[1] and b[0] < a[1])


@postgres_only
def test_several_workers_drain_several_operations_without_processing_an_item_twice(
    manager, admin_user, location, settings
):
    from operations import queue

    ids = bulk_tickets(location, 2_000)
    with running_workers(2, env={"BULK_CHUNK_SIZE": "50", "Q_WORKERS": "2"}) as pool:
        operations = [
            add_comment_operation(user, location, ids, body=f"Note {n}")
            for n, user in enumerate([manager, manager, admin_user, admin_user])
        ]
        for operation in operations:
            # Extra deliveries, as after a redelivery or a watchdog: several workers run each operation at once.
            for _ in range(3):
                queue.enqueue_run(operation.pk)
        wait_until(
            lambda: (
                BulkOperation.objects.filter(
                    pk__in=[o.pk for o in operations], status=OperationStatus.COMPLETED
                ).count()
                == len(operations)
            ),
            timeout=120,
            interval=0.2,
            message="the workers to finish every operation",
            workers=pool,
        )

    for operation in operations:
        assert_processed_exactly_once(operation, ids)
        assert operation.successful == len(ids)
    assert Comment.objects.filter(ticket_id__in=ids).count() == len(ids) * len(operations)
    # Not vacuous: runs of one operation really overlapped in different worker processes.
    assert sum(_overlapping_runs(operation) for operation in operations) > 0


@postgres_only
def test_cancelling_a_100000_ticket_operation_stops_it_within_two_seconds(api_for, manager, location):
    ids = bulk_tickets(location, 100_000)
    client = api_for(manager)
    with running_workers(1) as pool:
        operation, _ = engine.create_operation(
            user=manager,
            location=location,
            target="tickets",
            operation_type="update_status",
            params={"status": "pending"},
            ids=ids,
        )
        wait_until(
            lambda: BulkOperation.objects.get(pk=operation.pk).processed >= 5_000,
            timeout=60,
            message="the operation to be in progress",
            workers=pool,
        )
        cancel_requested = timezone.now()
        response = client.post(f"{URL}/{operation.pk}/cancel")
        cancel_call_seconds = (timezone.now() - cancel_requested).total_seconds()
        time.sleep(2.5)  # anything a worker still did after the cancel would show by now
        last_processed_at = BulkOperationItem.objects.filter(operation=operation).aggregate(t=Max("processed_at"))["t"]
        operation.refresh_from_db()
        finished_items = BulkOperationItem.objects.filter(operation=operation).exclude(status=ItemStatus.PENDING)
        finished = finished_items.count()
        changed = Ticket.objects.filter(pk__in=ids, status="pending").count()

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert cancel_call_seconds < 2
    assert (last_processed_at - cancel_requested).total_seconds() < 2
    assert operation.status == OperationStatus.CANCELLED
    assert 5_000 <= operation.processed < len(ids)
    assert body["processed_tickets"] == operation.processed == finished == changed
    assert operation.successful == finished
