"""The SMS sending rate per sender number (SMS_RATE_PER_SECOND), kept across workers.

Carriers and Twilio limit how fast one number may send (a long code: 1 SMS per second). Before
each SMS the outbox takes the sender's next send slot: in one transaction it locks the number's
SenderPace row (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), takes
max(now, next_slot_at) and moves next_slot_at one interval on. Slots never overlap whichever worker
takes them, so the number never sends faster than the rate; a worker then waits for its slot.
"""

import math
import time
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from leads import conf
from leads.models import Channel, Message, MessageStatus, SenderPace
from outreach import conf as outreach_conf

DEFAULT_SENDER = "default"  # a backend without a number (console, file) is paced as one sender


def sender() -> str:
    """The number SMS go out from (one for the whole site: TWILIO_FROM_NUMBER)."""
    return outreach_conf.twilio_from_number() or DEFAULT_SENDER


def take_slot(sender_id: str, *, now: datetime) -> datetime:
    """The moment this sender's next SMS may go (now or later); the slot is this caller's alone."""
    interval = timedelta(seconds=1 / conf.sms_rate_per_second())
    with transaction.atomic():
        pace = _locked(sender_id, now)
        slot = max(now, pace.next_slot_at)
        SenderPace.objects.filter(pk=pace.pk).update(next_slot_at=slot + interval)
    return slot


def _locked(sender_id: str, now: datetime) -> SenderPace:
    paces = SenderPace.objects.select_for_update()
    pace = paces.filter(sender=sender_id).first()
    if pace is None:  # the number's first SMS: create its row (a racing worker's may win) and lock it
        SenderPace.objects.bulk_create([SenderPace(sender=sender_id, next_slot_at=now)], ignore_conflicts=True)
        pace = paces.get(sender=sender_id)
    return pace


def _give_back(sender_id: str, slot: datetime) -> None:
    """Return an unused slot, unless someone took a later one meanwhile (then it stays a gap)."""
    taken_until = slot + timedelta(seconds=1 / conf.sms_rate_per_second())
    SenderPace.objects.filter(sender=sender_id, next_slot_at=taken_until).update(next_slot_at=slot)


def wait_for_slot(*, deadline: float | None) -> bool:
    """Take the sender's next slot and sleep until it; False (without sleeping) if the slot comes
    after `deadline` (time.monotonic()), so the caller hands its message back instead of waiting."""
    number = sender()
    slot = take_slot(number, now=timezone.now())
    wait = (slot - timezone.now()).total_seconds()
    if deadline is not None and time.monotonic() + wait > deadline:
        _give_back(number, slot)
        return False
    if wait > 0:
        time.sleep(wait)
    return True


def _rate_text(rate: float) -> int | float:
    return int(rate) if rate == int(rate) else rate


def figures(*, operation_id) -> list[tuple[str, str, int | float]]:
    """For an operation's page: its SMS due to send, the rate, and the seconds until the last of them
    goes at that rate (after the SMS of every operation queued before them on the same number)."""
    due = (
        Message.objects.filter(channel=Channel.SMS, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING])
        .filter(models.Q(send_after__isnull=True) | models.Q(send_after__lte=timezone.now()))
        .order_by()
    )
    mine = due.filter(operation_id=operation_id).aggregate(n=models.Count("id"), last=models.Max("id"))
    if not mine["n"]:
        return []
    rate = conf.sms_rate_per_second()
    ahead = due.filter(pk__lte=mine["last"]).count()
    next_slot = SenderPace.objects.filter(sender=sender()).values_list("next_slot_at", flat=True).first()
    backlog = max(0.0, (next_slot - timezone.now()).total_seconds()) if next_slot else 0.0
    return [
        ("sms_waiting", "SMS waiting to send", mine["n"]),
        ("sms_rate", "Sending rate (SMS per second per number)", _rate_text(rate)),
        ("sms_eta_seconds", "Time left at that rate (seconds)", math.ceil(backlog + ahead / rate)),
    ]
