"""The leads list in a real chromium: HTMX filters keep their state in the URL, and selection works."""

import pytest
from django.urls import reverse

from accounts.models import Role
from leads.models import Stage
from leads.selectors import LEADS_PER_PAGE
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(browser_page, live_server):
    return browser_page


def log_in(page, base_url: str) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(base_url + reverse("dashboard"))


def test_filter_sort_and_select_all_matching(page, live_server):
    location = factories.make_location("Demo Realty", slug="demo-realty")
    factories.make_user("admin", location=location, role=Role.ADMIN)
    for _ in range(LEADS_PER_PAGE + 5):
        factories.make_lead(location, stage=Stage.QUALIFIED)
    factories.make_lead(location, first_name="Neville", stage=Stage.NEW)
    log_in(page, live_server.url)

    page.goto(live_server.url + reverse("leads:list"))
    page.select_option("#id_stage", "qualified")
    page.wait_for_url("**/leads/?stage=qualified")
    assert page.locator("text=Neville").count() == 0
    assert page.locator("[data-select-row]").count() == LEADS_PER_PAGE

    page.click("th >> text=Name")
    page.wait_for_url("**/leads/?stage=qualified&sort=name")

    assert page.locator("#bulk-form").is_hidden()
    page.check("[data-select-page]")
    assert page.locator("#bulk-form").is_visible()
    assert f"Select all {LEADS_PER_PAGE + 5} matching this filter" in page.inner_text(".selection-status")
    assert page.locator("[data-select-all-input]").is_disabled()

    page.click("[data-select-all-matching]")
    assert f"All {LEADS_PER_PAGE + 5} leads matching this filter are selected" in page.inner_text(".selection-status")
    assert page.locator("[data-select-all-input]").is_enabled()
    assert page.locator("[data-filter-query-input]").input_value() == "stage=qualified"

    page.uncheck("[data-select-row] >> nth=0")
    assert page.locator("[data-select-all-input]").is_disabled()
    assert f"{LEADS_PER_PAGE - 1} leads selected." in page.inner_text(".selection-status")
    assert page.eval_on_selector("[data-select-page]", "box => box.indeterminate")

    page.click("a[rel=next]")
    page.wait_for_url("**after=**")
    assert page.locator("[data-select-row]").count() == 5
    assert page.locator("#bulk-form").is_hidden()  # a new page starts with nothing selected
