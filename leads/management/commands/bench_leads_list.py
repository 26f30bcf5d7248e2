"""Times the leads list page as a logged-in admin of a location sees it: server time only.

Usage: python manage.py bench_leads_list [--location SLUG] [--runs N]
Runs the real view through the Django test client (middleware, session, queries and
template rendering included) against the data already in the database.
"""

import os
import re
import statistics
import time
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import Location, Membership, Role
from leads.models import Lead
from leads.selectors import DEFAULT_LEAD_SORT, LEAD_SORTS, LEADS_PER_PAGE, leads_matching
from web.pagination import encode_cursor

DEEP_PAGE = 2000
SUMMARY = re.compile(r'class="results-summary"><strong>(.*?)</strong>', re.S)


class Command(BaseCommand):
    help = "Print median and p95 server time of the leads list: first, filtered, deep page and searches."

    def add_arguments(self, parser):
        parser.add_argument("--location", help="Location slug (default: the one with the most leads)")
        parser.add_argument("--runs", type=int, default=20, help="Timed requests per case (default 20)")

    def handle(self, *args, location=None, runs=20, **options):
        location = self._location(location)
        members = Membership.objects.filter(location=location).select_related("user").order_by("id")
        member = members.filter(role=Role.ADMIN).first() or members.first()
        if member is None:
            raise CommandError(f"{location} has no members to log in as.")
        total = Lead.objects.filter(location=location).count()
        load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        self.stdout.write(
            f"{location.name}: {total:,} leads, {connection.vendor}, logged in as {member.user} ({member.role}), "
            f"{runs} runs per case; machine load average {load} on {os.cpu_count()} CPUs"
        )

        client = Client()
        client.force_login(member.user)
        session = client.session
        session[SESSION_KEY] = location.pk
        session.save()

        url = reverse("leads:list")
        self.stdout.write(f"{'case':<44}{'median ms':>10}{'p95 ms':>10}{'queries':>9}  result")
        for label, query in self._cases(location):
            self._time(client, label, f"{url}?{query}" if query else url, runs)

    def _location(self, slug: str | None) -> Location:
        if slug:
            try:
                return Location.objects.get(slug=slug)
            except Location.DoesNotExist as exc:
                raise CommandError(f"No location with slug {slug!r}.") from exc
        location = Location.objects.annotate(n=Count("leads")).order_by("-n").first()
        if location is None:
            raise CommandError("No locations: seed some data first (python manage.py seed_demo --leads N).")
        return location

    def _cases(self, location: Location) -> list[tuple[str, str]]:
        cases = [("first page", ""), ("filtered: stage=qualified&score_min=60", "stage=qualified&score_min=60")]
        sort = LEAD_SORTS[DEFAULT_LEAD_SORT]
        offset = DEEP_PAGE * LEADS_PER_PAGE - 1
        edge = (
            leads_matching(location=location, filters={})
            .order_by(*[f"-{f}" for f in sort.fields])
            .values_list(*sort.fields)[offset : offset + 1]
        )
        if edge:
            cursor = encode_cursor(DEFAULT_LEAD_SORT, list(edge[0]))
            cases.append((f"deep: page {DEEP_PAGE + 1} (after row {offset + 1:,})", urlencode({"after": cursor})))
        score_sort = LEAD_SORTS["-score"]
        score_edge = (
            leads_matching(location=location, filters={"score_min": 0})
            .order_by(*[f"-{f}" for f in score_sort.fields])
            .values_list(*score_sort.fields)[offset : offset + 1]
        )
        if score_edge:
            cursor = encode_cursor("-score", list(score_edge[0]))
            cases.append((f"deep, by score: page {DEEP_PAGE + 1}", urlencode({"sort": "-score", "after": cursor})))
        sample = Lead.objects.filter(location=location).order_by("id").values("last_name", "email", "phone").first()
        if sample:
            cases.append((f"search, common: q={sample['last_name']}", urlencode({"q": sample["last_name"]})))
            cases.append((f"search, email: q={sample['email']}", urlencode({"q": sample["email"]})))
            if sample["phone"]:
                # A rare substring: no index serves it, the whole location is scanned.
                cases.append((f"search, rare: q={sample['phone']}", urlencode({"q": sample["phone"]})))
        return cases

    def _time(self, client: Client, label: str, url: str, runs: int) -> None:
        response = client.get(url)  # warm-up: caches, connection, template loading
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
        match = SUMMARY.search(response.content.decode())
        result = " ".join(match.group(1).split()) if match else "no results summary on the page"
        self.stdout.write(f"{label[:43]:<44}{median:>10.1f}{p95:>10.1f}{len(queries):>9}  {result}")
