"""Campaign writes: creation from a contact file, the state machine, deletion."""

import datetime
import json
import uuid

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Location
from agents.models import Agent
from campaigns import conf
from campaigns.do_not_call import skip_blocked
from campaigns.importing import ContactFileError, ParseResult, parse_contact_file
from campaigns.models import TRANSITIONS, Campaign, CampaignContact, CampaignState, ContactStatus
from campaigns.signals import send_campaign_completed

CONTACT_BATCH = 2000
# The settings' `call` group -> the campaign's fields (campaigns.call_modes reads them).
CALL_SETTINGS = {
    "mode": "call_mode",
    "prompt_text": "prompt_text",
    "voice": "voice",
    "language": "language",
    "machine_detection": "machine_detection",
    "on_machine": "on_machine",
    "voicemail_text": "voicemail_text",
}


class AlreadyCreated(Exception):
    """The create form with this one-time key already made a campaign: ``campaign``."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        super().__init__(f"Campaign {campaign.pk} was already created with this key.")


class IllegalTransition(Exception):
    """The campaign's state does not allow the requested move."""

    def __init__(self, campaign: Campaign, target: str):
        self.current = campaign.state
        self.target = target
        super().__init__(f"A {campaign.state} campaign cannot become {target}.")


def create_campaign(
    *,
    location: Location,
    user,
    file_bytes: bytes,
    filename: str,
    name: str = "",
    agent: Agent | None = None,
    timezone_name: str = "UTC",
    default_region: str = "US",
    scheduled_start_time: datetime.datetime | None = None,
    pacing_seconds: int = 10,
    max_concurrent_calls: int = 1,
    business_hours: dict | None = None,
    retry_policy: dict | None = None,
    call: dict | None = None,
    idempotency_key: str = "",
) -> tuple[Campaign, ParseResult]:
    """Parse the file and create a draft campaign with its contacts (ContactFileError if unusable).

    With an ``idempotency_key`` this user already made a campaign with, raises AlreadyCreated
    (also when two requests race: the unique constraint decides).
    """
    _raise_if_created(user, idempotency_key)
    result = parse_contact_file(file_bytes, filename=filename, default_region=default_region)
    skip_blocked(result, location_id=location.pk)
    if not result.contacts:
        first = result.errors[0]
        raise ContactFileError(
            f"The file has no valid contacts: {len(result.errors)} rows with errors"
            f" (first: row {first.row}, {first.value!r}: {first.message})."
        )
    business_hours = business_hours or {}
    retry_policy = retry_policy or {}
    campaign = Campaign(
        location=location,
        created_by=user,
        name=name or _default_name(scheduled_start_time, timezone_name),
        agent=agent,
        timezone=timezone_name,
        default_region=default_region.upper(),
        scheduled_start_time=scheduled_start_time,
        pacing_seconds=pacing_seconds,
        max_concurrent_calls=max_concurrent_calls,
        source_filename=filename[:255],
        import_errors=[error.as_dict() for error in result.errors],
        duplicates_skipped=result.duplicates,
        total_contacts=len(result.contacts),
    )
    if "enabled" in business_hours:
        campaign.business_hours_enabled = business_hours["enabled"]
    for key, attr in (("days", "business_days"), ("start_time", "business_start"), ("end_time", "business_end")):
        if key in business_hours:
            setattr(campaign, attr, business_hours[key])
    for key in ("max_retries", "backoff_hours", "retryable_outcomes"):
        if key in retry_policy:
            setattr(campaign, key, retry_policy[key])
    for key, value in (call or {}).items():
        setattr(campaign, CALL_SETTINGS[key], value)
    campaign.settings_snapshot = settings_snapshot(campaign)
    campaign.idempotency_key = idempotency_key
    try:
        with transaction.atomic():
            campaign.save()
            insert_contacts(campaign=campaign, contacts=result.contacts)
    except IntegrityError:
        _raise_if_created(user, idempotency_key)
        raise
    return campaign, result


def _raise_if_created(user, idempotency_key: str) -> None:
    if idempotency_key:
        earlier = Campaign.objects.filter(created_by=user, idempotency_key=idempotency_key).first()
        if earlier is not None:
            raise AlreadyCreated(earlier)


def insert_contacts(*, campaign: Campaign, contacts) -> None:
    """COPY on PostgreSQL, executemany elsewhere: model instances and bulk_create cost more than
    parsing the file (see bench_contact_import)."""
    table = connection.ops.quote_name(CampaignContact._meta.db_table)
    columns = ["campaign_id", "phone", "name", "metadata", "row_number", "status", "outcome", "attempts"]
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    pending = ContactStatus.PENDING.value
    rows = ((campaign.pk, c.phone, c.name[:200], json.dumps(c.metadata), c.row, pending, "", 0) for c in contacts)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == CONTACT_BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _default_name(start: datetime.datetime | None, timezone_name: str) -> str:
    import zoneinfo

    moment = (start or timezone.now()).astimezone(zoneinfo.ZoneInfo(timezone_name))
    return f"Campaign {moment:%b} {moment.day}, {moment:%Y} {moment:%I:%M %p}".replace(" 0", " ")


def settings_snapshot(campaign: Campaign) -> dict:
    """The settings as the seed's snapshot: frozen at creation, shown and returned by the API."""
    agent = campaign.agent
    return {
        "agent_snapshot": (
            {"id": agent.pk, "name": agent.display_name, "prompt_text": campaign.prompt_text} if agent else None
        ),
        "call": {key: getattr(campaign, field) for key, field in CALL_SETTINGS.items()},
        "timezone": campaign.timezone,
        "scheduled_start_time": campaign.scheduled_start_time.isoformat() if campaign.scheduled_start_time else None,
        "default_region": campaign.default_region,
        "pacing": {"delay_seconds": campaign.pacing_seconds, "max_concurrent_calls": campaign.max_concurrent_calls},
        "business_hours": {
            "enabled": campaign.business_hours_enabled,
            "days": list(campaign.business_days),
            "start_time": _hhmm(campaign.business_start),
            "end_time": _hhmm(campaign.business_end),
        },
        "retry_policy": {
            "max_retries": campaign.max_retries,
            "backoff_hours": list(campaign.backoff_hours),
            "retryable_outcomes": list(campaign.retryable_outcomes),
        },
    }


def _hhmm(value) -> str:
    return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)[:5]


def _transition(*, campaign_id: int, target: str, now: datetime.datetime, allowed_from=None) -> Campaign:
    """Move one campaign to `target` under its row lock; IllegalTransition if the machine forbids it."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if target not in TRANSITIONS[CampaignState(campaign.state)] or (
            allowed_from is not None and campaign.state not in allowed_from
        ):
            raise IllegalTransition(campaign, target)
        campaign.state = target
        fields = ["state", "updated_at"]
        if target == CampaignState.RUNNING and campaign.started_at is None:
            campaign.started_at = now
            fields.append("started_at")
        if target in (CampaignState.COMPLETED, CampaignState.FAILED):
            campaign.completed_at = now
            fields.append("completed_at")
        if target == CampaignState.RUNNING:
            campaign.consecutive_errors = 0
            campaign.failure_reason = ""
            campaign.completed_at = None
            fields += ["consecutive_errors", "failure_reason", "completed_at"]
        campaign.save(update_fields=fields)
    if target == CampaignState.RUNNING:
        transaction.on_commit(lambda: _start_dialer(campaign))
    return campaign


def _start_dialer(campaign: Campaign) -> None:
    enqueue_dialer(campaign=campaign)


# --- The dialer loops' tasks (campaigns.loops runs them) ------------------------------------


def loop_slots(campaign: Campaign) -> int:
    """Loops per campaign: one per concurrent line, up to DIALER_LOOPS_MAX.

    A loop starts another call as soon as a line is free and pacing allows, so a few loops
    serve many lines; more than one keeps a campaign dialing while a worker restarts.
    """
    return min(max(campaign.max_concurrent_calls, 1), conf.dialer_loops_max())


def enqueue_loop(*, campaign_id: int, slot: int, holder: str = "") -> None:
    from django_q.tasks import async_task

    holder = holder or uuid.uuid4().hex
    async_task("campaigns.tasks.run_dialer", campaign_id, slot, holder, group=f"campaign-{campaign_id}")


def enqueue_dialer(*, campaign: Campaign) -> None:
    """Start a loop for every slot of the campaign (slots already held keep their loop)."""
    for slot in range(loop_slots(campaign)):
        enqueue_loop(campaign_id=campaign.pk, slot=slot)


def start_campaign(*, campaign_id: int, now: datetime.datetime | None = None) -> Campaign:
    """draft -> pending; straight on to running when the scheduled start has come (or there is none)."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = _transition(campaign_id=campaign_id, target=CampaignState.PENDING, now=now)
        if campaign.scheduled_start_time is None or campaign.scheduled_start_time <= now:
            campaign = _transition(campaign_id=campaign_id, target=CampaignState.RUNNING, now=now)
    return campaign


def activate_due_campaigns(*, now: datetime.datetime | None = None) -> list[int]:
    """pending -> running for every campaign whose scheduled start has come."""
    now = now or timezone.now()
    activated = []
    due = Campaign.objects.filter(state=CampaignState.PENDING, scheduled_start_time__lte=now).values_list(
        "pk", flat=True
    )
    for campaign_id in list(due):
        try:
            _transition(campaign_id=campaign_id, target=CampaignState.RUNNING, now=now)
        except IllegalTransition:
            continue  # another worker got there first
        activated.append(campaign_id)
    return activated


def pause_campaign(*, campaign_id: int, now: datetime.datetime | None = None) -> Campaign:
    """running -> paused: no new call starts after this commits (calls in progress finish)."""
    return _transition(campaign_id=campaign_id, target=CampaignState.PAUSED, now=now or timezone.now())


def resume_campaign(*, campaign_id: int, now: datetime.datetime | None = None) -> Campaign:
    """paused or failed -> running: the dialer continues with the contacts still pending.

    A failed campaign (e.g. calls could not be placed during a provider outage) is resumed once
    the cause is fixed: its failure reason and end time are cleared.
    """
    return _transition(
        campaign_id=campaign_id,
        target=CampaignState.RUNNING,
        now=now or timezone.now(),
        allowed_from={CampaignState.PAUSED, CampaignState.FAILED},
    )


def complete_campaign(*, campaign_id: int, now: datetime.datetime | None = None) -> bool:
    """running -> completed when no contact is pending or being called; True if it moved."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != CampaignState.RUNNING:
            return False
        open_contacts = campaign.contacts.filter(status__in=[ContactStatus.PENDING, ContactStatus.CALLING])
        if open_contacts.exists():
            return False
        campaign = _transition(campaign_id=campaign_id, target=CampaignState.COMPLETED, now=now)
    send_campaign_completed(campaign)
    return True


def fail_campaign(*, campaign_id: int, reason: str, now: datetime.datetime | None = None) -> Campaign:
    with transaction.atomic():
        campaign = _transition(campaign_id=campaign_id, target=CampaignState.FAILED, now=now or timezone.now())
        Campaign.objects.filter(pk=campaign_id).update(failure_reason=reason[:2000])
    campaign.failure_reason = reason
    return campaign


def delete_campaign(*, campaign_id: int) -> None:
    """Delete a campaign with its contacts and calls; refused (IllegalTransition) while it runs."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state == CampaignState.RUNNING:
            raise IllegalTransition(campaign, "deleted")
        campaign.delete()
