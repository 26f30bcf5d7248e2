"""Recent calls (every campaign, filterable, newest first) and a call's page with its status timeline."""

import pytest

from campaigns import dialer
from campaigns.models import Call, CallEvent
from tests.campaigns.conftest import sim

pytestmark = pytest.mark.django_db


def test_recent_calls_lists_every_campaign_newest_first_and_filters(client_for, manager, running_campaign, t0):
    first = running_campaign(["+12125550101"], name="Spring", retry_policy={"max_retries": 0})
    second = running_campaign(["+12125550102"], name="Autumn", retry_policy={"max_retries": 0})
    dialer.dial_next(campaign_id=first.pk, now=t0, backend=sim("completed"))
    dialer.dial_next(campaign_id=second.pk, now=t0.replace(second=5), backend=sim("busy"))
    client = client_for(manager)
    html = client.get("/campaigns/calls/").content.decode()
    assert html.index("Autumn") < html.index("Spring")
    assert "EST" in html  # times in the campaign's zone, labelled
    filtered = client.get(f"/campaigns/calls/?campaign={first.pk}").content.decode()
    assert "+12125550101" in filtered and "+12125550102" not in filtered
    busy = client.get("/campaigns/calls/?status=busy").content.decode()
    assert "+12125550102" in busy and "+12125550101" not in busy
    assert "/campaigns/calls/" in client.get("/campaigns/").content.decode()


def test_call_page_shows_the_status_timeline_and_recording(client_for, manager, running_campaign, t0):
    campaign = running_campaign(["+12125550101"], retry_policy={"max_retries": 0})
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    call = Call.objects.get(campaign=campaign)
    CallEvent.objects.create(call=call, status="recorded", payload={"RecordingUrl": "https://rec.example.com/r1"})
    html = client_for(manager).get(f"/campaigns/calls/{call.pk}/").content.decode()
    assert "Status timeline" in html and "recorded" in html
    assert "https://rec.example.com/r1" in html


def test_another_companys_call_is_a_404(client_for, outsider, running_campaign, t0):
    campaign = running_campaign(["+12125550101"], retry_policy={"max_retries": 0})
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    call = Call.objects.get(campaign=campaign)
    assert client_for(outsider).get(f"/campaigns/calls/{call.pk}/").status_code == 404
    assert "+12125550101" not in client_for(outsider).get("/campaigns/calls/").content.decode()


def test_campaign_pages_show_times_in_the_campaigns_zone_labelled(client_for, manager, make_campaign, t0):
    campaign = make_campaign(["+12125550101"], scheduled_start_time=t0)
    client = client_for(manager)
    assert "10:00:00 EST" in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Nov 23, 2026 10:00 EST" in client.get("/campaigns/").content.decode()


def test_a_simulated_calls_outcome_says_simulated(client_for, manager, running_campaign, t0):
    campaign = running_campaign(["+12125550101"], retry_policy={"max_retries": 0})
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    call = Call.objects.get(campaign=campaign)
    client = client_for(manager)
    assert "Simulated" in client.get("/campaigns/calls/").content.decode()
    assert "Simulated" in client.get(f"/campaigns/calls/{call.pk}/").content.decode()
    Call.objects.filter(pk=call.pk).update(backend="twilio")
    assert "Simulated" not in client.get(f"/campaigns/calls/{call.pk}/").content.decode()
