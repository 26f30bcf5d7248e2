"""Load: concurrent users start operations over the API while several workers drain them.

    createdb -h 127.0.0.1 -U postgres bulkops_load
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulkops_load REDIS_URL=redis://127.0.0.1:6379/5
    python manage.py migrate && python manage.py bench_load --users 20 --workers 4

The scale-out configuration on one machine: daphne (web), `--workers` qcluster processes,
PostgreSQL, Redis as django-q2 broker and channel layer. Each simulated user logs in for a
JWT, starts `--operations` ticket operations on tickets of their own with
POST /api/v1/tickets/bulk-operations, and watches each on /ws/bulk-operations/{id}/ as the
live page does. Prints operations/s and items/s from the first request to the last
completion, and the latency of the live updates (arrival at the client minus the message's
own timestamp, which the publisher sets). Its own location and users are deleted at the end.
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Location, Membership, Role
from operations.models import BulkOperation, BulkOperationItem, OperationStatus
from tickets.models import Ticket

SLUG = "bench-load"
PASSWORD = "bench-load-password"  # noqa: S105 (throw-away users of the benchmark's own location)
TYPES = [
    ("update_status", {"status": "resolved"}),
    ("update_priority", {"priority": "high"}),
    ("add_comment", {"body": "Load test"}),
    ("update_category", {"category": "billing"}),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()


class Command(BaseCommand):
    help = "Load test: concurrent users start bulk operations over the API while several workers drain them."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20)
        parser.add_argument("--operations", type=int, default=3, help="Operations per user (default 3)")
        parser.add_argument("--tickets", type=int, default=500, help="Tickets per operation (default 500)")
        parser.add_argument("--workers", type=int, default=4, help="qcluster processes (default 4)")
        parser.add_argument("--timeout", type=float, default=600, help="Give up after this many seconds")

    def handle(self, *args, users, operations, tickets, workers, timeout, **options):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError(
                "Run this on the scale-out configuration: DATABASE_URL=postgres://… and REDIS_URL=redis://…"
            )
        if min(users, operations, tickets, workers) < 1:
            raise CommandError("--users, --operations, --tickets and --workers must be positive.")
        if operations > settings.BULK_MAX_ACTIVE_PER_USER:
            raise CommandError(
                f"--operations may not exceed BULK_MAX_ACTIVE_PER_USER ({settings.BULK_MAX_ACTIVE_PER_USER})."
            )
        self._cleanup()
        names = self._make_data(users, operations * tickets)
        cluster = f"load-{uuid.uuid4().hex[:8]}"
        processes = []
        try:
            port = _free_port()
            env = {**os.environ, "Q_CLUSTER_NAME": cluster, "Q_WORKERS": "1", "BULK_CREATE_THROTTLE": "100000/min"}
            processes.append(
                self._start(["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"], env)
            )
            processes += [self._start(["manage.py", "qcluster"], env) for _ in range(workers)]
            self._wait_for_port(port)
            ticket_ids = list(Ticket.objects.filter(location__slug=SLUG).order_by("pk").values_list("pk", flat=True))
            report = asyncio.run(self._load(f"127.0.0.1:{port}", names, ticket_ids, operations, tickets, timeout))
        finally:
            for process in processes:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self._report(report, users=users, operations=operations, tickets=tickets, workers=workers)
        self._cleanup()

    # --- set-up ---------------------------------------------------------------------------

    def _make_data(self, users: int, tickets_each: int) -> list[str]:
        location = Location.objects.create(name="Bench load", slug=SLUG)
        names = []
        for n in range(users):
            user = get_user_model().objects.create_user(username=f"{SLUG}-{n}", password=PASSWORD)
            Membership.objects.create(user=user, location=location, role=Role.MANAGER)
            names.append(user.username)
        total = users * tickets_each
        self.stdout.write(f"Creating {total:,} tickets for {users} users …")
        Ticket.objects.bulk_create(
            (Ticket(location=location, number=n, subject=f"Load ticket {n}") for n in range(1, total + 1)),
            batch_size=5000,
        )
        return names

    def _start(self, argv: list[str], env: dict) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *argv],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _wait_for_port(self, port: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise CommandError("daphne did not start listening within 30 s")

    # --- the load -------------------------------------------------------------------------

    async def _load(
        self, host: str, names: list[str], ticket_ids: list[int], operations: int, tickets: int, timeout: float
    ) -> dict:
        import aiohttp

        per_user = operations * tickets
        report = {"latencies": [], "create_seconds": [], "operations": [], "errors": []}
        started = time.time()
        async with aiohttp.ClientSession(base_url=f"http://{host}") as http:
            await asyncio.wait_for(
                asyncio.gather(
                    *(
                        self._user(http, host, name, ticket_ids[n * per_user : (n + 1) * per_user], tickets, report)
                        for n, name in enumerate(names)
                    )
                ),
                timeout,
            )
        report["seconds"] = time.time() - started
        return report

    async def _user(self, http, host: str, name: str, ids: list[int], size: int, report: dict) -> None:
        response = await http.post("/api/v1/auth/token/", json={"username": name, "password": PASSWORD})
        token = (await response.json())["access"]
        headers = {"Authorization": f"Bearer {token}"}
        watchers = []
        for n in range(len(ids) // size):
            key, data = TYPES[n % len(TYPES)]
            body = {"ticket_ids": ids[n * size : (n + 1) * size], "operation_type": key, "operation_data": data}
            sent = time.perf_counter()
            response = await http.post("/api/v1/tickets/bulk-operations", json=body, headers=headers)
            report["create_seconds"].append(time.perf_counter() - sent)
            if response.status != 201:
                report["errors"].append(f"{name}: create answered {response.status} {await response.text()}")
                continue
            operation_id = (await response.json())["operation_id"]
            report["operations"].append(operation_id)
            watchers.append(asyncio.create_task(self._watch(http, host, operation_id, headers, report)))
        await asyncio.gather(*watchers)

    async def _watch(self, http, host: str, operation_id: str, headers: dict, report: dict) -> None:
        url = f"ws://{host}/ws/bulk-operations/{operation_id}/"
        async with http.ws_connect(url, headers={**headers, "Origin": f"http://{host}"}) as ws:
            async for frame in ws:
                message = json.loads(frame.data)
                arrived = time.time()
                if message["type"] == "progress_update":
                    report["latencies"].append(arrived - _parse_time(message["timestamp"]))
                elif message["type"] == "operation_completed":
                    if message.get("completed_at"):
                        report["latencies"].append(arrived - _parse_time(message["completed_at"]))
                    return

    # --- results --------------------------------------------------------------------------

    def _report(self, report: dict, *, users: int, operations: int, tickets: int, workers: int) -> None:
        finished = BulkOperation.objects.filter(pk__in=report["operations"])
        completed = finished.filter(status=OperationStatus.COMPLETED)
        items = BulkOperationItem.objects.filter(operation__in=completed).count()
        processed = sum(completed.values_list("processed", flat=True))
        seconds = report["seconds"]
        latencies = sorted(report["latencies"])
        creates = sorted(report["create_seconds"])
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(
            f"{users} users x {operations} operations x {tickets:,} tickets, {workers} workers; "
            f"load average {load} on {os.cpu_count()} CPUs"
        )
        self.stdout.write(
            f"operations completed  {completed.count():>8,} of {len(report['operations']):,} in {seconds:.1f} s"
        )
        self.stdout.write(f"operations/s          {completed.count() / seconds:>8.2f}")
        self.stdout.write(
            f"items/s               {processed / seconds:>8,.0f}   (item rows {items:,}, processed {processed:,})"
        )
        if creates:
            self.stdout.write(
                f"create request        median {statistics.median(creates) * 1000:.0f} ms, "
                f"p95 {creates[int(0.95 * (len(creates) - 1))] * 1000:.0f} ms"
            )
        if latencies:
            self.stdout.write(
                f"live update latency   median {statistics.median(latencies) * 1000:.0f} ms, "
                f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms, "
                f"max {latencies[-1] * 1000:.0f} ms over {len(latencies):,} messages"
            )
        for error in report["errors"][:10]:
            self.stdout.write(self.style.ERROR(error))
        if processed != items or completed.count() != len(report["operations"]):
            raise CommandError("Not every operation completed with every item processed once.")

    def _cleanup(self) -> None:
        location = Location.objects.filter(slug=SLUG).first()
        if location is not None:
            BulkOperationItem.objects.filter(operation__location=location).delete()
            BulkOperation.objects.filter(location=location).delete()
            Ticket.objects.filter(location=location).delete()
            location.delete()
        get_user_model().objects.filter(username__startswith=f"{SLUG}-").delete()
