"""Dialer loops: one loop per slot (leases), handed over between tasks, restarted by the tick."""

import datetime

import pytest

from campaigns import loops, services
from campaigns.models import DialerLease

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


def test_a_slot_held_by_a_live_loop_refuses_a_second_loop(running_campaign, t0):
    campaign = running_campaign()
    until = t0 + 50 * SECOND
    assert loops.claim_lease(campaign_id=campaign.pk, slot=0, holder="a", until=until, now=t0)
    assert not loops.claim_lease(campaign_id=campaign.pk, slot=0, holder="b", until=until, now=t0 + 10 * SECOND)
    assert loops.claim_lease(campaign_id=campaign.pk, slot=0, holder="a", until=until, now=t0 + 10 * SECOND)
    assert loops.claim_lease(campaign_id=campaign.pk, slot=1, holder="b", until=until, now=t0)
    # An expired lease (its worker died) goes to whoever asks next.
    later = until + 100 * SECOND
    assert loops.claim_lease(campaign_id=campaign.pk, slot=0, holder="c", until=later, now=until + SECOND)
    reason = loops.run_dialer_loop(
        campaign_id=campaign.pk, slot=0, holder="d", now=lambda: until + 2 * SECOND, sleep=lambda s: None
    )
    assert reason == "slot taken"


def test_loop_ends_idle_outside_business_hours_and_frees_its_slot(running_campaign, t0):
    campaign = running_campaign()
    evening = t0.replace(hour=20)
    reason = loops.run_dialer_loop(campaign_id=campaign.pk, holder="a", now=lambda: evening, sleep=lambda s: None)
    assert reason == "idle: outside business hours"
    assert DialerLease.objects.get(campaign=campaign, slot=0).expires_at == evening


def test_loop_stops_when_the_campaign_is_paused(running_campaign, t0):
    campaign = running_campaign()
    services.pause_campaign(campaign_id=campaign.pk, now=t0)
    assert loops.run_dialer_loop(campaign_id=campaign.pk, holder="a", now=lambda: t0) == "not running"


def test_tick_restarts_only_slots_without_a_live_lease(running_campaign, t0, settings):
    settings.DIALER_LOOPS_MAX = 3
    campaign = running_campaign(max_concurrent_calls=3)
    loops.claim_lease(campaign_id=campaign.pk, slot=1, holder="a", until=t0 + 50 * SECOND, now=t0)
    result = loops.tick(now=t0 + 10 * SECOND)
    assert result["restarted"] == [(campaign.pk, 0), (campaign.pk, 2)]
    result = loops.tick(now=t0 + 60 * SECOND)
    assert result["restarted"] == [(campaign.pk, 0), (campaign.pk, 1), (campaign.pk, 2)]
