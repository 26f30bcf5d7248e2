"""Campaigns from leads in a real chromium: a manager selects leads, adds them to a campaign with
a preview naming the skipped, runs it, sees the contacts in the campaign, starts it, and reads
the call's outcome on the lead's page."""

import pytest
from django.urls import reverse

from campaigns import dialer
from campaigns.models import CampaignContact, DoNotCallEntry
from operations import engine
from operations.models import BulkOperation
from tests import factories
from tests.campaigns.conftest import MONDAY_10AM, sim

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_manager_adds_selected_leads_to_a_campaign_and_reads_the_outcome_on_the_lead(
    live_server, browser_page, manager, location, make_campaign
):
    page = browser_page
    campaign = make_campaign(numbers=["+12125550101"], name="Spring calls", business_hours={"enabled": False})
    DoNotCallEntry.objects.create(location=location, phone="+12125550124", reason="asked")
    make = factories.make_lead
    ann = make(location, first_name="Ann", last_name="Caller", phone="+12125550121")
    chosen = [
        ann,
        make(location, first_name="Dora", last_name="Dnc", phone="+12125550123", do_not_contact=True),
        make(location, first_name="Liam", last_name="Listed", phone="+12125550124"),
        make(location, first_name="Nora", last_name="Nophone", phone=""),
    ]
    make(location, first_name="Una", last_name="Unselected", phone="+12125550125")

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("leads:list"))
    for lead in chosen:
        page.check(f"[data-select-row][value='{lead.pk}']")
    page.select_option("#bulk-operation-type", "add_to_campaign")
    page.click("text=Bulk operation…")

    page.select_option("select[name=params-campaign_id]", str(campaign.pk))
    page.click("text=Preview (dry run)")
    preview = page.locator("#builder-preview")
    preview.get_by_text("Add 4 leads to the campaign “Spring calls”?").wait_for()
    shown = " ".join(preview.inner_text().split())
    assert "1 will change, 3 will be skipped" in shown
    for name, reason in (
        ("Dora Dnc", "Do not contact"),
        ("Liam Listed", "On the do-not-call list"),
        ("Nora Nophone", "No valid phone"),
    ):
        assert preview.locator("tr", has_text=name).get_by_text(f"skipped: {reason}").count() == 1, name
    assert "Unselected" not in shown

    page.click("button:has-text('Execute now')")
    page.wait_for_url("**/operations/*/")
    operation = BulkOperation.objects.get(operation_type="add_to_campaign")
    engine.run_operation(operation.pk)  # as the worker does
    page.reload()
    page.get_by_text("Completed", exact=True).first.wait_for()

    page.goto(live_server.url + reverse("campaigns:detail", args=[campaign.pk]))
    contacts = page.locator("tr.contact-row")
    contacts.filter(has_text="Ann Caller").wait_for()
    assert contacts.count() == 2  # the campaign's own number and Ann
    assert CampaignContact.objects.get(phone="+12125550121").lead_id == ann.pk

    page.click("button:has-text('Start')")
    page.locator(".badge-campaign-running").first.wait_for()
    CampaignContact.objects.filter(lead__isnull=True).update(status="completed")
    dialer.dial_next(campaign_id=campaign.pk, now=MONDAY_10AM, backend=sim("completed"))

    page.goto(live_server.url + reverse("leads:detail", args=[ann.pk]))
    calls = page.locator("section", has=page.get_by_role("heading", name="Calls"))
    assert calls.locator("tr", has_text="Spring calls").get_by_text("Answered").count() == 1
    assert "Answered" in page.locator("dt:has-text('Last call') + dd").inner_text()
