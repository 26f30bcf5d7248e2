"""The campaign pages in a real chromium: upload with preview, create, start, live progress, call modal."""

import pytest

from campaigns import dialer
from campaigns.models import Campaign
from tests.campaigns.conftest import MONDAY_10AM, sim

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_create_start_watch_and_inspect_a_campaign(live_server, browser_page, manager, agent, tmp_path):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/campaigns/")
    page.get_by_text("No campaigns").wait_for()
    page.click("text=New campaign >> nth=0")
    page.wait_for_load_state()  # htmx must be listening before the file input changes
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("Phone,Name,Company\n+12125550101,Ann,Acme\n+12125550102,Bob,Initech\nbad,Cy,X\n")
    page.set_input_files("#id_file", str(contacts))
    page.locator("#preview").get_by_text("contacts ready").wait_for()
    assert "1 row with errors" in " ".join(page.locator("#preview").inner_text().split())
    page.fill("#id_name", "Browser campaign")
    page.select_option("#id_agent", str(agent.pk))
    page.uncheck("input[name=business_hours_enabled]")
    page.click("text=Create campaign")
    page.get_by_role("heading", name="Browser campaign").wait_for()
    campaign = Campaign.objects.get(name="Browser campaign")
    assert campaign.total_contacts == 2 and campaign.agent == agent

    page.click("button:has-text('Start')")
    page.locator(".badge-campaign-running").first.wait_for()
    # A call finishes while the page is open: the stats update without a reload.
    dialer.dial_next(campaign_id=campaign.pk, now=MONDAY_10AM, backend=sim("completed"))
    page.locator(".stat", has_text="Completed").get_by_text("1", exact=True).wait_for()

    page.locator("tr.contact-row", has_text="+12125550101").click()
    dialog = page.locator("#call-dialog")
    dialog.get_by_text("Attempt 1").wait_for()
    assert dialog.is_visible() and "in-progress" in dialog.inner_text()
