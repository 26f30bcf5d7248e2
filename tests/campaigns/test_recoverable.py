"""Recoverable and configurable: a failed campaign resumes, pacing counts from a call's end, the
callee-local window is the company's."""

import datetime

import pytest
from django.db import IntegrityError

from campaigns import dialer
from campaigns.models import Call, CallingSettings, Campaign, CampaignContact, CampaignState, ContactStatus
from campaigns.telephony import TwilioBackend
from tests.campaigns.conftest import NEW_YORK, sim

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


def fail_by_outage(settings, campaign, t0):
    """Placement errors in a row (TWILIO_FROM_NUMBER missing: every call is refused) fail the campaign."""
    settings.TWILIO_FROM_NUMBER = ""
    settings.CAMPAIGN_MAX_CONSECUTIVE_ERRORS = 2
    for i in range(2):
        dialer.dial_next(campaign_id=campaign.pk, now=t0 + 5 * i * SECOND, backend=TwilioBackend(client=object()))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.FAILED and campaign.failure_reason


def test_a_failed_campaign_resumes_once_the_cause_is_fixed(settings, running_campaign, api_for, manager, agent, t0):
    campaign = running_campaign(pacing_seconds=5, retry_policy={"max_retries": 2, "backoff_hours": [0]})
    fail_by_outage(settings, campaign, t0)
    url = f"/api/v1/campaigns/{campaign.pk}/resume"
    assert api_for(agent.user).post(url).status_code == 403

    response = api_for(manager).post(url)
    assert response.status_code == 200 and response.json()["state"] == "running"
    campaign.refresh_from_db()
    assert (campaign.failure_reason, campaign.completed_at, campaign.consecutive_errors) == ("", None, 0)

    later = t0 + 60 * SECOND
    result = dialer.dial_next(campaign_id=campaign.pk, now=later, backend=sim("completed"))
    assert result.reason == "dialed"
    # The contacts the outage failed are retried by their retry policy, never lost.
    assert CampaignContact.objects.filter(campaign=campaign, status=ContactStatus.FAILED).count() == 0


def test_the_detail_page_offers_resume_for_a_failed_campaign(
    settings, running_campaign, client_for, manager, agent, t0
):
    campaign = running_campaign(pacing_seconds=5)
    fail_by_outage(settings, campaign, t0)
    resume = f"/campaigns/{campaign.pk}/resume/"
    assert resume in client_for(manager).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert resume not in client_for(agent.user).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert client_for(agent.user).post(resume).status_code == 403
    assert client_for(manager).post(resume).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.RUNNING


def test_pacing_counts_from_the_end_of_the_previous_call(twilio, running_campaign, t0):
    backend, _ = twilio
    campaign = running_campaign(["+12125550101", "+12125550102"], pacing_seconds=10)
    call = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call
    ended = t0 + 120 * SECOND  # a two-minute call
    dialer.record_call_status(call_id=call.pk, params={"CallStatus": "completed", "CallDuration": "118"}, now=ended)

    waiting = dialer.dial_next(campaign_id=campaign.pk, now=ended + 5 * SECOND, backend=backend)
    assert (waiting.call, waiting.reason, waiting.wait_seconds) == (None, "pacing", 5)
    assert dialer.dial_next(campaign_id=campaign.pk, now=ended + 10 * SECOND, backend=backend).reason == "dialed"


def test_the_companys_calling_window_is_honoured(running_campaign, location, t0):
    CallingSettings.objects.create(
        location=location, window_start=datetime.time(11, 0), window_end=datetime.time(20, 0)
    )
    campaign = running_campaign(["+12125550101"])  # New York; t0 is 10:00 there
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed")).call is None
    contact = CampaignContact.objects.get(campaign=campaign)
    assert contact.next_attempt_at == datetime.datetime(2026, 11, 23, 11, 0, tzinfo=NEW_YORK)
    assert not Call.objects.exists()
    eleven = t0 + datetime.timedelta(hours=1)
    assert dialer.dial_next(campaign_id=campaign.pk, now=eleven, backend=sim("completed")).call is not None


def test_without_settings_the_window_is_8_to_21(running_campaign, t0):
    campaign = running_campaign(["+12125550101"], business_hours={"enabled": False})
    eight_pm = t0.replace(hour=20, minute=59)
    assert dialer.dial_next(campaign_id=campaign.pk, now=eight_pm, backend=sim("completed")).call is not None


def test_the_settings_page_saves_and_validates_the_window(client_for, manager, agent, location):
    client = client_for(manager)
    assert client.get("/campaigns/calling-settings/").status_code == 200
    bad = client.post(
        "/campaigns/calling-settings/", {"window_start": "20:00", "window_end": "09:00", "default_region": "US"}
    )
    assert bad.status_code == 400 and "must end after it starts" in bad.content.decode()
    assert not CallingSettings.objects.exists()
    bad_region = client.post(
        "/campaigns/calling-settings/", {"window_start": "09:00", "window_end": "20:00", "default_region": "XX"}
    )
    assert bad_region.status_code == 400
    ok = client.post(
        "/campaigns/calling-settings/", {"window_start": "09:30", "window_end": "20:00", "default_region": "gb"}
    )
    assert ok.status_code == 302
    saved = CallingSettings.objects.get(location=location)
    assert (saved.window_start, saved.window_end, saved.default_region) == (
        datetime.time(9, 30),
        datetime.time(20),
        "GB",
    )
    assert client_for(agent.user).post("/campaigns/calling-settings/", {"window_start": "08:00"}).status_code == 403
    # The create page and a campaign's page state the company's window.
    assert "09:30\u201320:00" in client.get("/campaigns/new/").content.decode()


def test_the_database_refuses_a_window_that_ends_before_it_starts(location):
    with pytest.raises(IntegrityError):
        CallingSettings.objects.create(location=location, window_start=datetime.time(21), window_end=datetime.time(8))
