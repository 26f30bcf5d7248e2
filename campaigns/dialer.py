"""The dialer: claim the next contact under row locks, place the call, record its outcome.

Every function takes `now`, so tests drive the clock. Concurrency rules:
- a dial claim holds the campaign's row lock (pacing and the concurrent-call limit are
  checked and advanced under it) and takes its contact with select_for_update(skip_locked);
- a contact is `calling` with `locked_until` while its call is open; the watchdog frees it
  after CALL_LOCK_MINUTES if no final status ever arrives;
- status callbacks only move a call forward and are recorded once per (call, status).
"""

import contextlib
import datetime
import logging
import os
import socket
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from campaigns import call_modes, conf, do_not_call, from_leads
from campaigns.do_not_call import blocked_numbers
from campaigns.models import (
    CALL_STATUS_RANK,
    TERMINAL_CALL_STATUSES,
    Call,
    CallEvent,
    CallingSettings,
    CallMode,
    CallOutcome,
    CallStatus,
    Campaign,
    CampaignContact,
    CampaignState,
    ContactStatus,
)
from outreach.hours import CONTACT_WINDOW, contact_time_zones, contact_window_open, next_contact_window

log = logging.getLogger(__name__)

CLAIM_BATCH = 25
CLAIM_BATCHES = 40  # contacts deferred per dial attempt at most: CLAIM_BATCH * CLAIM_BATCHES
LONG_WAIT_SECONDS = 120.0  # a dialer loop waits this long at most; the minute tick restarts it later
AGENT_WAIT_SECONDS = 5.0  # connect mode with every agent busy: look again after this


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class DialResult:
    call: Call | None
    wait_seconds: float  # until another dial attempt could succeed
    reason: str
    stop: bool = False  # the campaign is not running: the loop ends


# --- calling windows ----------------------------------------------------------------------


def business_hours_open(campaign: Campaign, now: datetime.datetime) -> bool:
    if not campaign.business_hours_enabled:
        return True
    local = now.astimezone(zoneinfo.ZoneInfo(campaign.timezone))
    start, end = _as_time(campaign.business_start), _as_time(campaign.business_end)
    return local.isoweekday() in campaign.business_days and start <= local.time() < end


def next_business_open(campaign: Campaign, now: datetime.datetime) -> datetime.datetime | None:
    """The next moment business hours open (now if they are open), None if they never do."""
    if business_hours_open(campaign, now):
        return now
    tz = zoneinfo.ZoneInfo(campaign.timezone)
    local = now.astimezone(tz)
    start = _as_time(campaign.business_start)
    for days_ahead in range(8):
        day = local.date() + datetime.timedelta(days=days_ahead)
        opening = datetime.datetime.combine(day, start, tzinfo=tz)
        if day.isoweekday() in campaign.business_days and opening > now:
            return opening
    return None


def _as_time(value) -> datetime.time:
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(str(value))


# --- claiming and dialing -----------------------------------------------------------------


def claim_next_contact(*, campaign: Campaign, now: datetime.datetime) -> CampaignContact | None:
    """Lock and mark `calling` the next due contact whose local time allows a call.

    Must run inside the transaction that holds the campaign's row lock. Contacts whose own
    local time is outside the company's calling window are deferred to their next window, not
    attempted; contacts whose number is on the do-not-call list now end without a call.
    """
    fallback_zones = (campaign.timezone,)
    window = calling_window(campaign.location_id)
    due = (
        CampaignContact.objects.filter(campaign=campaign, status=ContactStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
    )
    for _ in range(CLAIM_BATCHES):
        batch = list(due.select_for_update(skip_locked=True)[:CLAIM_BATCH])
        if not batch:
            return None
        deferred = []
        blocked = blocked_numbers(location_id=campaign.location_id, phones=(c.phone for c in batch))
        for contact in batch:
            if contact.phone in blocked:
                _stop_blocked(contact)
                continue
            zones = contact_time_zones(contact.phone) or fallback_zones
            if contact_window_open(zones, now, window):
                _defer(deferred)
                contact.status = ContactStatus.CALLING
                contact.attempts += 1
                contact.locked_until = now + datetime.timedelta(minutes=conf.call_lock_minutes())
                contact.last_called_at = now
                contact.save(update_fields=["status", "attempts", "locked_until", "last_called_at"])
                return contact
            contact.next_attempt_at = next_contact_window(zones, now, window)
            deferred.append(contact)
        _defer(deferred)
    return None


def calling_window(location_id: int) -> tuple[datetime.time, datetime.time]:
    """The company's callee-local calling window (its CallingSettings; 08:00-21:00 without them)."""
    window = CallingSettings.objects.filter(location_id=location_id).values_list("window_start", "window_end").first()
    return (window[0], window[1]) if window else CONTACT_WINDOW


def _stop_blocked(contact: CampaignContact) -> None:
    """A number put on the do-not-call list after import: the contact ends, never dialled."""
    contact.status = ContactStatus.FAILED
    contact.outcome = do_not_call.OUTCOME
    contact.next_attempt_at = None
    contact.save(update_fields=["status", "outcome", "next_attempt_at"])
    Campaign.objects.filter(pk=contact.campaign_id).update(failed_contacts=F("failed_contacts") + 1)


def _defer(contacts: list[CampaignContact]) -> None:
    if contacts:
        CampaignContact.objects.bulk_update(contacts, ["next_attempt_at"])


def dial_next(*, campaign_id: int, now: datetime.datetime | None = None, backend=None) -> DialResult:
    """One dialer step: start at most one call of the campaign, or say how long to wait."""
    from campaigns.telephony import TelephonyError, get_backend

    now = now or timezone.now()
    backend = backend or get_backend()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None or campaign.state != CampaignState.RUNNING:
            return DialResult(None, 0, "not running", stop=True)
        opening = next_business_open(campaign, now)
        if opening is None:
            return DialResult(None, LONG_WAIT_SECONDS, "no business days configured")
        if opening > now:
            return DialResult(None, (opening - now).total_seconds(), "outside business hours")
        if campaign.next_call_at and campaign.next_call_at > now:
            return DialResult(None, (campaign.next_call_at - now).total_seconds(), "pacing")
        calling = campaign.contacts.filter(status=ContactStatus.CALLING).count()
        if calling >= max(campaign.max_concurrent_calls, 1):
            return DialResult(None, 1.0, "lines busy")
        agent = None
        if campaign.call_mode == CallMode.CONNECT:
            agent = call_modes.reserve_agent(campaign)
            if agent is None:  # nobody to bridge an answer to: place no call, try again shortly
                return DialResult(None, AGENT_WAIT_SECONDS, "no agent free")
        contact = claim_next_contact(campaign=campaign, now=now)
        if contact is None:
            return _nothing_due(campaign, now, calling)
        call = Call.objects.create(
            campaign=campaign,
            contact=contact,
            attempt=contact.attempts,
            backend=backend.name,
            placed_by=worker_id(),
            agent=agent,
        )
        CampaignContact.objects.filter(pk=contact.pk).update(current_call=call)
        Campaign.objects.filter(pk=campaign_id).update(
            next_call_at=now + datetime.timedelta(seconds=campaign.pacing_seconds),
            last_called_at=now,
            calls_made=F("calls_made") + 1,
        )
    callback_url = status_callback_url(call)
    try:
        sid = backend.place_call(call=call, to=contact.phone, callback_url=callback_url)
    except TelephonyError as exc:
        log.warning("campaign %s: call %s could not be placed: %s", campaign_id, call.pk, exc)
        _placement_failed(call=call, error=str(exc), now=now)
        return DialResult(call, campaign.pacing_seconds, "call failed to start")
    Call.objects.filter(pk=call.pk, call_sid__isnull=True).update(call_sid=sid)
    call.call_sid = sid
    Campaign.objects.filter(pk=campaign_id, consecutive_errors__gt=0).update(consecutive_errors=0)
    backend.after_placed(call_id=call.pk, call_sid=sid, report_status=record_call_status, now=now)
    return DialResult(call, campaign.pacing_seconds, "dialed")


def _nothing_due(campaign: Campaign, now: datetime.datetime, calling: int) -> DialResult:
    from campaigns.services import complete_campaign

    pending = campaign.contacts.filter(status=ContactStatus.PENDING)
    if not calling and not pending.exists():
        complete_campaign(campaign_id=campaign.pk, now=now)
        return DialResult(None, 0, "completed", stop=True)
    if pending.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).exists():
        # The claim stopped after deferring a long run of contacts outside their local hours.
        return DialResult(None, 0.1, "deferring contacts outside their calling hours")
    next_due = pending.aggregate(at=Min("next_attempt_at"))["at"]
    if next_due is None or calling:
        return DialResult(None, 1.0, "waiting for calls in progress")
    return DialResult(None, max((next_due - now).total_seconds(), 0.5), "waiting for retries")


def status_callback_url(call: Call) -> str:
    return call_modes.webhook_url(call, "status-callback")


def _placement_failed(*, call: Call, error: str, now: datetime.datetime) -> None:
    from campaigns.services import IllegalTransition, fail_campaign

    Call.objects.filter(pk=call.pk).update(error_message=error[:2000])
    record_call_status(call_id=call.pk, params={"CallStatus": CallStatus.FAILED, "ErrorMessage": error}, now=now)
    updated = Campaign.objects.filter(pk=call.campaign_id)
    updated.update(consecutive_errors=F("consecutive_errors") + 1)
    if updated.values_list("consecutive_errors", flat=True).first() >= conf.max_consecutive_call_errors():
        with contextlib.suppress(IllegalTransition):  # already paused or failed by someone else
            fail_campaign(campaign_id=call.campaign_id, reason=f"Calls could not be placed: {error}", now=now)


# --- status callbacks ---------------------------------------------------------------------


def record_call_status(*, call_id: int | None = None, call_sid: str = "", params, now=None) -> bool:
    """Apply one status callback (Twilio's or the simulator's); True if it changed anything.

    A repeat of a (call, status) already received, or a status behind the call's current
    one (out of order), changes nothing.
    """
    now = now or timezone.now()
    status = str(params.get("CallStatus", "")).strip().lower()
    if status not in CALL_STATUS_RANK:
        return False
    with transaction.atomic():
        calls = Call.objects.select_for_update()
        call = calls.filter(pk=call_id).first() if call_id else calls.filter(call_sid=call_sid).first()
        if call is None or (call_sid and call.call_sid and call.call_sid != call_sid):
            return False
        if CallEvent.objects.filter(call=call, status=status).exists():
            return False
        CallEvent.objects.create(call=call, status=status, payload={k: params.get(k) for k in params})
        if CALL_STATUS_RANK[CallStatus(status)] <= CALL_STATUS_RANK[CallStatus(call.status)]:
            return False
        call.status = status
        if call_sid and not call.call_sid:
            call.call_sid = call_sid
        if status == CallStatus.IN_PROGRESS:
            call.answered_at = now
        if status in TERMINAL_CALL_STATUSES:
            call.ended_at = now
            call.duration_seconds = _int(params.get("CallDuration"))
            if status == CallStatus.COMPLETED and call.answered_at is None:
                call.answered_at = now
        call.save()
        if status in TERMINAL_CALL_STATUSES:
            # The lead first: its row is locked before the campaign's, in the order add_to_campaign takes them.
            from_leads.note_call_on_lead(call=call)
            _pace_after(call=call, now=now)
            _finish_contact(call=call, now=now)
        else:
            _extend_lock(call=call, status=status, now=now)
    return True


def _pace_after(*, call: Call, now: datetime.datetime) -> None:
    """Pacing counts from the end of a call: no next call before `now` + the campaign's delay."""
    pacing = Campaign.objects.filter(pk=call.campaign_id).values_list("pacing_seconds", flat=True).first() or 0
    after = now + datetime.timedelta(seconds=pacing)
    campaign = Campaign.objects.filter(pk=call.campaign_id)
    campaign.filter(Q(next_call_at__isnull=True) | Q(next_call_at__lt=after)).update(next_call_at=after)


def _extend_lock(*, call: Call, status: str, now: datetime.datetime) -> None:
    """A call that rings or talks is alive: keep the watchdog off it (an answered call for as
    long as the backend lets a call last)."""
    lock = datetime.timedelta(minutes=conf.call_lock_minutes())
    if status == CallStatus.IN_PROGRESS:
        lock += datetime.timedelta(minutes=conf.call_time_limit_minutes())
    CampaignContact.objects.filter(
        pk=call.contact_id, current_call=call, status=ContactStatus.CALLING, locked_until__lt=now + lock
    ).update(locked_until=now + lock)


def _int(value) -> int | None:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return None


def _finish_contact(*, call: Call, now: datetime.datetime) -> None:
    contact = CampaignContact.objects.select_for_update().get(pk=call.contact_id)
    if contact.current_call_id != call.pk or contact.status != ContactStatus.CALLING:
        return  # the watchdog already released this contact; only the call record changes
    campaign = Campaign.objects.get(pk=call.campaign_id)
    counters = {}
    contact.outcome = call.outcome or call.status  # a machine's: voicemail_left or machine_hung_up
    contact.duration_seconds = call.duration_seconds
    contact.locked_until = None
    if call.status == CallStatus.COMPLETED and call.outcome != CallOutcome.MACHINE_HUNG_UP:
        contact.status = ContactStatus.COMPLETED
        counters["completed_contacts"] = F("completed_contacts") + 1
        if not call.outcome:  # a person answered (a voicemail left is done, but nobody talked)
            counters["answered_calls"] = F("answered_calls") + 1
            counters["total_talk_seconds"] = F("total_talk_seconds") + (call.duration_seconds or 0)
    elif contact.outcome in campaign.retryable_outcomes and contact.attempts <= campaign.max_retries:
        contact.status = ContactStatus.PENDING
        contact.next_attempt_at = now + retry_delay(campaign=campaign, attempts=contact.attempts)
    else:
        contact.status = ContactStatus.FAILED
        counters["failed_contacts"] = F("failed_contacts") + 1
    contact.save(update_fields=["outcome", "duration_seconds", "locked_until", "status", "next_attempt_at"])
    if counters:
        Campaign.objects.filter(pk=campaign.pk).update(**counters)
    if contact.status != ContactStatus.PENDING and campaign.state == CampaignState.RUNNING:
        transaction.on_commit(lambda: _complete_if_done(campaign.pk, now))


def _complete_if_done(campaign_id: int, now: datetime.datetime) -> None:
    from campaigns.services import complete_campaign

    open_contacts = CampaignContact.objects.filter(
        campaign_id=campaign_id, status__in=[ContactStatus.PENDING, ContactStatus.CALLING]
    )
    if open_contacts.exists():
        return  # cheap check first; complete_campaign checks again under the campaign's lock
    complete_campaign(campaign_id=campaign_id, now=now)


def retry_delay(*, campaign: Campaign, attempts: int) -> datetime.timedelta:
    """The backoff after the `attempts`-th failed attempt: backoff_hours[attempts-1], the last one repeated."""
    hours = list(campaign.backoff_hours) or [0]
    return datetime.timedelta(hours=float(hours[min(max(attempts, 1), len(hours)) - 1]))


# --- watchdog ------------------------------------------------------------------------------

ALIVE_STATUSES = {CallStatus.QUEUED, CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS}
NOT_FOUND = "not-found"  # what a call's provider_status says when the provider has no such call


def release_stale_contacts(*, now: datetime.datetime | None = None, backend=None) -> int:
    """Settle contacts whose call sent no final status within the lock; returns how many were freed.

    Never twice: before a contact is dialled again, the provider is asked what became of its
    call, and its answer is recorded on the call. A call that happened (or still runs) is
    recorded as if its callback had come; only a call the provider says never took place
    (not found, or failed/canceled without a second of duration) frees the contact for a new
    attempt. When the provider cannot be asked, the contact stays locked until the next run.
    """
    now = now or timezone.now()
    stale = CampaignContact.objects.filter(status=ContactStatus.CALLING, locked_until__lt=now)
    released = 0
    for contact_id, call_id in list(stale.values_list("pk", "current_call_id")[:500]):
        answer = _ask_provider(call_id=call_id, backend=backend)  # outside any transaction: a network call
        released += _settle_stale(contact_id=contact_id, call_id=call_id, answer=answer, now=now)
    return released


def _ask_provider(*, call_id: int | None, backend):
    """The provider's ProviderCall, None when it has no such call, or the TelephonyError raised asking."""
    from campaigns.telephony import TelephonyError, backend_named

    call = Call.objects.filter(pk=call_id).first() if call_id else None
    if call is None or not call.call_sid:
        return None  # never handed to the provider (its worker died before the provider answered)
    try:
        return (backend or backend_named(call.backend)).fetch_call(call_sid=call.call_sid)
    except TelephonyError as exc:
        return exc


def _settle_stale(*, contact_id: int, call_id: int | None, answer, now: datetime.datetime) -> int:
    from campaigns.telephony import TelephonyError

    if call_id:
        if isinstance(answer, TelephonyError):
            said = f"unreachable: {answer}"
        else:
            said = NOT_FOUND if answer is None else answer.status
        Call.objects.filter(pk=call_id).update(provider_status=said[:32], provider_checked_at=now)
    if answer is not None and not isinstance(answer, TelephonyError) and not answer.no_call_happened:
        # The call happened or still runs: record it as its callback would have.
        params = {"CallStatus": answer.status, "CallDuration": answer.duration, "Source": "provider status check"}
        record_call_status(call_id=call_id, params=params, now=now)
        if answer.status in ALIVE_STATUSES:
            _extend_lock(call=Call.objects.get(pk=call_id), status=answer.status, now=now)
        return 0
    with transaction.atomic():
        contact = (
            CampaignContact.objects.select_for_update(skip_locked=True)
            .filter(pk=contact_id, status=ContactStatus.CALLING, current_call_id=call_id, locked_until__lt=now)
            .select_related("campaign")
            .first()
        )
        if contact is None:
            return 0  # its callback came meanwhile, or another watchdog has it
        if isinstance(answer, TelephonyError):
            Call.objects.filter(pk=call_id, ended_at__isnull=True).update(
                error_message=f"No final status; the provider could not be asked: {answer}"[:2000]
            )
            contact.locked_until = now + datetime.timedelta(minutes=conf.call_lock_minutes())
            contact.save(update_fields=["locked_until"])
            return 0
        _release(contact=contact, call_id=call_id, answer=answer, now=now)
    return 1


def _release(*, contact: CampaignContact, call_id: int | None, answer, now: datetime.datetime) -> None:
    """The provider confirms no call took place: close the call and dial the contact again."""
    campaign = contact.campaign
    if call_id:
        said = "has no record of it" if answer is None else f"says {answer.status}"
        Call.objects.filter(pk=call_id, ended_at__isnull=True).update(
            status=answer.status if answer is not None else CallStatus.FAILED,
            ended_at=now,
            error_message=f"No final status within the lock time; the provider {said}: released by the watchdog.",
        )
    contact.locked_until = None
    contact.current_call = None
    if contact.attempts <= campaign.max_retries:
        contact.status = ContactStatus.PENDING
        contact.next_attempt_at = now
    else:
        contact.status = ContactStatus.FAILED
        contact.outcome = contact.outcome or "no-status"
        Campaign.objects.filter(pk=campaign.pk).update(failed_contacts=F("failed_contacts") + 1)
    contact.save(update_fields=["locked_until", "current_call", "status", "next_attempt_at", "outcome"])
