"""Benchmark: the analytics page over a large history, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulkops_analytics \\
        python manage.py bench_analytics --operations 100000 --items 10000000

Generates the history in its own location ("Analytics benchmark") with INSERT … SELECT
generate_series (operations spread over 90 days, item rows matching every operation's
counters, the error-count rollup the engine keeps), then renders the analytics page for
the last 90 days --runs times through the full Django stack and prints the server time.
An existing benchmark location with the requested sizes is reused (--fresh to rebuild).
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Location, Membership, Role
from operations.models import BulkOperation, BulkOperationItem

SLUG = "analytics-benchmark"
TYPES = ["update_status", "assign", "add_comment", "update_priority", "update_category", "delete"]

OPERATIONS_SQL = """
INSERT INTO operations_bulkoperation (
    id, location_id, created_by_id, target, operation_type, parameters, selection, metadata, status,
    error_message, total, processed, successful, failed, skipped, created_at, started_at, completed_at,
    idempotency_key, request_fingerprint, result_file
)
SELECT
    md5(%(slug)s || g)::uuid, %(location)s, %(user)s, 'tickets', (%(types)s::text[])[1 + g %% 6], '{}', '{}', '{}',
    s.status, '', s.total,
    s.processed, s.processed - s.failed - s.skipped, s.failed, s.skipped,
    s.created_at,
    CASE WHEN s.status = 'draft' OR s.status = 'pending' THEN NULL ELSE s.created_at + interval '1 second' END,
    CASE WHEN s.status = 'completed' OR s.status = 'failed'
         THEN s.created_at + interval '1 second' + s.total * (5 + g %% 20) * interval '1 millisecond' END,
    '', '', ''
FROM generate_series(1, %(operations)s) AS g
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN g %% 100 < 85 THEN 'completed' WHEN g %% 100 < 90 THEN 'failed'
             WHEN g %% 100 < 95 THEN 'cancelled' WHEN g %% 100 < 97 THEN 'in_progress'
             WHEN g %% 100 < 99 THEN 'pending' ELSE 'draft' END AS status,
        -- Pairs of operations are base + k and base - k records: exactly base per operation on average.
        %(base)s + CASE WHEN g %% 2 = 1 THEN 1 ELSE -1 END * (((g - 1) / 2 * 37) %% %(base)s)
            + CASE WHEN g = 1 THEN %(remainder)s ELSE 0 END AS total,
        now() - ((g * 7919) %% (90 * 86400 - 3600)) * interval '1 second' AS created_at
) AS t
CROSS JOIN LATERAL (
    SELECT t.status, t.total, t.created_at,
        CASE t.status WHEN 'completed' THEN t.total WHEN 'failed' THEN t.total / 2
             WHEN 'cancelled' THEN t.total / 3 WHEN 'in_progress' THEN t.total / 2 ELSE 0 END AS processed,
        CASE WHEN t.status = 'failed' THEN t.total / 2
             WHEN t.status IN ('completed', 'in_progress') AND g %% 10 = 0 THEN t.total / 10 ELSE 0 END AS failed,
        CASE WHEN t.status = 'completed' AND g %% 17 = 0 AND t.total > 20 THEN 1 ELSE 0 END AS skipped
) AS s
"""

ITEMS_SQL = """
INSERT INTO operations_bulkoperationitem (operation_id, object_id, status, error_message, before, processed_at)
SELECT o.id, n,
    CASE WHEN n <= o.successful THEN 'succeeded' WHEN n <= o.successful + o.failed THEN 'failed'
         WHEN n <= o.processed THEN 'skipped' ELSE 'pending' END,
    CASE WHEN n > o.successful AND n <= o.successful + o.failed
         THEN (ARRAY['Ticket not found', 'Insufficient permissions to update ticket',
                     'Unexpected error: deadlock detected'])[1 + n %% 3] ELSE '' END,
    NULL,
    CASE WHEN n <= o.processed THEN o.started_at END
FROM operations_bulkoperation o
CROSS JOIN LATERAL generate_series(1, o.total) AS n
WHERE o.location_id = %(location)s
"""

ROLLUP_SQL = """
INSERT INTO operations_operationerrorcount
    (operation_id, location_id, created_by_id, target, operation_type, operation_created_at, message, count)
SELECT o.id, o.location_id, o.created_by_id, o.target, o.operation_type, o.created_at, i.error_message, COUNT(*)
FROM operations_bulkoperationitem i JOIN operations_bulkoperation o ON o.id = i.operation_id
WHERE o.location_id = %(location)s AND o.status IN ('completed', 'cancelled', 'failed') AND i.status = 'failed'
GROUP BY o.id, i.error_message
"""


class Command(BaseCommand):
    help = "Time the analytics page over a generated history (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--operations", type=int, default=100_000)
        parser.add_argument("--items", type=int, default=10_000_000)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--fresh", action="store_true", help="Delete and regenerate the benchmark data")

    def handle(self, *args, operations, items, runs, days, fresh, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run the benchmark on PostgreSQL (set DATABASE_URL).")
        if items < operations * 2:
            raise CommandError("Give at least two items per operation.")
        location, user = self._location_and_user()
        existing = BulkOperation.objects.filter(location=location).count()
        existing_items = BulkOperationItem.objects.filter(operation__location=location).count() if existing else 0
        if fresh or (existing, existing_items) != (operations, items):
            self._generate(location, user, operations, items)
        self.stdout.write(
            f"history: {BulkOperation.objects.filter(location=location).count():,} operations, "
            f"{BulkOperationItem.objects.filter(operation__location=location).count():,} item rows "
            f"in location '{location}'"
        )
        self._time_page(user, runs, days)

    def _location_and_user(self):
        location, _ = Location.objects.get_or_create(slug=SLUG, defaults={"name": "Analytics benchmark"})
        user, created = get_user_model().objects.get_or_create(username="analytics-benchmark")
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, location=location, defaults={"role": Role.ADMIN})
        return location, user

    def _generate(self, location, user, operations: int, items: int) -> None:
        base, remainder = divmod(items, operations)
        if operations % 2:
            raise CommandError("Give an even number of operations (they are generated in pairs).")
        params = {
            "slug": SLUG,
            "location": location.pk,
            "user": user.pk,
            "types": TYPES,
            "operations": operations,
            "base": base,
            "remainder": remainder,
        }
        with connection.cursor() as cursor:
            mine = "SELECT id FROM operations_bulkoperation WHERE location_id = %s"
            for table in ("operations_bulkoperationitem", "operations_operationerrorcount"):
                self._step(
                    f"delete old rows of {table}",
                    cursor,
                    f"DELETE FROM {table} WHERE operation_id IN ({mine})",
                    [location.pk],
                )
            self._step("delete old operations", cursor, mine.replace("SELECT id", "DELETE"), [location.pk])
            with transaction.atomic():
                self._step(f"insert {operations:,} operations", cursor, OPERATIONS_SQL, params)
                self._step(f"insert {items:,} item rows", cursor, ITEMS_SQL, params)
                self._step("roll up error counts", cursor, ROLLUP_SQL, params)
            self._step(
                "analyze",
                cursor,
                "VACUUM ANALYZE operations_bulkoperation, operations_bulkoperationitem, operations_operationerrorcount",
                [],
            )

    def _step(self, label: str, cursor, sql: str, params) -> None:
        started = time.perf_counter()
        cursor.execute(sql, params)
        self.stdout.write(f"  {label}: {time.perf_counter() - started:.1f} s")

    def _time_page(self, user, runs: int, days: int) -> None:
        client = Client()
        client.force_login(user)
        url = f"{reverse('analytics:index')}?period={days}"
        api_url = f"/api/v1/bulk-operations/analytics?days={days}"
        response = client.get(url)  # warm up: connection, templates, caches
        if response.status_code != 200:
            raise CommandError(f"The page answered {response.status_code}")
        for label, target in (("analytics page", url), ("analytics API", api_url)):
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(target)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            self.stdout.write(
                f"{label}, last {days} days, {runs} runs: median {statistics.median(timings):.0f} ms, "
                f"p95 {p95:.0f} ms, min {timings[0]:.0f} ms, max {timings[-1]:.0f} ms"
            )
