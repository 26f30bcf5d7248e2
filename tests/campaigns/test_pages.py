"""Campaign pages: list cards, create with preview, detail with contacts, actions, export; outsiders get 404."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns import dialer, services
from campaigns.models import Campaign, CampaignState
from tests.campaigns.conftest import sim

pytestmark = pytest.mark.django_db


def test_empty_list_shows_an_empty_state(client_for, manager):
    response = client_for(manager).get("/campaigns/")
    assert response.status_code == 200
    assert b"No campaigns" in response.content


def test_an_agents_empty_list_does_not_invite_them_to_create_what_they_may_not(client_for, agent):
    html = client_for(agent.user).get("/campaigns/").content.decode()
    assert "No campaigns" in html and "Managers and admins create call campaigns" in html
    assert "Upload a contact file" not in html and "/campaigns/create/" not in html


def test_list_shows_cards_with_progress_and_actions_only_of_my_location(
    client_for, manager, outsider, running_campaign, t0
):
    campaign = running_campaign(["+12125550101", "+12125550102"], pacing_seconds=5, retry_policy={"max_retries": 0})
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    dialer.dial_next(campaign_id=campaign.pk, now=t0.replace(second=5), backend=sim("busy"))
    html = client_for(manager).get("/campaigns/").content.decode()
    assert campaign.name in html
    assert "2/2 contacts done" in html and "Success rate: <strong>50.0%" in html
    assert f"/campaigns/{campaign.pk}/" in html
    assert campaign.name not in client_for(outsider).get("/campaigns/").content.decode()


def test_list_answers_htmx_with_the_cards_partial(client_for, manager, running_campaign):
    running_campaign()
    response = client_for(manager).get("/campaigns/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="campaign-cards"' in html and "<html" not in html
    assert 'hx-trigger="every 3s"' in html  # a running campaign keeps the cards live


def test_create_page_preview_then_create(client_for, manager, agent):
    client = client_for(manager)
    assert client.get("/campaigns/new/").status_code == 200
    data = b"phone,name,company\n+12125550101,Ann,Acme\n+12125550101,Ann,Acme\nnope,Bob,X\n"
    preview = client.post(
        "/campaigns/new/", {"preview": "1", "file": SimpleUploadedFile("c.csv", data)}, HTTP_HX_REQUEST="true"
    )
    html = preview.content.decode()
    assert "1</strong> contact ready" in html and "1</strong> duplicate skipped" in html
    assert "nope" in html and not Campaign.objects.exists()
    response = client.post(
        "/campaigns/new/",
        {
            "file": SimpleUploadedFile("c.csv", data),
            "name": "Winter",
            "agent_id": agent.pk,
            "timezone": "America/New_York",
            "scheduled_start_time": "2026-12-01T09:30",
            "pacing_seconds": "20",
            "business_hours_enabled": "on",
            "days": ["1", "2"],
            "start_time": "09:00",
            "end_time": "18:00",
            "max_retries": "2",
            "backoff_hours": "1, 2",
            "retryable_outcomes": ["busy"],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.name, campaign.agent, campaign.pacing_seconds, campaign.business_days) == (
        "Winter",
        agent,
        20,
        [1, 2],
    )
    assert campaign.scheduled_start_time.isoformat() == "2026-12-01T14:30:00+00:00"
    assert (campaign.max_retries, campaign.backoff_hours, campaign.retryable_outcomes) == (2, [1.0, 2.0], ["busy"])
    assert campaign.total_contacts == 1 and campaign.import_errors[0]["row"] == 4


def test_create_page_shows_errors_and_creates_nothing(client_for, manager):
    response = client_for(manager).post(
        "/campaigns/new/", {"file": SimpleUploadedFile("x.xlsx", b"phone\n+12125550101\n"), "pacing_seconds": "2"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "pacing.delay_seconds" in html
    assert not Campaign.objects.exists()


def test_detail_shows_stats_contacts_filter_and_the_call_modal(client_for, manager, running_campaign, t0):
    campaign = running_campaign(["+12125550101", "+12125550102"])
    call = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed")).call
    client = client_for(manager)
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Total calls" in html and "+12125550101" in html and "+12125550102" in html
    completed_only = client.get(f"/campaigns/{campaign.pk}/?status=completed").content.decode()
    assert "+12125550101" in completed_only and "+12125550102" not in completed_only
    modal = client.get(f"/campaigns/{campaign.pk}/contacts/{call.contact_id}/").content.decode()
    assert "Attempt 1" in modal and "in-progress" in modal and call.call_sid in modal
    live = client.get(f"/campaigns/{campaign.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="campaign-live"' in live and "<html" not in live


def test_export_csv_has_every_contact_with_its_metadata(client_for, manager, location):
    campaign, _ = services.create_campaign(
        location=location,
        user=manager,
        file_bytes=b"phone,name,company\n+12125550101,Ann,Acme\n+12125550102,Bob,\n",
        filename="c.csv",
    )
    response = client_for(manager).get(f"/campaigns/{campaign.pk}/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["name", "phone", "status"] and rows[0][-1] == "company"
    assert [[*r[:3], r[-1]] for r in rows[1:]] == [
        ["Ann", "+12125550101", "pending", "Acme"],
        ["Bob", "+12125550102", "pending", ""],
    ]


def test_actions_start_pause_resume_delete(client_for, manager, make_campaign):
    campaign = make_campaign()
    client = client_for(manager)
    client.post(f"/campaigns/{campaign.pk}/start/")
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.RUNNING
    client.post(f"/campaigns/{campaign.pk}/delete/")
    assert Campaign.objects.filter(pk=campaign.pk).exists()  # refused while running
    client.post(f"/campaigns/{campaign.pk}/pause/")
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.PAUSED
    client.post(f"/campaigns/{campaign.pk}/resume/")
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.RUNNING
    client.post(f"/campaigns/{campaign.pk}/pause/")
    response = client.post(f"/campaigns/{campaign.pk}/delete/")
    assert response["Location"] == "/campaigns/" and not Campaign.objects.filter(pk=campaign.pk).exists()


def test_outsider_gets_404_on_every_campaign_page(client_for, outsider, make_campaign):
    campaign = make_campaign()
    contact = campaign.contacts.first()
    client = client_for(outsider)
    for url in (
        f"/campaigns/{campaign.pk}/",
        f"/campaigns/{campaign.pk}/export.csv",
        f"/campaigns/{campaign.pk}/contacts/{contact.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for action in ("start", "pause", "resume", "delete"):
        assert client.post(f"/campaigns/{campaign.pk}/{action}/").status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.DRAFT


def test_pages_need_login(client):
    response = client.get("/campaigns/")
    assert response.status_code == 302 and "/login" in response["Location"]
