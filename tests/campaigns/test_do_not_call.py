"""The do-not-call list: checked at import and again at dial time; leads' do-not-contact counts as listed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns import dialer, do_not_call
from campaigns.models import Call, Campaign, CampaignContact, CampaignState, ContactStatus, DoNotCallEntry
from tests import factories
from tests.campaigns.conftest import csv_of, sim

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


def test_a_number_listed_while_the_campaign_runs_is_never_dialled(running_campaign, api_for, manager, t0):
    campaign = running_campaign(["+12125550101", "+12125550102", "+12125550103"], pacing_seconds=5)
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    response = api_for(manager).post("/api/v1/do-not-call", {"phone": "+12125550102", "reason": "asked on the phone"})
    assert response.status_code == 201, response.json()

    for step in range(1, 6):
        dialer.dial_next(campaign_id=campaign.pk, now=t0 + 10 * step * SECOND, backend=sim("completed", "completed"))
    dialled = set(Call.objects.filter(campaign=campaign).values_list("contact__phone", flat=True))
    assert dialled == {"+12125550101", "+12125550103"}
    listed = CampaignContact.objects.get(campaign=campaign, phone="+12125550102")
    assert (listed.status, listed.outcome, listed.attempts) == (ContactStatus.FAILED, "do-not-call", 0)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.completed_contacts, campaign.failed_contacts) == (CampaignState.COMPLETED, 2, 1)


def test_a_lead_marked_do_not_contact_is_never_dialled(running_campaign, location, t0):
    campaign = running_campaign(["+12125550101"])
    factories.make_lead(location, phone="+12125550101", do_not_contact=True)
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed")).call is None
    assert CampaignContact.objects.get(campaign=campaign).outcome == "do-not-call"
    assert not Call.objects.exists()


def test_another_companys_list_does_not_count(running_campaign, other_location, t0):
    campaign = running_campaign(["+12125550101"])
    DoNotCallEntry.objects.create(location=other_location, phone="+12125550101")
    factories.make_lead(other_location, phone="+12125550101", do_not_contact=True)
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed")).call is not None


def test_import_skips_listed_numbers_and_do_not_contact_leads_with_the_reason(api_for, manager, location):
    DoNotCallEntry.objects.create(location=location, phone="+12125550102")
    factories.make_lead(location, phone="+12125550103", do_not_contact=True)
    factories.make_lead(location, phone="+12125550104", do_not_contact=False)
    upload = SimpleUploadedFile("c.csv", csv_of(["+12125550101", "(212) 555-0102", "+12125550103", "+12125550104"]))
    response = api_for(manager).post("/api/v1/campaigns/create", {"file": upload, "settings": "{}"}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contacts_imported"] == 2
    assert body["errors"] == [
        {"row": 3, "value": "+12125550102", "message": "On the do-not-call list"},
        {"row": 4, "value": "+12125550103", "message": "On the do-not-call list"},
    ]
    campaign = Campaign.objects.get(pk=body["campaign_id"])
    assert sorted(campaign.contacts.values_list("phone", flat=True)) == ["+12125550101", "+12125550104"]
    assert campaign.total_contacts == 2


def test_a_file_of_only_listed_numbers_makes_no_campaign(api_for, manager, location):
    DoNotCallEntry.objects.create(location=location, phone="+12125550101")
    upload = SimpleUploadedFile("c.csv", csv_of(["+12125550101"]))
    response = api_for(manager).post("/api/v1/campaigns/create", {"file": upload, "settings": "{}"}, format="multipart")
    assert response.status_code == 400 and "On the do-not-call list" in str(response.json())
    assert not Campaign.objects.exists()


def test_the_page_lists_adds_uploads_and_removes_numbers(client_for, manager, location, other_location):
    client = client_for(manager)
    assert client.get("/campaigns/do-not-call/").status_code == 200
    response = client.post("/campaigns/do-not-call/", {"phone": "(212) 555-0101", "reason": "complaint"})
    assert response.status_code == 302
    entry = DoNotCallEntry.objects.get(location=location)
    assert (entry.phone, entry.reason, entry.added_by) == ("+12125550101", "complaint", manager)

    bad = client.post("/campaigns/do-not-call/", {"phone": "12"})
    assert bad.status_code == 400 and "not" in bad.content.decode()
    again = client.post("/campaigns/do-not-call/", {"phone": "+12125550101"})
    assert again.status_code == 400 and "already" in again.content.decode()

    data = b"Name,Phone\nAnn,+12125550101\nBob,212-555-0102\nCy,not a number\n"
    upload = SimpleUploadedFile("dnc.csv", data)
    response = client.post("/campaigns/do-not-call/upload/", {"file": upload, "reason": "list from legal"}, follow=True)
    text = response.content.decode()
    assert "Added 1 numbers" in text and "1 were on it already" in text and "1 rows without a valid number" in text
    assert set(DoNotCallEntry.objects.values_list("phone", flat=True)) == {"+12125550101", "+12125550102"}
    assert "+12125550102" in client.get("/campaigns/do-not-call/?phone=0102").content.decode()

    foreign = DoNotCallEntry.objects.create(location=other_location, phone="+12125550199")
    assert client.post(f"/campaigns/do-not-call/{foreign.pk}/delete/").status_code == 404
    assert client.post(f"/campaigns/do-not-call/{entry.pk}/delete/").status_code == 302
    assert not DoNotCallEntry.objects.filter(pk=entry.pk).exists()
    assert DoNotCallEntry.objects.filter(pk=foreign.pk).exists()


def test_agents_see_the_list_but_do_not_change_it(client_for, agent, location):
    entry = DoNotCallEntry.objects.create(location=location, phone="+12125550101")
    client = client_for(agent.user)
    page = client.get("/campaigns/do-not-call/")
    assert page.status_code == 200 and "+12125550101" in page.content.decode() and "Remove" not in page.content.decode()
    assert client.post("/campaigns/do-not-call/", {"phone": "+12125550102"}).status_code == 403
    upload = SimpleUploadedFile("dnc.csv", b"phone\n+12125550103\n")
    assert client.post("/campaigns/do-not-call/upload/", {"file": upload}).status_code == 403
    assert client.post(f"/campaigns/do-not-call/{entry.pk}/delete/").status_code == 403
    assert DoNotCallEntry.objects.count() == 1


def test_numbers_are_read_in_the_companys_region(location):
    from campaigns.models import CallingSettings

    CallingSettings.objects.create(location=location, default_region="GB")
    assert do_not_call.add_number(location=location, phone="020 7946 0958").phone == "+442079460958"
