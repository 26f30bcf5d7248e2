"""The pages under their Content-Security-Policy in a real chromium: every page carries the header,
chromium refuses nothing on it (no inline script or style, no eval), and the HTMX interactions,
the WebSocket, the charts and the API docs still work.

Served by daphne on a file copy of the test database (as in tests/operations/test_pages_browser.py):
pages fire several HTMX requests at once, which live_server's threads cannot serve from one shared
in-memory SQLite connection, and daphne speaks WebSocket.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from campaigns import services as campaign_services
from leads.models import MessageTemplate, Stage
from operations import engine
from operations.models import OperationStatus
from tests import factories
from tests.operations.test_pages_browser import web_server
from tests.workers import sqlite_file_database

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# Runs in every document before its own scripts: collects what the policy refused.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    event.effectiveDirective + " refused " + (event.blockedURI || "inline") + " " + (event.sample || "")
  );
});
"""


class PolicyWatch:
    """Visits pages and fails on any CSP violation, refusal, htmx error or uncaught script error."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.problems: list[str] = []
        page.add_init_script(COLLECT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error: {error}"))

    def _console(self, message):
        text = message.text
        # "Refused to …" is chromium's CSP report; htmx logs its errors (htmx:evalDisallowedError…).
        if text.startswith("Refused to") or "Content Security Policy" in text or text.startswith("htmx:"):
            self.problems.append(f"console {message.type}: {text}")

    def visit(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, (path, policy)
        assert "frame-ancestors 'none'" in policy, (path, policy)
        self.page.wait_for_load_state("networkidle")
        self.assert_clean(path)
        return response

    def assert_clean(self, where: str):
        violations = self.page.evaluate("window.cspViolations || []")
        problems, self.problems = self.problems, []
        assert not violations and not problems, (where, violations, problems)


@pytest.fixture
def site(location):
    admin = factories.make_user(
        "admin", location=location, role=Role.ADMIN, is_staff=True, is_superuser=True, password="pw"
    )
    vip = factories.make_tag(location, "vip")
    vip.color = "#d55e00"
    vip.save()
    lead = factories.make_lead(location, first_name="Tagged", stage=Stage.QUALIFIED)
    lead.tags.add(vip)
    factories.make_lead(location, first_name="Neville", stage=Stage.NEW)
    tickets = [factories.make_ticket(location, status="open") for _ in range(3)]
    factories.make_agent(location, max_capacity=4)
    template = MessageTemplate.objects.create(location=location, name="Welcome", body="Hi {first_name}!")
    finished, _ = engine.create_operation(
        user=admin,
        location=location,
        target="tickets",
        operation_type="update_priority",
        params={"priority": "high"},
        ids=[t.pk for t in tickets],
    )
    engine.run_operation(finished.pk)
    finished.refresh_from_db()
    assert finished.status == OperationStatus.COMPLETED  # the analytics charts have something to draw
    running, _ = engine.create_operation(  # no worker: it stays pending, and its page polls
        user=admin,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": "Looked at"},
        ids=[tickets[0].pk],
    )
    campaign, _ = campaign_services.create_campaign(
        location=location,
        user=admin,
        file_bytes=b"phone\n+12125550101\n+12125550102\n",
        filename="contacts.csv",
        timezone_name="America/New_York",
    )
    return {
        "lead": lead,
        "tickets": tickets,
        "template": template,
        "finished": finished,
        "running": running,
        "campaign": campaign,
    }


@pytest.fixture
def base_url(site, tmp_path):
    with sqlite_file_database(tmp_path), web_server(tmp_path) as base:
        yield base


@pytest.fixture
def watch(browser_page, base_url):
    watch = PolicyWatch(browser_page, base_url)
    watch.visit(reverse("login"))
    browser_page.fill("#id_username", "admin")
    browser_page.fill("#id_password", "pw")
    browser_page.click("button[type=submit]")
    browser_page.wait_for_url(base_url + reverse("dashboard"))
    browser_page.wait_for_load_state("networkidle")
    watch.assert_clean("login")
    return watch


def test_main_pages_keep_to_the_policy(site, watch):
    page = watch.page
    for path in [
        reverse("dashboard"),
        reverse("leads:list"),
        reverse("leads:detail", args=[site["lead"].pk]),
        reverse("lead_bulk:builder"),
        reverse("lead_bulk:templates"),
        reverse("lead_bulk:template_edit", args=[site["template"].pk]),
        reverse("tickets:list"),
        reverse("tickets:detail", args=[site["tickets"][0].pk]),
        reverse("operations:list"),
        reverse("operations:detail", args=[site["finished"].pk]),
        reverse("agents:list"),
        reverse("campaigns:list"),
        reverse("campaigns:create"),
        reverse("campaigns:detail", args=[site["campaign"].pk]),
        reverse("admin:index"),
        reverse("admin:leads_lead_changelist"),
        reverse("admin:leads_lead_change", args=[site["lead"].pk]),
        reverse("admin:operations_bulkoperation_changelist"),
    ]:
        watch.visit(path)

    # Widths and colours set from data attributes through the CSSOM (no style attributes).
    watch.visit(reverse("leads:list"))
    tag = page.locator(".tag >> text=vip")
    assert tag.evaluate("el => getComputedStyle(el).getPropertyValue('--tag-color').trim()") == "#d55e00"
    watch.visit(reverse("agents:list"))
    assert page.locator(".bar[data-width-percent]").first.evaluate("el => el.style.width").endswith("%")

    # The lead builder's static script shows one way of selecting at a time.
    watch.visit(reverse("lead_bulk:builder"))
    assert page.locator("[data-method=ids]").is_visible()
    assert page.locator("[data-method=filter]").is_hidden()
    page.check("input[name=method][value=filter]")
    assert page.locator("[data-method=filter]").is_visible()
    assert page.locator("[data-method=ids]").is_hidden()
    watch.assert_clean("lead builder")


def test_leads_filter_updates_in_place(site, watch):
    page = watch.page
    watch.visit(reverse("leads:list"))
    page.evaluate("window.notReloaded = true")
    page.select_option("#id_stage", "qualified")
    page.wait_for_url("**/leads/?stage=qualified")
    page.wait_for_selector("text=Neville", state="detached")
    assert page.locator("text=Tagged").count() == 1
    assert page.evaluate("window.notReloaded") is True  # swapped by htmx, not a page load
    watch.assert_clean("leads filter")

    # Back: htmx restores its snapshot of the page, tag colours included, without style attributes.
    page.go_back()
    page.wait_for_selector("text=Neville")
    tag = page.locator(".tag >> text=vip")
    assert tag.evaluate("el => getComputedStyle(el).getPropertyValue('--tag-color').trim()") == "#d55e00"
    assert page.evaluate("window.notReloaded") is True
    watch.assert_clean("back to the unfiltered leads")


def test_tickets_bulk_flow_steps_without_eval(site, watch):
    page = watch.page
    first = site["tickets"][-1]
    watch.visit(reverse("tickets:list"))
    page.check(f"[data-select-row][value='{first.pk}']")
    page.select_option("#bulk-operation-type", "add_comment")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_url("**/operations/tickets/bulk/**")

    page.click("text=Preview (dry run)")
    page.wait_for_selector("#builder-preview .field-error")
    assert "Check the operation's parameters." in page.inner_text("#builder-preview")
    page.fill("textarea[name=params-body]", "Checked by the support team")
    page.click("text=Preview (dry run)")
    page.wait_for_selector("#bulk-question")
    assert page.inner_text("#bulk-question") == "Add a comment to 1 ticket?"
    watch.assert_clean("tickets bulk flow")


def test_live_page_takes_progress_from_the_socket_and_polls_without_it(site, watch):
    page = watch.page
    progress = reverse("operations:progress", args=[site["running"].pk])
    polls = []
    page.on("request", lambda request: polls.append(request.url) if progress in request.url else None)
    watch.visit(reverse("operations:detail", args=[site["running"].pk]))
    assert page.locator(".progress-fill").evaluate("el => el.style.width") == "0%"

    # connect-src lets the socket open; while it is live, htmx's polls are skipped.
    page.wait_for_function("() => window.operationSocketLive === true")
    page.wait_for_timeout(4_500)  # two polling periods
    assert polls == []

    # Without the socket (as when it closes early), htmx polls the partial again.
    with page.expect_request(lambda request: progress in request.url, timeout=6_000):
        page.evaluate("window.operationSocketLive = false")
    watch.assert_clean("live page")


def test_analytics_charts_draw(site, watch):
    page = watch.page
    watch.visit(reverse("analytics:index"))
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-by-type') && Chart.getChart('chart-by-status')")
    assert sum(page.evaluate("Chart.getChart('chart-by-type').data.datasets[0].data")) == 2
    assert page.locator("#chart-by-type").evaluate("canvas => canvas.width") > 0
    watch.assert_clean("analytics charts")

    # The period picker swaps the figures in and pushes the URL; Back restores htmx's snapshot.
    page.click("text=Last 7 days")
    page.wait_for_url("**period=7**")
    page.wait_for_function("() => Chart.getChart('chart-trend')?.data.labels.length === 7")
    # Back once htmx has ended its request cycle, as a person would (pressed within the same
    # moment on a loaded machine, Back raced the end of the swap).
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.go_back()
    page.wait_for_function("() => Chart.getChart('chart-trend')?.data.labels.length === 30")
    watch.assert_clean("analytics period and back")


def test_campaign_contact_opens_on_enter(site, watch):
    page = watch.page
    watch.visit(reverse("campaigns:detail", args=[site["campaign"].pk]))
    page.focus(".contact-row >> nth=0")
    page.keyboard.press("Enter")
    page.wait_for_selector("#call-dialog[open]")
    watch.assert_clean("campaign contact dialog")


def test_api_docs_render(site, watch):
    page = watch.page
    watch.visit(reverse("api-docs"))
    page.wait_for_selector(".swagger-ui .info .title >> text=Bulk operations API")
    page.wait_for_selector(".opblock")
    assert "/api/v1/bulk-operations" in page.inner_text(".swagger-ui")
    watch.assert_clean("api docs")


def test_self_covers_the_websocket_origin_in_chromium(browser_page):
    """CSP level 3: connect-src 'self' alone lets a page open a WebSocket to its own host and port."""
    page = browser_page
    probe = "http://127.0.0.1:8123/csp-probe/"  # answered by the route below, no server needed
    other_port = "ws://127.0.0.1:1/"
    page.route(
        probe,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "connect-src 'self'"},
            body="<!doctype html><title>probe</title>",
        ),
    )
    page.goto(probe)
    opened = page.evaluate(
        """(other) => new Promise((resolve) => {
          const refused = [];
          document.addEventListener("securitypolicyviolation", (e) => refused.push(e.blockedURI));
          let same = "ok";
          try { new WebSocket("ws://" + location.host + "/ws/probe/"); } catch (e) { same = String(e); }
          let cross = "ok";
          try { new WebSocket(other); } catch (e) { cross = String(e); }
          setTimeout(() => resolve({ same, cross, refused }), 500);
        })""",
        other_port,
    )
    assert opened["same"] == "ok", opened
    # The probe does detect a refusal: another port is not 'self'.
    assert opened["refused"] == [other_port.rstrip("/")] or opened["refused"] == [other_port], opened
