"""A manager's whole bulk-operation journeys on leads and tickets in a real chromium, against daphne and a real worker.

Log in, filter the leads list, select all matching, change their stage from the builder,
watch the live page reach 100 % without a reload, undo it; then cancel a large operation
while a worker is in the middle of it.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from leads.models import Lead, Stage
from operations.models import BulkOperation, ItemStatus, OperationStatus
from tests import factories
from tests.operations.test_pages_browser import log_in, web_server
from tests.workers import running_workers, sqlite_file_database, wait_until
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.workers, pytest.mark.django_db(transaction=True)]

MATCHING = 150


@pytest.fixture
def user(location):
    return factories.make_user("journey-manager", location=location, role=Role.MANAGER, password="pw-browser")


def test_filter_select_all_change_stage_watch_live_then_undo(tmp_path, location, user, browser_page):
    page = browser_page
    new = [factories.make_lead(location, stage=Stage.NEW) for _ in range(MATCHING)]
    won = factories.make_lead(location, stage=Stage.WON)
    navigations = []
    # A reload is a new document: its DOMContentLoaded (history.replaceState by static/js/form_keys.js is
    # a same-document navigation, which Playwright's framenavigated also reports, so that is no measure).
    page.on("domcontentloaded", lambda page: navigations.append(page.url))
    with (
        sqlite_file_database(tmp_path),
        running_workers(1, env={"BULK_CHUNK_SIZE": "25"}) as pool,
        web_server(tmp_path, cluster_name=pool.cluster_name) as base,
    ):
        log_in(page, base, user)
        page.goto(base + reverse("leads:list"))
        page.select_option("#id_stage", "new")
        page.wait_for_url("**/leads/?stage=new")
        page.check("[data-select-page]")
        page.click("[data-select-all-matching]")
        assert f"All {MATCHING} leads matching this filter are selected" in page.inner_text(".selection-status")
        page.select_option("#bulk-operation-type", "change_stage")
        page.click("#bulk-form button[type=submit]")

        page.wait_for_url("**/leads/bulk/**")
        page.wait_for_selector("#builder-count >> text=150")
        page.select_option("select[name=params-stage]", "contacted")
        page.fill("[name=params-reason]", "Called in the spring campaign")
        page.click("text=Preview (dry run)")
        page.wait_for_selector("#builder-preview table")
        assert "Contacted" in page.inner_text("#builder-preview")
        page.click("button[value=run]")

        page.wait_for_url("**/operations/*/")
        operation = BulkOperation.objects.get(operation_type="change_stage")
        detail = base + reverse("operations:detail", args=[operation.pk])
        assert page.url == detail
        navigations.clear()
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        assert navigations == [], "the live page reloaded"
        assert page.get_attribute("[role=progressbar]", "aria-valuenow") == "100"
        assert page.inner_text("#operation-live dd[data-field=successful]") == str(MATCHING)
        assert Lead.objects.filter(stage=Stage.CONTACTED).count() == MATCHING, pool.output()
        assert Lead.objects.get(pk=won.pk).stage == Stage.WON  # not matched, not touched

        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#operation-live a:has-text('Undo')")
        page.wait_for_url(lambda url: url != detail and "/operations/" in url)
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        assert page.inner_text("#operation-live [data-field=status]") == "Completed"
        undo = BulkOperation.objects.get(undo_of=operation)
        assert undo.successful == MATCHING, pool.output()
        assert set(Lead.objects.filter(pk__in=[lead.pk for lead in new]).values_list("stage", flat=True)) == {Stage.NEW}


def test_tickets_pasted_ids_preview_run_live_then_undo(tmp_path, location, user, browser_page):
    """Tickets through the same flow: IDs pasted, a preview with before → after, run, watch, undo."""
    page = browser_page
    chosen = [factories.make_ticket(location, status="open") for _ in range(30)]
    other = factories.make_ticket(location, status="open")
    with (
        sqlite_file_database(tmp_path),
        running_workers(1, env={"BULK_CHUNK_SIZE": "10"}) as pool,
        web_server(tmp_path, cluster_name=pool.cluster_name) as base,
    ):
        log_in(page, base, user)
        page.goto(base + reverse("tickets:list"))
        page.check(f"[data-select-row][value='{other.pk}']")
        page.select_option("#bulk-operation-type", "update_status")
        page.click("#bulk-form button[type=submit]")

        page.wait_for_url("**/operations/tickets/bulk/**")
        page.check("input[name=method][value=ids]")
        page.fill("#id_pasted_ids", "\n".join(str(t.pk) for t in chosen) + "\n999999")
        page.wait_for_selector("#builder-count >> text=30")
        assert "1 not found: 999999" in page.inner_text("#builder-count")
        page.select_option("select[name=params-status]", "resolved")
        page.click("text=Preview (dry run)")
        page.wait_for_selector("#builder-preview table")
        assert page.inner_text("#bulk-question") == "Update status of 30 tickets to Resolved?"
        assert "Open" in page.inner_text("#builder-preview tbody") and "Resolved" in page.inner_text(
            "#builder-preview tbody"
        )
        page.click("button[value=run]")

        page.wait_for_url("**/operations/*/")
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        operation = BulkOperation.objects.get(target="tickets")
        assert (operation.successful, operation.failed) == (30, 0), pool.output()
        assert set(Ticket.objects.filter(pk__in=[t.pk for t in chosen]).values_list("status", flat=True)) == {
            "resolved"
        }
        assert Ticket.objects.get(pk=other.pk).status == "open"

        page.on("dialog", lambda dialog: dialog.accept())
        page.click("#operation-live a:has-text('Undo')")
        page.wait_for_url(lambda url: "/undo/" not in url and str(operation.pk) not in url)
        page.wait_for_selector("#operation-live[data-final='1']", timeout=60_000)
        assert BulkOperation.objects.get(undo_of=operation).successful == 30, pool.output()
        assert set(Ticket.objects.filter(pk__in=[t.pk for t in chosen]).values_list("status", flat=True)) == {"open"}


def test_cancel_a_large_operation_while_a_worker_runs_it(tmp_path, location, user, browser_page):
    page = browser_page
    total = 20_000  # about ten seconds of work in chunks of 10
    Lead.objects.bulk_create(
        [Lead(location=location, first_name=f"L{n}", last_name="Bulk", stage=Stage.NEW) for n in range(total)]
    )
    page.on("dialog", lambda dialog: dialog.accept())
    with (
        sqlite_file_database(tmp_path),
        running_workers(1, env={"BULK_CHUNK_SIZE": "10", "BULK_PROGRESS_INTERVAL": "0.1"}) as pool,
        web_server(tmp_path, cluster_name=pool.cluster_name) as base,
    ):
        log_in(page, base, user)
        from operations import engine

        operation, _ = engine.create_operation(
            user=user,
            location=location,
            target="leads",
            operation_type="change_stage",
            params={"stage": "qualified"},
            filters={},
        )
        page.goto(base + reverse("operations:detail", args=[operation.pk]))
        page.wait_for_selector("#operation-live [data-status=in_progress]", timeout=30_000)
        wait_until(
            lambda: BulkOperation.objects.get(pk=operation.pk).processed > 0,
            timeout=30,
            message="the worker to start",
            workers=pool,
        )
        page.click("text=Cancel operation")
        page.wait_for_selector("#operation-live [data-status=cancelled]", timeout=30_000)

        operation.refresh_from_db()
        assert operation.status == OperationStatus.CANCELLED, pool.output()
        assert 0 < operation.processed < total
        done = operation.items.exclude(status=ItemStatus.PENDING).count()
        assert done == operation.processed
        assert Lead.objects.filter(stage=Stage.QUALIFIED).count() == operation.successful
        assert f"after {operation.processed:,} of {total:,} records" in page.inner_text(".messages")
