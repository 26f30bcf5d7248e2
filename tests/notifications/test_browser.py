"""In chromium, against daphne: a manager watches the bell's count rise when an operation they
started ends, without reloading the page; then opens the menu and marks it read.

The operation runs in this test's process through the engine (as a worker would), so its
channel-layer message cannot reach daphne's in-memory layer: the bell's socket has to read
the count from the database, as on the embedded default.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from notifications.models import Notification
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_count_rises_when_an_operation_ends(tmp_path, location, browser_page):
    from tests.operations.test_pages_browser import log_in, web_server
    from tests.workers import sqlite_file_database

    page = browser_page
    user = factories.make_user("bell-manager", location=location, role=Role.MANAGER, password="pw-browser")
    tickets = [factories.make_ticket(location, status="open") for _ in range(5)]
    with sqlite_file_database(tmp_path), web_server(tmp_path) as base:
        operation = factories.make_operation(user, location, [t.pk for t in tickets], params={"status": "resolved"})
        log_in(page, base, user)
        count = page.locator("[data-notification-bell] [data-unread-count]")
        assert count.is_hidden()
        page.wait_for_selector("[data-notification-bell][data-unread='0']", state="attached")  # the socket is open

        factories.run_to_end(operation)
        assert Notification.objects.filter(recipient=user).count() == 1

        count.filter(has_text="1").wait_for(state="visible", timeout=15_000)
        assert page.url == base + reverse("dashboard")  # no reload: the socket moved the bell

        page.click("[data-notification-bell] summary")
        item = page.locator(".notification-menu .notification-unread")
        item.wait_for()
        assert "“Update status” on 5 tickets completed: 5 succeeded." in item.inner_text()
        item.locator("text=Mark read").click()
        page.wait_for_url(base + reverse("dashboard"))
        count.wait_for(state="hidden")
        assert Notification.objects.get().read_at is not None
