"""Benchmark: real qcluster workers dial several campaigns in simulated mode on PostgreSQL.

Runs against the database DATABASE_URL names, which must be a scratch database whose name starts
with "bench" or "test" (create it and `manage.py migrate` it first); the location it creates, and
everything under it, is deleted at the end.
"""

import datetime
import itertools
import os
import signal
import subprocess
import sys
import time
import zoneinfo
from collections import Counter, defaultdict
from contextlib import suppress
from pathlib import Path

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import Location, Membership, Role
from campaigns import services
from campaigns.dialer import calling_window, contact_time_zones, contact_window_open
from campaigns.models import Call, Campaign, CampaignState

PROJECT_DIR = Path(settings.BASE_DIR)
RANGES = {
    "America/New_York": "+1212555",
    "Europe/London": "+44207946",
    "Asia/Tokyo": "+8133224",
    "Australia/Sydney": "+6129374",
}


def numbers_callable_now(count: int) -> list[str]:
    """Valid numbers of one single-zone range whose local time is inside 08:00-20:00 now."""
    now = timezone.now()
    for zone, prefix in RANGES.items():
        local = now.astimezone(zoneinfo.ZoneInfo(zone)).time()
        if datetime.time(8, 0) <= local < datetime.time(20, 0):
            width = max(len(str(count * 3)), 4)
            numbers = (f"{prefix}{i:0{width}d}" for i in itertools.count())
            valid = []
            for n in itertools.islice(numbers, 10**width):
                if phonenumbers.is_valid_number(phonenumbers.parse(n)) and contact_time_zones(n) == (zone,):
                    valid.append(n)
                    if len(valid) == count:
                        return valid
    raise CommandError(f"no number range has {count} numbers in its calling window now")


class Command(BaseCommand):
    help = (
        "Dial --contacts contacts over --campaigns campaigns with --workers real qcluster processes "
        "(simulated telephony, 0 s calls) on a scratch PostgreSQL database; print calls per second, "
        "attempts, (contact, attempt) duplicates, the smallest gap between two calls of a campaign, "
        "calls outside the callee's window, and wall time. Deletes what it created."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=10_000)
        parser.add_argument("--campaigns", type=int, default=4)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--pacing-seconds", type=int, default=0)
        parser.add_argument("--max-concurrent-calls", type=int, default=8)
        parser.add_argument("--timeout", type=int, default=3600, help="seconds before giving up")

    def handle(self, *args, **opts):
        db = connection.settings_dict
        if connection.vendor != "postgresql" or not db["NAME"].startswith(("bench", "test")):
            raise CommandError("needs a scratch PostgreSQL database named bench* or test* (DATABASE_URL)")
        location = Location.objects.create(name="bench_dialer", slug=f"bench-dialer-{os.getpid()}")
        try:
            self._run(location, opts, db)
        finally:
            Location.objects.filter(pk=location.pk).delete()
            get_user_model().objects.filter(username=f"bench_dialer_{os.getpid()}").delete()

    def _run(self, location, opts, db):
        user = get_user_model().objects.create_user(username=f"bench_dialer_{os.getpid()}", password=None)
        Membership.objects.create(user=user, location=location, role=Role.MANAGER)
        numbers = numbers_callable_now(opts["contacts"])
        per = -(-len(numbers) // opts["campaigns"])
        campaigns = []
        for index in range(opts["campaigns"]):
            chunk = numbers[index * per : (index + 1) * per]
            campaign, _ = services.create_campaign(
                location=location,
                user=user,
                file_bytes=("phone\n" + "\n".join(chunk)).encode(),
                filename=f"bench{index}.csv",
                timezone_name="UTC",
                max_concurrent_calls=opts["max_concurrent_calls"],
                business_hours={"enabled": False},
                retry_policy={"max_retries": 0, "backoff_hours": [1], "retryable_outcomes": []},
            )
            campaigns.append(campaign)
        ids = [c.pk for c in campaigns]
        Campaign.objects.filter(pk__in=ids).update(pacing_seconds=opts["pacing_seconds"])
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_NAME")},
            "DATABASE_URL": f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{db['NAME']}",
            "TELEPHONY_BACKEND": "simulated",
            "SIMULATED_CALL_SECONDS": "0",
            "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
        }
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=PROJECT_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for _ in range(opts["workers"])
        ]
        started = time.monotonic()
        try:
            for campaign in campaigns:
                services.start_campaign(campaign_id=campaign.pk)
            deadline = started + opts["timeout"]
            while time.monotonic() < deadline:
                if not Campaign.objects.filter(pk__in=ids, state=CampaignState.RUNNING).exists():
                    break
                time.sleep(1)
            wall = time.monotonic() - started
        finally:
            for process in processes:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        self._report(campaigns, ids, opts, wall, location)

    def _report(self, campaigns, ids, opts, wall, location):
        calls = list(
            Call.objects.filter(campaign_id__in=ids).values_list("campaign_id", "created_at", "contact__phone")
        )
        duplicates = (
            Call.objects.filter(campaign_id__in=ids)
            .values("contact_id", "attempt")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        window = calling_window(location.pk)
        outside = sum(not contact_window_open(contact_time_zones(phone), at, window) for _, at, phone in calls)
        by_campaign = defaultdict(list)
        for campaign_id, at, _ in calls:
            by_campaign[campaign_id].append(at)
        out = self.stdout.write
        states = Counter(Campaign.objects.filter(pk__in=ids).values_list("state", flat=True))
        out(f"contacts {opts['contacts']}, campaigns {opts['campaigns']}, workers {opts['workers']} (qclusters)")
        out(f"campaign states: {dict(states)}")
        out(f"total attempts: {len(calls)}")
        out(f"wall time: {wall:.1f} s; calls per second overall: {len(calls) / wall:.1f}")
        for campaign in campaigns:
            times = sorted(by_campaign[campaign.pk])
            gap = min((b - a).total_seconds() for a, b in itertools.pairwise(times)) if len(times) > 1 else None
            gap_text = "n/a" if gap is None else f"{gap:.3f} s"
            out(
                f"  campaign {campaign.pk}: {len(times)} calls, {len(times) / wall:.1f}/s, "
                f"min gap {gap_text} (pacing {opts['pacing_seconds']} s)"
            )
        out(f"(contact, attempt) duplicates: {duplicates}")
        out(f"calls placed outside the callee's window: {outside}")
