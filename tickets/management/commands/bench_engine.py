"""Items per second of the bulk-operation engine against a naive loop and a set-based floor.

Usage: python manage.py bench_engine [--tickets 100000] [--naive-sample 10000]

On PostgreSQL, in a database without real data: the command makes its own location
("Bench"), user and tickets, and deletes them at the end. Three ways to set every ticket's
status, each timed from a freshly reset table:

1. engine: create_operation (validation, item rows) + run_operation to completion, in-process;
2. naive: seed 003's task: per ticket one load, one save(), one item update, one counter
   update and one progress message through operations.progress.publish (timed on a sample
   of --naive-sample tickets; the rate is per item);
3. floor: one set-based UPDATE of all tickets + one bulk insert of the finished item rows.
"""

import time
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Location, Membership, Role
from operations import engine, progress
from operations.models import BulkOperation, BulkOperationItem, ItemStatus, OperationStatus
from tickets.models import Status, Ticket

BENCH_SLUG = "bench-engine"
BENCH_USER = "bench-engine"
INSERT_BATCH = 5000


class Command(BaseCommand):
    help = "Benchmark the bulk-operation engine (update_status) against a naive loop and a set-based floor."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=100_000)
        parser.add_argument(
            "--naive-sample", type=int, default=5_000, help="Tickets the naive loop is timed on (default 5,000)"
        )

    def handle(self, *args, tickets: int, naive_sample: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run this on PostgreSQL (DATABASE_URL=postgres://…).")
        if tickets < 1 or naive_sample < 1:
            raise CommandError("--tickets and --naive-sample must be positive.")
        if (
            Location.objects.exclude(slug=BENCH_SLUG).exists()
            or get_user_model().objects.exclude(username=BENCH_USER).exists()
        ):
            raise CommandError("This database holds real data; run the benchmark in an empty, migrated database.")
        self._cleanup()  # leftovers of an interrupted run

        from django_q.brokers import get_broker
        from django_q.conf import Conf

        # The engine queues a run task on creation; keep it in a queue of our own and drop it after.
        saved_queue, Conf.CLUSTER_NAME = Conf.CLUSTER_NAME, f"bench-{uuid.uuid4().hex[:8]}"
        try:
            self._run(tickets, min(naive_sample, tickets))
        finally:
            get_broker(Conf.CLUSTER_NAME).purge_queue()
            Conf.CLUSTER_NAME = saved_queue
            self._cleanup()

    def _run(self, count: int, naive_count: int) -> None:
        location = Location.objects.create(name="Bench", slug=BENCH_SLUG)
        user = get_user_model().objects.create_user(username=BENCH_USER, password=None)
        Membership.objects.create(user=user, location=location, role=Role.ADMIN)
        self.stdout.write(f"Creating {count:,} tickets …")
        Ticket.objects.bulk_create(
            (Ticket(location=location, number=n, subject=f"Bench ticket {n}") for n in range(1, count + 1)),
            batch_size=INSERT_BATCH,
        )
        ids = list(Ticket.objects.filter(location=location).order_by("pk").values_list("pk", flat=True))

        engine_rate = self._time("engine", count, lambda: self._engine(user, location, ids))
        naive_rate = self._time(
            f"naive loop ({naive_count:,} sampled)", naive_count, lambda: self._naive(user, location, ids[:naive_count])
        )
        floor_rate = self._time("floor", count, lambda: self._floor(user, location, ids))

        self.stdout.write("")
        self.stdout.write(f"engine / naive: {engine_rate / naive_rate:6.1f}x  (target >= 20x)")
        self.stdout.write(f"floor / engine: {floor_rate / engine_rate:6.2f}x  (target <= 3x)")

    def _time(self, label: str, count: int, work) -> float:
        Ticket.objects.filter(location__slug=BENCH_SLUG).update(status=Status.OPEN)
        with connection.cursor() as cursor:  # the same table state for every contender
            cursor.execute(f"VACUUM ANALYZE {Ticket._meta.db_table}")
            cursor.execute(f"VACUUM ANALYZE {BulkOperationItem._meta.db_table}")
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        resolved = Ticket.objects.filter(location__slug=BENCH_SLUG, status=Status.RESOLVED).count()
        if resolved != count:
            raise CommandError(f"{label}: {resolved:,} of {count:,} tickets were changed")
        rate = count / seconds
        self.stdout.write(f"{label:<28}{count:>9,} items {seconds:>8.2f} s {rate:>11,.0f} items/s")
        return rate

    def _engine(self, user, location, ids: list[int]) -> None:
        operation, _ = engine.create_operation(
            user=user,
            location=location,
            target="tickets",
            operation_type="update_status",
            params={"status": Status.RESOLVED},
            ids=ids,
        )
        engine.run_operation(operation.pk, slice_seconds=float("inf"))
        operation.refresh_from_db()
        if operation.status != OperationStatus.COMPLETED or operation.successful != len(ids):
            raise CommandError(f"The engine ended {operation.status} with {operation.successful:,} successes")

    def _naive(self, user, location, ids: list[int]) -> None:
        """Seed 003's process_bulk_operation: the items exist, then one ticket at a time."""
        operation = BulkOperation.objects.create(
            location=location,
            created_by=user,
            target="tickets",
            operation_type="update_status",
            parameters={"status": Status.RESOLVED},
            total=len(ids),
            status=OperationStatus.IN_PROGRESS,
            started_at=timezone.now(),
        )
        BulkOperationItem.objects.bulk_create(
            (BulkOperationItem(operation=operation, object_id=pk) for pk in ids), batch_size=INSERT_BATCH
        )
        operations = BulkOperation.objects.filter(pk=operation.pk)
        for item in BulkOperationItem.objects.filter(operation=operation).order_by("pk"):
            if operations.values_list("status", flat=True).get() == OperationStatus.CANCELLED:
                break
            ticket = Ticket.objects.get(pk=item.object_id, location=location)
            before = ticket.status
            ticket.status = Status.RESOLVED
            ticket.save()
            item.status, item.before, item.processed_at = ItemStatus.SUCCEEDED, {"status": before}, timezone.now()
            item.save(update_fields=["status", "before", "processed_at"])
            operations.update(processed=F("processed") + 1, successful=F("successful") + 1)
            operation.processed += 1
            operation.successful += 1
            progress.publish(operation.pk, progress.progress_message(operation, current_object_id=ticket.pk))
        operations.update(status=OperationStatus.COMPLETED, completed_at=timezone.now())

    def _floor(self, user, location, ids: list[int]) -> None:
        """The least any engine must do: one UPDATE, and one row per item written in bulk."""
        with transaction.atomic():
            operation = BulkOperation.objects.create(
                location=location,
                created_by=user,
                target="tickets",
                operation_type="update_status",
                parameters={"status": Status.RESOLVED},
                total=len(ids),
                status=OperationStatus.IN_PROGRESS,
            )
            now = timezone.now()
            Ticket.objects.filter(pk__in=ids).update(status=Status.RESOLVED, last_operation=operation, updated_at=now)
            BulkOperationItem.objects.bulk_create(
                (
                    BulkOperationItem(
                        operation=operation,
                        object_id=pk,
                        status=ItemStatus.SUCCEEDED,
                        before={"status": Status.OPEN},
                        processed_at=now,
                    )
                    for pk in ids
                ),
                batch_size=INSERT_BATCH,
            )
            BulkOperation.objects.filter(pk=operation.pk).update(
                processed=len(ids), successful=len(ids), status=OperationStatus.COMPLETED, completed_at=now
            )

    def _cleanup(self) -> None:
        """Delete what the benchmark made; the item rows first, with one DELETE."""
        location = Location.objects.filter(slug=BENCH_SLUG).first()
        if location is not None:
            BulkOperationItem.objects.filter(operation__location=location).delete()
            Ticket.objects.filter(location=location).delete()
            BulkOperation.objects.filter(location=location).delete()
            location.delete()
        get_user_model().objects.filter(username=BENCH_USER).delete()
