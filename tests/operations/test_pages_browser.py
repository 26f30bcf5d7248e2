"""The operation pages in a real chromium, against daphne (WebSockets) and a real worker."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests import factories
from tests.workers import database_url, running_workers, sqlite_file_database, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.workers,
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def web_server(log_dir: Path, *, cluster_name: str = "unused", env: dict[str, str] | None = None):
    """daphne serving the project on the test database, queueing work for `cluster_name`'s workers.

    `env` replaces this process's environment (the database and cluster name are still set).
    """
    port = free_port()
    env = {
        **(os.environ if env is None else env),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "Q_CLUSTER_NAME": cluster_name,
    }
    with open(log_dir / "daphne.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def listening():
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, timeout=30, message="daphne to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@contextlib.contextmanager
def site_with_worker(tmp_path: Path):
    """The test database shared with one worker and daphne: yields (base URL, worker pool)."""
    with (
        sqlite_file_database(tmp_path),
        running_workers(1, env={"BULK_CHUNK_SIZE": "20"}) as pool,
        web_server(tmp_path, cluster_name=pool.cluster_name) as base,
    ):
        yield base, pool


@pytest.fixture
def data(location):
    user = factories.make_user("browser-manager", location=location, role=Role.MANAGER, password="pw-browser")
    tickets = [factories.make_ticket(location, status="open") for _ in range(120)]
    return user, tickets


def log_in(page, base, user):
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-browser")
    page.click("button[type=submit]")
    page.wait_for_url(base + reverse("dashboard"))


def choose_all_and_confirm(page, base):
    """From the tickets list's bar to the bulk page, its preview, and Execute."""
    page.goto(base + reverse("tickets:list") + "?status=open")
    page.check("[data-select-page]")
    page.click("[data-select-all-matching]")
    page.select_option("#bulk-operation-type", "update_status")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_url("**/operations/tickets/bulk/**")
    page.select_option("select[name=params-status]", "resolved")
    page.click("text=Preview (dry run)")
    question = page.inner_text("#bulk-question")
    page.click("button[value=run]")
    page.wait_for_url("**/operations/*/")
    return question


def test_bulk_bar_to_live_page_updates_over_the_websocket(tmp_path, data, browser_page):
    user, _ = data
    page = browser_page
    frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    with site_with_worker(tmp_path) as (base, pool):
        log_in(page, base, user)
        question = choose_all_and_confirm(page, base)

        assert question == "Update status of 120 tickets to Resolved?"
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        assert page.inner_text("#operation-live [data-field=status]") == "Completed"
        assert page.inner_text("#operation-live dd[data-field=successful]") == "120"
        assert page.get_attribute("[role=progressbar]", "aria-valuenow") == "100"
        # The page may turn final from a server render of its partial before the socket's last
        # frame arrives; Playwright delivers frames while it waits, so wait in the page.
        for _ in range(100):
            if any('"operation_completed"' in str(frame) for frame in frames):
                break
            page.wait_for_timeout(100)
        assert any('"operation_completed"' in str(frame) for frame in frames), frames
        operation = BulkOperation.objects.get()
        assert operation.status == OperationStatus.COMPLETED, pool.output()
        assert page.url == base + reverse("operations:detail", args=[operation.pk])


def test_live_page_falls_back_to_polling_when_the_socket_fails(tmp_path, data, browser_page):
    user, _ = data
    page = browser_page
    page.route_web_socket("**/ws/bulk-operations/**", lambda ws: ws.close())
    with site_with_worker(tmp_path) as (base, pool):
        log_in(page, base, user)
        choose_all_and_confirm(page, base)

        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        assert page.inner_text("#operation-live [data-field=status]") == "Completed"
        assert page.evaluate("window.operationSocketLive") is False
        assert BulkOperation.objects.get().successful == 120, pool.output()
        page.click("#operation-items a:has-text('Succeeded')")
        page.wait_for_selector("#operation-items .badge-item-succeeded")


def test_cancel_asks_in_a_dialog_then_shows_the_cancelled_operation(tmp_path, data, browser_page, location):
    user, tickets = data
    page = browser_page
    operation, _ = engine.create_operation(  # No worker runs: it stays pending.
        user=user,
        location=location,
        target="tickets",
        operation_type="update_status",
        params={"status": "closed"},
        ids=[t.pk for t in tickets],
    )
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    with sqlite_file_database(tmp_path), web_server(tmp_path) as base:
        log_in(page, base, user)
        page.goto(base + reverse("operations:detail", args=[operation.pk]))
        page.click("text=Cancel operation")
        page.wait_for_selector("#operation-live [data-status=cancelled]")

        assert dialogs and dialogs[0].startswith("Cancel this operation?")
        assert "Operation cancelled after 0 of 120 records." in page.inner_text(".messages")
        operation.refresh_from_db()
        assert operation.status == OperationStatus.CANCELLED


def test_results_read_by_name_and_an_undo_from_the_page_names_both_ways(tmp_path, data, browser_page, location):
    """Issue 13 item 3 in chromium: rows name the ticket and its change; Undo makes "Undo of …",
    whose rows show the change reversed, and the original then says "Undone by"."""
    user, tickets = data
    location.timezone = "America/New_York"
    location.save()
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    with site_with_worker(tmp_path) as (base, pool):
        log_in(page, base, user)
        choose_all_and_confirm(page, base)
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        original = BulkOperation.objects.get()
        # A fresh render of the finished page: the items' own reload on finishing cannot race the tab.
        page.goto(page.url.split("?")[0] + "?status=succeeded")
        row = page.locator(f"#operation-items tr[data-object-id='{tickets[0].pk}']")
        row.wait_for()
        assert row.locator("a").inner_text() == str(tickets[0])
        assert row.locator("[data-change]").inner_text() == "Open → Resolved"
        times = page.inner_text("#operation-live dl.details")  # Started, Completed: New York's, named
        assert " EST" in times or " EDT" in times

        page.click("#operation-live >> text=Undo")
        page.wait_for_url(lambda url: str(original.pk) not in url and "/operations/" in url)
        assert page.inner_text("h1") == "Undo of Update status · 120 tickets"
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        # A fresh render of the finished page: the items' own reload on finishing cannot race the tab.
        page.goto(page.url.split("?")[0] + "?status=succeeded")
        row = page.locator(f"#operation-items tr[data-object-id='{tickets[0].pk}']")
        row.wait_for()
        assert row.locator("[data-change]").inner_text() == "Resolved → Open"

        page.click(f"[data-undo-of] a[href='{reverse('operations:detail', args=[original.pk])}']")
        page.wait_for_selector("[data-undone-by]")
        assert page.inner_text("[data-undone-by]").startswith("Undone by the undo of ")
        tickets[0].refresh_from_db()
        assert tickets[0].status == "open", pool.output()
