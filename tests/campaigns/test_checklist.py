"""The seed's testing checklist, all ten items, with the dialer's clock in the test's hands."""

import datetime
import json

import pytest

from campaigns import dialer, loops, services
from campaigns.models import Call, Campaign, CampaignContact, CampaignState, ContactStatus
from tests.campaigns.conftest import NY_NUMBERS, sim

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


def upload(api, data: bytes, settings: dict | None = None, filename="contacts.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.post(
        "/api/v1/campaigns/create",
        {"file": SimpleUploadedFile(filename, data), "settings": json.dumps(settings or {})},
        format="multipart",
    )


# 1
def test_upload_csv_with_just_phone_numbers_works(api_for, manager):
    response = upload(api_for(manager), b"+12125550101\n+12125550102\n(212) 555-0103\n")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contacts_imported"] == 3 and body["errors"] == []
    campaign = Campaign.objects.get(pk=body["campaign_id"])
    assert campaign.state == CampaignState.DRAFT
    assert list(campaign.contacts.values_list("phone", flat=True)) == ["+12125550101", "+12125550102", "+12125550103"]


# 2
def test_upload_csv_with_phone_name_and_extra_columns_stores_everything(api_for, manager):
    data = b"Phone,Name,Company,Email,Notes\n+12025551234,John Doe,Acme Inc,john@acme.test,VIP\n"
    response = upload(api_for(manager), data)
    assert response.status_code == 201
    contact = CampaignContact.objects.get(campaign_id=response.json()["campaign_id"])
    assert (contact.phone, contact.name, contact.row_number) == ("+12025551234", "John Doe", 2)
    assert contact.metadata == {"company": "Acme Inc", "email": "john@acme.test", "notes": "VIP"}


# 3
def test_start_moves_to_running_now_or_at_the_scheduled_time(make_campaign, t0):
    now_campaign = make_campaign()
    assert services.start_campaign(campaign_id=now_campaign.pk, now=t0).state == CampaignState.RUNNING

    later = make_campaign(scheduled_start_time=t0 + datetime.timedelta(hours=1))
    assert services.start_campaign(campaign_id=later.pk, now=t0).state == CampaignState.PENDING
    loops.tick(now=t0 + datetime.timedelta(minutes=59))
    assert Campaign.objects.get(pk=later.pk).state == CampaignState.PENDING
    loops.tick(now=t0 + datetime.timedelta(hours=1))
    assert Campaign.objects.get(pk=later.pk).state == CampaignState.RUNNING


# 4
def test_a_call_updates_the_contact_and_the_stats_on_completion(running_campaign, t0):
    campaign = running_campaign()
    result = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    contact = CampaignContact.objects.get(pk=result.call.contact_id)
    assert (contact.status, contact.outcome, contact.attempts) == (ContactStatus.COMPLETED, "completed", 1)
    assert contact.duration_seconds > 0 and contact.locked_until is None
    campaign.refresh_from_db()
    assert (campaign.calls_made, campaign.completed_contacts, campaign.answered_calls) == (1, 1, 1)
    assert campaign.total_talk_seconds == contact.duration_seconds
    assert campaign.last_called_at == t0
    assert [e.status for e in result.call.events.all()] == ["initiated", "ringing", "in-progress", "completed"]


# 5
def test_pause_stops_new_calls_at_once(running_campaign, t0):
    campaign = running_campaign(pacing_seconds=5)
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    services.pause_campaign(campaign_id=campaign.pk, now=t0 + SECOND)
    for seconds in (10, 60, 3600):
        result = dialer.dial_next(campaign_id=campaign.pk, now=t0 + seconds * SECOND, backend=sim("completed"))
        assert result.call is None and result.stop
    assert Call.objects.filter(campaign=campaign).count() == 1


# 6
def test_resume_continues_from_where_it_stopped(running_campaign, t0):
    campaign = running_campaign(pacing_seconds=5)
    backend = sim("completed", "completed", "completed", "completed", "completed")
    first = [dialer.dial_next(campaign_id=campaign.pk, now=t0 + i * 5 * SECOND, backend=backend).call for i in (0, 1)]
    services.pause_campaign(campaign_id=campaign.pk, now=t0 + 11 * SECOND)
    services.resume_campaign(campaign_id=campaign.pk, now=t0 + 600 * SECOND)
    later = [
        dialer.dial_next(campaign_id=campaign.pk, now=t0 + (600 + i * 5) * SECOND, backend=backend).call
        for i in (0, 1, 2)
    ]
    assert [c.contact.phone for c in first + later] == NY_NUMBERS
    assert all(c.attempt == 1 for c in first + later)


# 7
def test_business_hours_hold_calls_outside_the_window(running_campaign, t0):
    campaign = running_campaign()  # Mon-Fri 09:00-17:00 America/New_York
    evening = t0.replace(hour=17, minute=0)
    result = dialer.dial_next(campaign_id=campaign.pk, now=evening, backend=sim("completed"))
    assert result.call is None and result.reason == "outside business hours"
    assert result.wait_seconds == 16 * 3600  # until Tuesday 09:00
    saturday = t0 + datetime.timedelta(days=5)
    result = dialer.dial_next(campaign_id=campaign.pk, now=saturday, backend=sim("completed"))
    assert result.call is None and result.wait_seconds == (47 * 3600)  # Monday 09:00
    assert not Call.objects.exists()
    opening = (t0 + datetime.timedelta(days=1)).replace(hour=9)
    assert dialer.dial_next(campaign_id=campaign.pk, now=opening, backend=sim("completed")).call is not None


def test_no_call_outside_08_to_21_in_the_contacts_own_time_zone(running_campaign, t0):
    campaign = running_campaign(["+14155550101", "+12125550101"], business_hours={"enabled": False})
    early_for_california = t0.replace(hour=9)  # 06:00 in San Francisco
    result = dialer.dial_next(campaign_id=campaign.pk, now=early_for_california, backend=sim("completed"))
    assert result.call.contact.phone == "+12125550101"
    deferred = campaign.contacts.get(phone="+14155550101")
    assert deferred.status == ContactStatus.PENDING and deferred.attempts == 0
    assert deferred.next_attempt_at == t0.replace(hour=11)  # 08:00 in San Francisco
    nothing = dialer.dial_next(campaign_id=campaign.pk, now=t0.replace(hour=10), backend=sim("completed"))
    assert nothing.call is None and nothing.reason == "waiting for retries"
    called = dialer.dial_next(campaign_id=campaign.pk, now=t0.replace(hour=11), backend=sim("completed"))
    assert called.call.contact.phone == "+14155550101"


# 8
def test_pacing_keeps_the_delay_between_calls(running_campaign, t0):
    campaign = running_campaign(pacing_seconds=10)
    backend = sim(*["completed"] * 5)
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call is not None
    early = dialer.dial_next(campaign_id=campaign.pk, now=t0 + 4 * SECOND, backend=backend)
    assert early.call is None and early.reason == "pacing" and early.wait_seconds == 6
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0 + 10 * SECOND, backend=backend).call is not None


def test_dialer_loop_sleeps_out_the_pacing_on_a_controlled_clock(running_campaign, t0, settings):
    settings.SIMULATED_CALL_SECONDS = 0
    settings.TELEPHONY_BACKEND = "simulated"
    campaign = running_campaign(pacing_seconds=10)
    clock = {"t": 0.0}
    requeued = []
    reason = loops.run_dialer_loop(
        campaign_id=campaign.pk,
        holder="loop-a",
        slice_seconds=25,
        clock=lambda: clock["t"],
        sleep=lambda s: clock.__setitem__("t", clock["t"] + s),
        now=lambda: t0 + clock["t"] * SECOND,
        requeue=lambda **kwargs: requeued.append(kwargs),
    )
    assert reason == "continued" and requeued == [{"campaign_id": campaign.pk, "slot": 0, "holder": "loop-a"}]
    times = sorted(Call.objects.filter(campaign=campaign).values_list("contact__last_called_at", flat=True))
    assert [(t - t0).total_seconds() for t in times][:3] == [0, 10, 20]


# 9
def test_retryable_outcomes_are_retried_with_the_backoff_then_fail(running_campaign, t0):
    campaign = running_campaign(
        ["+12125550101"], retry_policy={"max_retries": 2, "backoff_hours": [1, 4], "retryable_outcomes": ["no-answer"]}
    )
    backend = sim("no-answer", "no-answer", "no-answer")
    hour = datetime.timedelta(hours=1)
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call.attempt == 1
    contact = campaign.contacts.get()
    assert (contact.status, contact.next_attempt_at) == (ContactStatus.PENDING, t0 + hour)
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0 + 59 * 60 * SECOND, backend=backend).call is None
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0 + hour, backend=backend).call.attempt == 2
    contact.refresh_from_db()
    assert contact.next_attempt_at == t0 + 5 * hour
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0 + 4 * hour, backend=backend).call is None
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0 + 5 * hour, backend=backend).call.attempt == 3
    contact.refresh_from_db()
    assert (contact.status, contact.outcome, contact.attempts) == (ContactStatus.FAILED, "no-answer", 3)


def test_outcomes_not_listed_as_retryable_fail_at_once(running_campaign, t0):
    campaign = running_campaign(["+12125550101"], retry_policy={"retryable_outcomes": ["no-answer"]})
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("busy"))
    assert campaign.contacts.get().status == ContactStatus.FAILED


# 10
def test_campaign_completes_when_every_contact_is_done(running_campaign, t0, django_capture_on_commit_callbacks):
    campaign = running_campaign(["+12125550101", "+12125550102"], pacing_seconds=5, retry_policy={"max_retries": 0})
    backend = sim("completed", "busy")
    with django_capture_on_commit_callbacks(execute=True):
        dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend)
        dialer.dial_next(campaign_id=campaign.pk, now=t0 + 5 * SECOND, backend=backend)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED
    assert (campaign.completed_contacts, campaign.failed_contacts, campaign.success_rate) == (1, 1, 50.0)
    assert dialer.dial_next(campaign_id=campaign.pk, now=t0 + 60 * SECOND, backend=backend).stop


def test_campaign_completion_is_also_detected_by_the_dialer(running_campaign, t0):
    campaign = running_campaign(["+12125550101"])
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    result = dialer.dial_next(campaign_id=campaign.pk, now=t0 + 60 * SECOND, backend=sim())
    assert result.stop and result.reason == "completed"
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED


def test_a_long_run_of_contacts_outside_their_hours_is_deferred_without_stalling(running_campaign, t0, monkeypatch):
    monkeypatch.setattr(dialer, "CLAIM_BATCH", 2)
    monkeypatch.setattr(dialer, "CLAIM_BATCHES", 1)
    california = ["+14155550101", "+14155550102", "+14155550103"]
    campaign = running_campaign([*california, "+12125550101"], business_hours={"enabled": False})
    early = t0.replace(hour=9)  # 06:00 in San Francisco, 09:00 in New York
    first = dialer.dial_next(campaign_id=campaign.pk, now=early, backend=sim("completed"))
    assert first.call is None and first.wait_seconds < 1  # two deferred, more still due: keep going
    second = dialer.dial_next(campaign_id=campaign.pk, now=early, backend=sim("completed"))
    assert second.call.contact.phone == "+12125550101"
    assert campaign.contacts.filter(phone__in=california, attempts=0, next_attempt_at=t0.replace(hour=11)).count() == 3
