"""In chromium, under the site's CSP: the message form counts an SMS's characters and segments as one types."""

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_message_form_counts_segments_live(tmp_path, location, browser_page):
    from tests.operations.test_pages_browser import log_in, web_server
    from tests.workers import sqlite_file_database

    page = browser_page
    user = factories.make_user("sms-manager", location=location, role="manager", password="pw-browser")
    with sqlite_file_database(tmp_path), web_server(tmp_path) as base:
        log_in(page, base, user)
        page.goto(base + "/leads/bulk/?operation_type=message")
        page.select_option("select[name=params-channel]", "sms")
        count = page.locator("[data-sms-count]")
        page.fill("textarea[name=params-body]", "a" * 160)
        count.filter(has_text="160 characters, GSM-7, 1 segment").wait_for()
        page.fill("textarea[name=params-body]", "a" * 161)
        count.filter(has_text="161 characters, GSM-7, 2 segments").wait_for()
        page.fill("textarea[name=params-body]", "😀 Hi {first_name}")
        count.filter(has_text="5 characters, UCS-2, 1 segment").wait_for()
        page.select_option("select[name=params-channel]", "email")
        count.wait_for(state="hidden")
