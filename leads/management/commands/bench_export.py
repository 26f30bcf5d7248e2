"""Benchmark: export N leads to CSV (streamed, in a fresh process) against PostgreSQL's COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulkops_leadops \\
        python manage.py bench_export --leads 1000000

Creates the leads of a "bench-export" location if it has fewer than N, then measures, in
the same run, (1) leads.exporting.export_queryset to CSV in a child process, with that
process's peak RSS, and (2) `COPY (SELECT …) TO STDOUT WITH CSV` of the same rows and columns.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Location
from leads import exporting
from leads.models import Lead

FIELDS = list(exporting.DEFAULT_FIELDS)
SLUG = "bench-export"


class Command(BaseCommand):
    help = "Time a streamed CSV export of N leads against COPY … TO STDOUT, with the export's peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=1_000_000)
        parser.add_argument("--child", action="store_true", help="Internal: run the export and report JSON")
        parser.add_argument("--path", default="")
        parser.add_argument("--python", action="store_true", help="Internal: force the Python-streamed writer")
        parser.add_argument(
            "--engine", action="store_true", help="Also run a whole export operation on the engine (slow)"
        )
        parser.add_argument("--engine-child", action="store_true", help="Internal")

    def handle(self, *args, leads, child, path, python, engine, engine_child, **options):
        if child:
            return self._child(Path(path), allow_copy=not python)
        if engine_child:
            return self._engine_child()
        if connection.vendor != "postgresql":
            raise CommandError("The comparison with COPY needs PostgreSQL: set DATABASE_URL=postgres://…")
        location = self._ensure_leads(leads)
        with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
            copy_seconds, copy_bytes = self._copy(location, Path(tmp) / "copy.csv")
            self.stdout.write(f"COPY (SELECT …) TO STDOUT WITH CSV: {copy_seconds:.2f} s ({copy_bytes / 1e6:.1f} MB)")
            for label, extra in (
                ("export (COPY-based, used on PostgreSQL)", []),
                ("export (Python-streamed)", ["--python"]),
            ):
                export_path = Path(tmp) / "export.csv"
                started = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "manage.py", "bench_export", "--child", "--path", str(export_path), *extra],
                    cwd=settings.BASE_DIR,
                    env=os.environ.copy(),
                    check=True,
                    capture_output=True,
                    text=True,
                )
                wall = time.perf_counter() - started
                report = json.loads(out.stdout.strip().splitlines()[-1])
                size = export_path.stat().st_size
                export_path.unlink()
                self.stdout.write(
                    f"{label}: {report['rows']:,} leads in {report['seconds']:.2f} s ({size / 1e6:.1f} MB), "
                    f"{report['seconds'] / copy_seconds:.2f}x COPY (target: within 3x); "
                    f"peak RSS {report['peak_rss_mb']:.1f} MB (Django loaded: {report['baseline_rss_mb']:.1f} MB); "
                    f"process wall incl. start-up {wall:.2f} s"
                )

            if engine:
                self._run_engine_child(Path(tmp))

    def _run_engine_child(self, media: Path) -> None:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "manage.py", "bench_export", "--engine-child"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "MEDIA_ROOT": str(media)},
            check=True,
            capture_output=True,
            text=True,
        )
        report = json.loads(out.stdout.strip().splitlines()[-1])
        self.stdout.write(
            f"whole export operation on the engine (select {report['rows']:,} by filter, run every chunk, "
            f"write the file in finish()): create {report['create_seconds']:.1f} s, run {report['run_seconds']:.1f} s, "
            f"status {report['status']}; peak RSS of that worker process {report['peak_rss_mb']:.1f} MB; "
            f"wall {time.perf_counter() - started:.1f} s"
        )

    def _engine_child(self) -> None:
        """One process doing what a worker does for an export operation of every bench lead."""
        from django.contrib.auth import get_user_model

        from accounts.models import Membership, Role
        from operations import engine
        from operations.models import BulkOperation

        location = Location.objects.get(slug=SLUG)
        user, _ = get_user_model().objects.get_or_create(username="bench-export")
        Membership.objects.get_or_create(user=user, location=location, defaults={"role": Role.MANAGER})
        BulkOperation.objects.filter(created_by=user).delete()
        started = time.perf_counter()
        operation, _ = engine.create_operation(
            user=user,
            location=location,
            target="leads",
            operation_type="export",
            params={"format": "csv", "fields": FIELDS},
            filters={},
        )
        created = time.perf_counter()
        engine.run_operation(operation.pk, slice_seconds=10**9)
        finished = time.perf_counter()
        operation.refresh_from_db()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            json.dumps(
                {
                    "rows": operation.successful,
                    "status": operation.status,
                    "create_seconds": created - started,
                    "run_seconds": finished - created,
                    "peak_rss_mb": peak,
                }
            )
        )

    def _child(self, path: Path, *, allow_copy: bool) -> None:
        location = Location.objects.get(slug=SLUG)
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        rows = exporting.export_queryset(
            Lead.objects.filter(location=location), fields=FIELDS, fmt="csv", path=path, allow_copy=allow_copy
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak, "baseline_rss_mb": baseline})
        )

    def _copy(self, location, path: Path) -> tuple[float, int]:
        columns = ", ".join(connection.ops.quote_name(name) for name in FIELDS)
        sql = (
            f"COPY (SELECT {columns} FROM leads_lead WHERE location_id = {int(location.pk)} ORDER BY id) "
            "TO STDOUT WITH CSV HEADER"
        )
        size = 0
        started = time.perf_counter()
        with connection.cursor() as cursor, open(path, "wb") as handle, cursor.cursor.copy(sql) as copy:
            for block in copy:
                handle.write(block)
                size += len(block)
        return time.perf_counter() - started, size

    def _ensure_leads(self, count: int) -> Location:
        location, _ = Location.objects.get_or_create(slug=SLUG, defaults={"name": "Bench export"})
        have = Lead.objects.filter(location=location).count()
        if have < count:
            self.stdout.write(f"Creating {count - have:,} leads …")
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO leads_lead (location_id, first_name, last_name, email, phone, area, source,
                        timeline, stage, score, classification, do_not_contact, created_at, updated_at)
                    SELECT %s, 'First' || g, CASE WHEN g %% 50 = 0 THEN '=HYPERLINK(1)' ELSE 'Last' || g END,
                        'lead' || g || '@example.com', '+1415555' || lpad((g %% 10000)::text, 4, '0'), 'Austin',
                        'website', 'unknown', 'new', g %% 101, 'warm', false, now(), now()
                    FROM generate_series(%s, %s) AS g
                    """,
                    [location.pk, have + 1, count],
                )
            cursor = connection.cursor()
            cursor.execute("ANALYZE leads_lead")
        return location
