"""Never twice: a call whose final callback was lost is reconciled with the provider before any re-dial."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from campaigns import dialer
from campaigns.models import Call, CallEvent, CampaignContact, ContactStatus
from tests.campaigns.conftest import sim

pytestmark = pytest.mark.django_db
LATER = datetime.timedelta(minutes=5, seconds=1)  # past the 5-minute call lock


def numbers_dialled(http) -> list[str]:
    return [request["data"]["To"] for request in http.creates()]


def test_a_lost_callback_of_a_completed_call_is_reconciled_without_a_second_call(twilio, placed_call, t0):
    backend, http = twilio
    http.calls[placed_call.call_sid] = {"status": "completed", "duration": "42"}  # the callback never came

    assert dialer.release_stale_contacts(now=t0 + LATER, backend=backend) == 0  # nobody to dial again
    assert len(http.fetches()) == 1 and http.fetches()[0]["uri"].endswith(f"/Calls/{placed_call.call_sid}.json")
    call = Call.objects.get(pk=placed_call.pk)
    assert (call.status, call.duration_seconds, call.provider_status) == ("completed", 42, "completed")
    assert call.provider_checked_at == t0 + LATER
    assert CallEvent.objects.get(call=call, status="completed").payload["Source"] == "provider status check"
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert (contact.status, contact.outcome, contact.attempts) == (ContactStatus.COMPLETED, "completed", 1)

    # The dialer goes on with the next contact and never returns to the first.
    for minutes in (6, 7, 8):
        dialer.dial_next(campaign_id=call.campaign_id, now=t0 + datetime.timedelta(minutes=minutes), backend=backend)
    assert numbers_dialled(http) == ["+12125550101", "+12125550102"]


def test_a_call_the_provider_says_never_happened_is_dialled_again_once(twilio, placed_call, t0):
    backend, http = twilio
    http.calls[placed_call.call_sid] = {"status": "failed", "duration": None}

    assert dialer.release_stale_contacts(now=t0 + LATER, backend=backend) == 1
    call = Call.objects.get(pk=placed_call.pk)
    assert (call.status, call.provider_status) == ("failed", "failed")
    assert "the provider says failed" in call.error_message
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert (contact.status, contact.next_attempt_at) == (ContactStatus.PENDING, t0 + LATER)

    again = dialer.dial_next(campaign_id=call.campaign_id, now=t0 + LATER, backend=backend).call
    assert (again.contact_id, again.attempt) == (contact.pk, 2)
    assert numbers_dialled(http) == ["+12125550101", "+12125550101"]
    assert dialer.release_stale_contacts(now=t0 + LATER, backend=backend) == 0  # the new call's lock runs


def test_a_call_unknown_to_the_provider_is_dialled_again(twilio, placed_call, t0):
    backend, http = twilio
    http.calls.clear()  # Twilio answers 404
    assert dialer.release_stale_contacts(now=t0 + LATER, backend=backend) == 1
    call = Call.objects.get(pk=placed_call.pk)
    assert call.provider_status == "not-found" and "has no record of it" in call.error_message
    assert CampaignContact.objects.get(pk=call.contact_id).status == ContactStatus.PENDING


@pytest.mark.parametrize("status", ["ringing", "in-progress"])
def test_a_call_still_running_at_the_provider_keeps_its_contact(twilio, placed_call, t0, status):
    backend, http = twilio
    http.calls[placed_call.call_sid] = {"status": status, "duration": None}
    assert dialer.release_stale_contacts(now=t0 + LATER, backend=backend) == 0
    contact = CampaignContact.objects.get(pk=placed_call.contact_id)
    assert contact.status == ContactStatus.CALLING and contact.locked_until > t0 + LATER
    assert Call.objects.get(pk=placed_call.pk).status == status
    assert numbers_dialled(http) == ["+12125550101"]


def test_when_the_provider_cannot_be_asked_nobody_is_dialled_again(twilio, placed_call, t0):
    backend, http = twilio
    http.unreachable = True
    assert dialer.release_stale_contacts(now=t0 + LATER, backend=backend) == 0
    call = Call.objects.get(pk=placed_call.pk)
    assert call.provider_status.startswith("unreachable") and "could not be asked" in call.error_message
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert contact.status == ContactStatus.CALLING and contact.locked_until > t0 + LATER
    # Asked again at the next run, once Twilio answers: the call had completed.
    http.unreachable = False
    http.calls[placed_call.call_sid] = {"status": "completed", "duration": "7"}
    assert dialer.release_stale_contacts(now=t0 + 3 * LATER, backend=backend) == 0
    assert CampaignContact.objects.get(pk=call.contact_id).status == ContactStatus.COMPLETED


def test_the_simulator_answers_from_its_own_record(running_campaign, t0):
    campaign = running_campaign(["+12125550101"], retry_policy={"max_retries": 1})
    backend = sim("completed")
    call = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call
    answer = backend.fetch_call(call_sid=call.call_sid)
    assert (answer.status, answer.duration) == ("completed", Call.objects.get(pk=call.pk).duration_seconds)
    assert backend.fetch_call(call_sid="SIMnever-placed") is None


def test_check_fails_with_twilio_and_a_local_public_base_url(settings):
    settings.TELEPHONY_BACKEND = "twilio"
    for local in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]/"):
        settings.PUBLIC_BASE_URL = local
        with pytest.raises(SystemCheckError, match=r"campaigns\.E001.*PUBLIC_BASE_URL"):
            call_command("check")
    settings.PUBLIC_BASE_URL = "https://ops.example.com"
    call_command("check")
    settings.TELEPHONY_BACKEND = "simulated"
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    call_command("check")


def test_check_fails_with_twilio_and_no_public_base_url(settings, monkeypatch):
    settings.TELEPHONY_BACKEND = "twilio"
    del settings.PUBLIC_BASE_URL
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(SystemCheckError, match="unset or local"):
        call_command("check")
