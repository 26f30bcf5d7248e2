"""Take the screenshots of docs/ (the main pages) in headless Chromium over seeded data.

    createdb -h 127.0.0.1 -U postgres bulkops_screens
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulkops_screens .venv/bin/python docs/screenshots.py

Use a scratch database: the script migrates it, runs `seed_demo`, then makes a history the
way users would: bulk operations on tickets run through the engine (some selections name
tickets that do not exist, so there are failures), one left half-done so "running now" has
something, and a small call campaign dialled with the simulated telephony backend. The
timestamps of that history are then moved back over the last three weeks (durations kept)
so the daily trend has a shape. Then it starts the app, logs in as admin and saves one
screenshot per page of PAGES. Needs Debian's chromium (`apt-get install -y chromium`).
"""

import datetime
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Location  # noqa: E402
from agents.models import Agent  # noqa: E402
from operations import engine  # noqa: E402
from operations.models import BulkOperation, BulkOperationItem, OperationStatus  # noqa: E402
from tickets.models import Ticket  # noqa: E402

PASSWORD = "demo12345"  # noqa: S105 (seed_demo's documented demo password)
RNG = random.Random(7)


def make_history(location: Location) -> None:
    if BulkOperation.objects.filter(location=location).exists():
        print("history already there")
        return
    from django.contrib.auth import get_user_model

    users = list(get_user_model().objects.filter(username__in=["admin", "manager"]))
    tickets = list(Ticket.objects.filter(location=location).values_list("pk", flat=True))
    agents = list(Agent.objects.filter(location=location).values_list("pk", flat=True))
    plans = [
        ("update_status", lambda: {"status": RNG.choice(["pending", "resolved", "closed"])}),
        ("update_priority", lambda: {"priority": RNG.choice(["low", "high", "urgent"])}),
        ("update_category", lambda: {"category": RNG.choice(["billing", "technical", "account"])}),
        ("assign", lambda: {"agent_id": RNG.choice(agents)}),
        ("add_comment", lambda: {"body": "Checked in bulk: see the knowledge-base article."}),
    ]
    for n in range(36):
        key, params = plans[n % len(plans)] if n % 3 else plans[0]
        ids = RNG.sample(tickets, RNG.randint(5, min(120, len(tickets))))
        if n % 4 == 0:
            ids += [10_000_000 + RNG.randint(1, 10**6) for _ in range(RNG.randint(1, 6))]  # not found
        operation, _ = engine.create_operation(
            user=RNG.choice(users),
            location=location,
            target="tickets",
            operation_type=key,
            params=params(),
            ids=ids,
        )
        if n % 11 == 5:
            engine.cancel_operation(operation=operation)
        else:
            engine.run_operation(operation.pk)
        shift = datetime.timedelta(days=RNG.choice([0, 1, 2, 3, 5, 6, 8, 9, 12, 13, 15, 19, 20]), hours=RNG.random())
        BulkOperation.objects.filter(pk=operation.pk).update(
            created_at=F("created_at") - shift,
            started_at=F("started_at") - shift,
            completed_at=F("completed_at") - shift,
            cancelled_at=F("cancelled_at") - shift,
        )
        BulkOperationItem.objects.filter(operation=operation).update(processed_at=F("processed_at") - shift)
    # One operation a worker is half-way through: it shows under "Running now".
    operation, _ = engine.create_operation(
        user=users[0],
        location=location,
        target="tickets",
        operation_type="update_priority",
        params={"priority": "normal"},
        ids=tickets[:200],
    )
    BulkOperation.objects.filter(pk=operation.pk).update(status=OperationStatus.IN_PROGRESS, started_at=timezone.now())
    settings.BULK_CHUNK_SIZE = 90
    engine.process_next_chunk(operation.pk)


def make_calls(location: Location) -> None:
    from campaigns import services
    from campaigns.dialer import dial_next
    from campaigns.models import Call
    from campaigns.telephony import SimulatedBackend

    if Call.objects.filter(campaign__location=location).exists():
        return
    numbers = [f"+1212555{n:04d}" for n in range(100, 140)]
    campaign, _ = services.create_campaign(
        location=location,
        user=None,
        file_bytes=("phone\n" + "\n".join(numbers) + "\n").encode(),
        filename="spring-follow-up.csv",
        name="Spring follow-up",
        timezone_name="America/New_York",
        pacing_seconds=1,
        business_hours={"enabled": False},
        retry_policy={"max_retries": 0},
    )
    now = timezone.now().replace(hour=15, minute=0)  # 10:00 in New York: calls allowed
    services.start_campaign(campaign_id=campaign.pk, now=now)
    backend = SimulatedBackend(seconds=0, rng=RNG)
    for _ in range(len(numbers) * 3):
        result = dial_next(campaign_id=campaign.pk, now=now, backend=backend)
        if result.stop:
            break
        now += datetime.timedelta(seconds=max(result.wait_seconds, 1))
    for call in Call.objects.filter(campaign=campaign):
        Call.objects.filter(pk=call.pk).update(created_at=F("created_at") - datetime.timedelta(days=RNG.randint(0, 6)))


TALL_PAGES = {"leads", "tickets"}  # long lists: the first screenful shows what matters


def _selector(selector: str):
    return lambda page: page.wait_for_selector(selector)


def _select_all_matching(page) -> None:
    page.check("[data-select-page]")
    page.click("[data-select-all-matching]")


def pages() -> list[tuple[str, str, object]]:
    """(file name, path, what to wait for or do before the shot) of every page in docs/."""
    from campaigns.models import Campaign
    from leads.models import Lead

    location = Location.objects.get(name="Demo Realty")
    completed = BulkOperation.objects.filter(location=location, status=OperationStatus.COMPLETED)
    operation = completed.filter(failed__gt=0, successful__gt=0).order_by("-total").first()
    lead = Lead.objects.filter(location=location).order_by("-score").first()
    campaign = Campaign.objects.filter(location=location).first()
    return [
        ("dashboard", "/", _selector("#analytics-cards")),
        ("leads", "/leads/?classification=hot", _select_all_matching),
        ("lead", f"/leads/{lead.pk}/", _selector("main")),
        ("builder", "/leads/bulk/?operation_type=change_stage", _selector("#builder-form")),
        ("tickets", "/tickets/?status=open", _selector("main")),
        ("operation", f"/operations/{operation.pk}/", _selector("#operation-live")),
        ("operations", "/operations/", _selector("main")),
        ("analytics", "/analytics/?period=30", lambda page: page.wait_for_function("window.Chart !== undefined")),
        ("agents", "/agents/", _selector("main")),
        ("templates", "/leads/bulk/templates/", _selector("main")),
        ("campaigns", "/campaigns/", _selector("main")),
        ("campaign", f"/campaigns/{campaign.pk}/", _selector("main")),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shoot(base: str, shots: list) -> None:
    from playwright.sync_api import sync_playwright

    docs = ROOT / "docs"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/lib/chromium/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

        for name, path, ready in shots:
            page.goto(base + path)
            ready(page)
            page.wait_for_timeout(500)
            page.screenshot(path=str(docs / f"{name}.png"), full_page=name not in TALL_PAGES)
            print(f"saved docs/{name}.png")
        browser.close()


def main() -> None:
    if "sqlite" in settings.DATABASES["default"]["ENGINE"] and "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a scratch database: this script adds demo data to it.")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", password=PASSWORD, verbosity=0)
    location = Location.objects.get(name="Demo Realty")
    make_history(location)
    make_calls(location)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        shoot(f"http://127.0.0.1:{port}", pages())
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
