"""Dialer loops on django-q2: pacing of seconds inside a task, bounded by leases per slot.

django-q2 checks Schedules only about every 30 s, so a loop task dials for a slice (sleeping
out the pacing), then re-enqueues itself with its lease. The minute tick (a Schedule created
by migration 0002) starts due campaigns, restarts slots whose lease expired (a worker died,
or the loop ended because the next call was far off) and runs the watchdog.
"""

import datetime
import time
import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns import conf
from campaigns.dialer import LONG_WAIT_SECONDS, dial_next, release_stale_contacts
from campaigns.models import Campaign, CampaignState, DialerLease
from campaigns.services import activate_due_campaigns, enqueue_loop, loop_slots

LEASE_MARGIN_SECONDS = 30


def claim_lease(*, campaign_id: int, slot: int, holder: str, until: datetime.datetime, now: datetime.datetime) -> bool:
    """Take (or renew) the slot's lease; False while another holder's lease runs."""
    leases = DialerLease.objects.filter(campaign_id=campaign_id, slot=slot)
    if leases.filter(Q(holder=holder) | Q(expires_at__lt=now)).update(holder=holder, expires_at=until):
        return True
    if leases.exists():
        return False
    try:
        with transaction.atomic():
            DialerLease.objects.create(campaign_id=campaign_id, slot=slot, holder=holder, expires_at=until)
    except IntegrityError:
        return False  # another loop created it first
    return True


def release_lease(*, campaign_id: int, slot: int, holder: str, now: datetime.datetime) -> None:
    DialerLease.objects.filter(campaign_id=campaign_id, slot=slot, holder=holder).update(expires_at=now)


def tick(*, now: datetime.datetime | None = None) -> dict:
    """The minute schedule: start due campaigns, restart idle or dead slots, run the watchdog."""
    now = now or timezone.now()
    activated = activate_due_campaigns(now=now)
    restarted = []
    for campaign in Campaign.objects.filter(state=CampaignState.RUNNING).exclude(pk__in=activated):
        held = set(DialerLease.objects.filter(campaign=campaign, expires_at__gte=now).values_list("slot", flat=True))
        for slot in range(loop_slots(campaign)):
            if slot not in held:
                enqueue_loop(campaign_id=campaign.pk, slot=slot)
                restarted.append((campaign.pk, slot))
    return {"activated": activated, "restarted": restarted, "released": release_stale_contacts(now=now)}


def run_dialer_loop(
    *,
    campaign_id: int,
    slot: int = 0,
    holder: str = "",
    slice_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime.datetime] = timezone.now,
    requeue: Callable[..., None] | None = None,
) -> str:
    """Dial for one slice, sleeping out the pacing; then hand the lease to a fresh task.

    Ends without a successor when the campaign stops running or the next possible call is
    far off (closed hours, retries hours away): the minute tick starts the slot again.
    """
    slice_seconds = conf.dialer_slice_seconds() if slice_seconds is None else slice_seconds
    holder = holder or uuid.uuid4().hex
    lease = datetime.timedelta(seconds=slice_seconds + LEASE_MARGIN_SECONDS)
    if not claim_lease(campaign_id=campaign_id, slot=slot, holder=holder, until=now() + lease, now=now()):
        return "slot taken"
    deadline = clock() + slice_seconds
    while True:
        result = dial_next(campaign_id=campaign_id, now=now())
        if result.stop or result.wait_seconds > LONG_WAIT_SECONDS:
            release_lease(campaign_id=campaign_id, slot=slot, holder=holder, now=now())
            return result.reason if result.stop else f"idle: {result.reason}"
        remaining = deadline - clock()
        if remaining <= 0 or result.wait_seconds >= remaining:
            sleep(max(min(result.wait_seconds, remaining), 0))
            # The successor inherits the lease: nobody else can take the slot in between.
            claim_lease(campaign_id=campaign_id, slot=slot, holder=holder, until=now() + lease, now=now())
            (requeue or enqueue_loop)(campaign_id=campaign_id, slot=slot, holder=holder)
            return "continued"
        if result.wait_seconds > 0:
            sleep(result.wait_seconds)
