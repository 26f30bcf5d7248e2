"""Twilio: call creation with the official library, and the signed, idempotent status webhook."""

import pytest
from twilio.request_validator import RequestValidator

from campaigns import dialer
from campaigns.models import Call, CallEvent, CampaignContact, ContactStatus
from campaigns.telephony import TwilioBackend
from tests.campaigns.conftest import CALLBACK_PATH, TOKEN, post_status

pytestmark = pytest.mark.django_db


def test_twilio_backend_creates_the_call_with_a_status_callback_url(twilio, placed_call):
    _, http = twilio
    (request,) = http.creates()
    assert request["method"] == "POST" and request["uri"].endswith("/Calls.json")
    assert request["data"]["To"] == "+12125550101"
    assert request["data"]["From"] == "+15005550006"
    assert request["data"]["StatusCallback"] == f"https://ops.example.com{CALLBACK_PATH}?call_id={placed_call.pk}"
    placed_call.refresh_from_db()
    assert placed_call.call_sid == "CA" + "1".zfill(32)
    assert placed_call.contact.status == ContactStatus.CALLING


def test_a_forged_webhook_is_refused_and_changes_nothing(client, placed_call):
    response = post_status(client, placed_call, "completed", signature="forged", CallDuration="30")
    assert response.status_code == 403
    unsigned = client.post(f"{CALLBACK_PATH}?call_id={placed_call.pk}", {"CallStatus": "completed"})
    assert unsigned.status_code == 403
    placed_call.refresh_from_db()
    assert placed_call.status == "queued" and not CallEvent.objects.exists()
    assert placed_call.contact.status == ContactStatus.CALLING


def test_a_signature_for_other_parameters_is_refused(client, placed_call):
    url = f"https://ops.example.com{CALLBACK_PATH}?call_id={placed_call.pk}"
    other = RequestValidator(TOKEN).compute_signature(url, {"CallSid": placed_call.call_sid, "CallStatus": "busy"})
    assert post_status(client, placed_call, "completed", signature=other).status_code == 403


def test_the_same_genuine_webhook_three_times_changes_the_contact_once(client, placed_call):
    for status in ("initiated", "ringing", "in-progress"):
        assert post_status(client, placed_call, status).status_code == 204
    for _ in range(3):
        assert post_status(client, placed_call, "completed", CallDuration="42").status_code == 204
    contact = CampaignContact.objects.get(pk=placed_call.contact_id)
    assert (contact.status, contact.outcome, contact.duration_seconds) == (ContactStatus.COMPLETED, "completed", 42)
    campaign = contact.campaign
    assert (campaign.completed_contacts, campaign.answered_calls, campaign.total_talk_seconds) == (1, 1, 42)
    assert CallEvent.objects.filter(call=placed_call, status="completed").count() == 1


def test_a_repeated_retryable_outcome_schedules_one_retry(client, placed_call, t0):
    for _ in range(3):
        assert post_status(client, placed_call, "no-answer").status_code == 204
    contact = CampaignContact.objects.get(pk=placed_call.contact_id)
    assert (contact.status, contact.attempts, contact.outcome) == (ContactStatus.PENDING, 1, "no-answer")
    assert contact.next_attempt_at is not None and contact.campaign.failed_contacts == 0


def test_out_of_order_callbacks_never_move_a_call_backwards(client, placed_call):
    post_status(client, placed_call, "in-progress")
    post_status(client, placed_call, "completed", CallDuration="9")
    post_status(client, placed_call, "ringing")
    post_status(client, placed_call, "busy")
    call = Call.objects.get(pk=placed_call.pk)
    assert (call.status, call.duration_seconds) == ("completed", 9)
    assert CampaignContact.objects.get(pk=call.contact_id).outcome == "completed"


def test_a_callback_for_another_call_sid_changes_nothing(client, placed_call):
    params = {"CallSid": "CAnotthisone", "CallStatus": "completed"}
    url = f"https://ops.example.com{CALLBACK_PATH}?call_id={placed_call.pk}"
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    response = client.post(f"{CALLBACK_PATH}?call_id={placed_call.pk}", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 204
    assert Call.objects.get(pk=placed_call.pk).status == "queued"


def test_twilio_errors_fail_the_call_and_go_through_the_retry_policy(settings, running_campaign, t0):
    settings.TWILIO_FROM_NUMBER = ""
    campaign = running_campaign(["+12125550101"], retry_policy={"max_retries": 0})
    result = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=TwilioBackend(client=object()))
    call = Call.objects.get(pk=result.call.pk)
    assert call.status == "failed" and "TWILIO_FROM_NUMBER" in call.error_message
    assert CampaignContact.objects.get(campaign=campaign).status == ContactStatus.FAILED


def test_repeated_placement_errors_fail_the_campaign(settings, running_campaign, t0):
    import datetime

    settings.TWILIO_FROM_NUMBER = ""
    settings.CAMPAIGN_MAX_CONSECUTIVE_ERRORS = 2
    campaign = running_campaign(pacing_seconds=5)
    backend = TwilioBackend(client=object())
    for i in range(3):
        dialer.dial_next(campaign_id=campaign.pk, now=t0 + datetime.timedelta(seconds=5 * i), backend=backend)
    campaign.refresh_from_db()
    assert campaign.state == "failed" and "TWILIO_FROM_NUMBER" in campaign.failure_reason
    assert Call.objects.filter(campaign=campaign).count() == 2


def test_watchdog_frees_contacts_locked_for_more_than_five_minutes(client, twilio, placed_call, t0):
    import datetime

    backend, http = twilio
    http.calls[placed_call.call_sid] = {"status": "failed", "duration": None}  # Twilio: it never rang
    assert dialer.release_stale_contacts(now=t0 + datetime.timedelta(minutes=4), backend=backend) == 0
    assert dialer.release_stale_contacts(now=t0 + datetime.timedelta(minutes=5, seconds=1), backend=backend) == 1
    contact = CampaignContact.objects.get(pk=placed_call.contact_id)
    assert (contact.status, contact.locked_until, contact.current_call) == (ContactStatus.PENDING, None, None)
    call = Call.objects.get(pk=placed_call.pk)
    assert (call.status, call.provider_status) == ("failed", "failed")  # as Twilio answered
    # A late callback of the released call changes neither the contact nor the ended call.
    post_status(client, placed_call, "completed", CallDuration="5")
    contact.refresh_from_db()
    assert contact.status == ContactStatus.PENDING and contact.campaign.completed_contacts == 0
    assert Call.objects.get(pk=placed_call.pk).status == "failed"


def test_an_answered_call_is_not_released_by_the_watchdog_while_it_may_last(client, twilio, placed_call, t0):
    import datetime

    from django.utils import timezone

    backend, http = twilio
    post_status(client, placed_call, "in-progress")  # answered now (the webhook's clock is real)
    answered = timezone.now()
    assert dialer.release_stale_contacts(now=answered + datetime.timedelta(minutes=30), backend=backend) == 0
    assert not http.fetches()  # the lock still ran: nobody asked Twilio
    http.calls[placed_call.call_sid] = {"status": "canceled", "duration": None}
    assert dialer.release_stale_contacts(now=answered + datetime.timedelta(minutes=66), backend=backend) == 1


def test_the_twilio_call_has_a_time_limit(twilio, placed_call):
    _, http = twilio
    assert http.creates()[0]["data"]["TimeLimit"] == 3600
