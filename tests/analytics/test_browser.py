"""The analytics page in a real chromium: charts drawn, the period picker updates in place."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(browser, live_server, admin_user):
    """A page whose browser is logged in as admin_user (session cookie of a test client)."""
    client = Client()
    client.force_login(admin_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context.new_page()


def test_charts_render_and_the_period_picker_updates_in_place(history, browser_page, live_server):
    page = browser_page
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + reverse("analytics:index"))
    # Predicates are functions: Playwright evaluates a bare expression with eval, which the CSP refuses.
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-by-type') && Chart.getChart('chart-trend')")
    assert page.inner_text("[data-metric=total_operations]") == "14"
    # draft, in progress, completed, cancelled, failed (statuses with no operation are left out)
    assert page.evaluate("Chart.getChart('chart-by-status').data.datasets[0].data") == [1, 1, 10, 1, 1]

    page.click("text=Last 7 days")
    page.wait_for_function("() => document.querySelector('[data-metric=total_operations]').textContent === '10'")
    assert "period=7" in page.url  # pushed, so the view can be shared and reloaded
    # The charts are redrawn once the swap settles: the trend then has the 7 days.
    page.wait_for_function("() => Chart.getChart('chart-trend')?.data.labels.length === 7")
    assert not [url for url in requests if not url.startswith(live_server.url)]  # nothing from a CDN
