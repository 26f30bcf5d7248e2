"""Several real qcluster workers dial one 600-contact campaign on PostgreSQL (simulated telephony)."""

import datetime
import itertools
import time
import zoneinfo
from collections import defaultdict

import phonenumbers
import pytest
from django.db import connection
from django.utils import timezone

from campaigns import services
from campaigns.dialer import contact_time_zones
from campaigns.models import Call, Campaign, CampaignContact, CampaignState, ContactStatus
from tests.campaigns.workers import qclusters

# Number ranges whose local time is inside 08:00-21:00 at one moment or another of the UTC day.
RANGES = {
    "America/New_York": "+1212555",
    "Europe/London": "+44207946",
    "Asia/Tokyo": "+8133224",
    "Australia/Sydney": "+6129374",
}
CONTACTS = 600
BACKOFF_HOURS = 1 / 3600  # one second, so retries are really waited for


def numbers_callable_now(count: int) -> list[str]:
    now = timezone.now()
    for zone, prefix in RANGES.items():
        local = now.astimezone(zoneinfo.ZoneInfo(zone)).time()
        if datetime.time(8, 0) <= local < datetime.time(20, 0):
            numbers = [f"{prefix}{i:04d}" for i in range(10000)]
            valid = [
                n
                for n in numbers
                if phonenumbers.is_valid_number(phonenumbers.parse(n)) and contact_time_zones(n) == (zone,)
            ]
            return valid[:count]
    raise AssertionError("no number range is in its calling window now")


@pytest.mark.workers
@pytest.mark.postgres
@pytest.mark.timeout(600)
@pytest.mark.django_db(transaction=True)
def test_several_workers_dial_every_contact_once_at_a_time_with_retries(location, manager, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks with SKIP LOCKED)")
    numbers = numbers_callable_now(CONTACTS)
    assert len(numbers) == CONTACTS
    campaign, result = services.create_campaign(
        location=location,
        user=manager,
        file_bytes=("phone\n" + "\n".join(numbers)).encode(),
        filename="big.csv",
        timezone_name="UTC",
        max_concurrent_calls=8,
        business_hours={"enabled": False},
        retry_policy={"max_retries": 2, "backoff_hours": [BACKOFF_HOURS], "retryable_outcomes": ["no-answer", "busy"]},
    )
    assert len(result.contacts) == CONTACTS
    Campaign.objects.filter(pk=campaign.pk).update(pacing_seconds=0)  # below the 5 s the API allows: a load test

    env = {"TELEPHONY_BACKEND": "simulated", "SIMULATED_CALL_SECONDS": "0", "DIALER_LOOPS_MAX": "6"}
    settings.DIALER_LOOPS_MAX = 6  # the loops are enqueued here, by start_campaign
    with qclusters(3, workers=2, env=env, log_dir=tmp_path):
        services.start_campaign(campaign_id=campaign.pk)
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            state = Campaign.objects.values_list("state", flat=True).get(pk=campaign.pk)
            if state != CampaignState.RUNNING:
                break
            time.sleep(1)
    logs = "\n".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log"))
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.COMPLETED, logs

    contacts = {c.pk: c for c in CampaignContact.objects.filter(campaign=campaign)}
    assert all(c.status in (ContactStatus.COMPLETED, ContactStatus.FAILED) for c in contacts.values())
    calls_by_contact = defaultdict(list)
    for call in Call.objects.filter(campaign=campaign).order_by("attempt"):
        calls_by_contact[call.contact_id].append(call)
    assert set(calls_by_contact) == set(contacts)

    backoff = datetime.timedelta(hours=BACKOFF_HOURS)
    retried = 0
    for contact_id, calls in calls_by_contact.items():
        contact = contacts[contact_id]
        assert [c.attempt for c in calls] == list(range(1, len(calls) + 1))
        assert len(calls) == contact.attempts <= 3
        for earlier, later in itertools.pairwise(calls):
            # Never two calls of one contact at once, and the backoff waited out between them.
            assert earlier.ended_at is not None and later.created_at >= earlier.ended_at + backoff
            assert earlier.status in ("no-answer", "busy")
            retried += 1
        last = calls[-1]
        assert last.status == contact.outcome
        if contact.status == ContactStatus.FAILED and last.status in ("no-answer", "busy"):
            assert len(calls) == 3  # retryable outcomes are retried until max_retries is used up
    assert retried > CONTACTS // 10  # the simulator's no-answer/busy share is about 30%

    total_calls = sum(len(calls) for calls in calls_by_contact.values())
    completed = sum(c.status == ContactStatus.COMPLETED for c in contacts.values())
    assert (campaign.calls_made, campaign.completed_contacts) == (total_calls, completed)
    assert campaign.completed_contacts + campaign.failed_contacts == CONTACTS
    workers = set(Call.objects.filter(campaign=campaign).values_list("placed_by", flat=True))
    assert len(workers) >= 3, workers  # the calls were really spread over several worker processes
