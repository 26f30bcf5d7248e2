"""Messages to leads: safe placeholder rendering, SMS backends, and the outbox that sends.

Rendering never calls str.format: the text is parsed with string.Formatter().parse and
only bare, known placeholder names are allowed, so no attribute or index access, no
conversion (!r) and no format spec can reach anything but the six listed fields.

Sending is exactly-once: a bulk operation creates one queued Message per lead inside its
chunk transaction (unique per operation and lead); the outbox claims queued messages
with a conditional UPDATE (FOR UPDATE SKIP LOCKED on PostgreSQL), sends them outside any
transaction and records sent or failed. A message whose sender died while sending is
reconciled with its backend when the backend can tell, otherwise marked failed: it is
never sent twice. A message held for the lead's local hours (send_after) waits in the
queue until then; the outbox schedule sends it.

After sending, Twilio reports delivery to the signed status callback; record_delivery
moves a message's delivery status forward only, so repeated or late callbacks are harmless.
"""

import json
import logging
import os
import string
import sys
import time
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from leads import conf, sending_rate
from leads.models import DELIVERY_RANK, Channel, Lead, Message, MessageStatus
from outreach import conf as outreach_conf
from outreach.hours import contact_time_zones, contact_window_open, next_contact_window

logger = logging.getLogger(__name__)

PLACEHOLDERS = ("first_name", "last_name", "email", "phone", "budget", "location")
FALLBACKS = {
    "first_name": "there",
    "last_name": "",
    "email": "",
    "phone": "",
    "budget": "your budget",
    "location": "your area",
}


DEFAULT_SUBJECT = "Message"  # an email's subject when the operation gives none


class TemplateError(ValueError):
    """The text uses a placeholder or brace syntax that is not allowed."""


def parse(text: str) -> list[tuple[str, str | None]]:
    """The text as (literal, placeholder-or-None) pieces; raise TemplateError on anything else."""
    pieces = []
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError as exc:
        raise TemplateError(f"Unbalanced braces: {exc}. Write {{{{ and }}}} for literal braces.") from None
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for literal, field, spec, conversion in parsed:
        if field is None:
            pieces.append((literal, None))
            continue
        shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if conversion or spec:
            raise TemplateError(f"{shown}: conversions and format specs are not allowed. Use one of {allowed}.")
        if field not in PLACEHOLDERS:
            raise TemplateError(f"Unknown placeholder {shown}. Use one of {allowed}.")
        pieces.append((literal, field))
    return pieces


def validate(text: str) -> None:
    parse(text)


def lead_values(lead: Lead) -> dict[str, str]:
    """The six placeholder values of a lead, with fallbacks for missing ones."""
    budget = f"${lead.budget:,.0f}" if lead.budget is not None else ""
    raw = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "budget": budget,
        "location": lead.area,
    }
    return with_fallbacks(raw)


def with_fallbacks(raw: dict) -> dict[str, str]:
    """Every placeholder's value: the given one, or its fallback when missing or blank."""
    return {name: (str(raw.get(name) or "").strip() or FALLBACKS[name]) for name in PLACEHOLDERS}


def render(text: str, lead: Lead) -> str:
    return fill(text, lead_values(lead))


def fill(text: str, values: dict[str, str]) -> str:
    """The text with its placeholders replaced by `values` (one per name in PLACEHOLDERS)."""
    return "".join(literal + (values[field] if field else "") for literal, field in parse(text))


def render_without_placeholders(text: str) -> str:
    """The text's own characters: the least any lead's message can be (for the length limit)."""
    return "".join(literal for literal, _ in parse(text))


# --- Quiet hours: an SMS reaches a lead only in the lead's own daytime, as a call does -----


def quiet_hours_until(phone: str, now, fallback_zone: str):
    """None when an SMS may go now; else when the number's local window (outreach.hours) opens."""
    if not conf.sms_quiet_hours():
        return None
    zones = contact_time_zones(phone) or (fallback_zone,)
    return None if contact_window_open(zones, now) else next_contact_window(zones, now)


def held_note(until, phone: str, fallback_zone: str) -> str:
    zone = (contact_time_zones(phone) or (fallback_zone,))[0]
    local = until.astimezone(zoneinfo.ZoneInfo(zone))
    return f"Held for the lead's quiet hours until {local:%Y-%m-%d %H:%M} {zone}"


# --- SMS backends ----------------------------------------------------------------------


class SMSError(Exception):
    pass


class ConsoleSMSBackend:
    """Prints each SMS to stdout: the development default."""

    def send(self, message: Message) -> str:
        sys.stdout.write(f"SMS to {message.to} (message {message.pk}):\n{message.body}\n\n")
        sys.stdout.flush()
        return f"console-{message.pk}"

    def was_sent(self, message: Message) -> bool | None:
        return None


class FileSMSBackend:
    """Appends one JSON line per SMS to SMS_FILE_PATH (flushed and synced before returning)."""

    def send(self, message: Message) -> str:
        line = json.dumps(
            {
                "message_id": message.pk,
                "lead_id": message.lead_id,
                "to": message.to,
                "body": message.body,
                "sent_at": time.time(),
            }
        )
        with open(conf.sms_file_path(), "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return f"file-{message.pk}"

    def was_sent(self, message: Message) -> bool | None:
        try:
            with open(conf.sms_file_path(), encoding="utf-8") as handle:
                return any(json.loads(line).get("message_id") == message.pk for line in handle if line.strip())
        except FileNotFoundError:
            return False


class TwilioSMSBackend:
    """Sends through Twilio's Messages API with the official library."""

    def __init__(self, client=None):
        if client is None:
            from twilio.rest import Client

            client = Client(outreach_conf.twilio_account_sid(), outreach_conf.twilio_auth_token())
        self.client = client

    def send(self, message: Message) -> str:
        from twilio.base.exceptions import TwilioException

        try:
            sent = self.client.messages.create(
                to=message.to,
                from_=outreach_conf.twilio_from_number(),
                body=message.body,
                status_callback=status_callback_url(message),
            )
        except TwilioException as exc:
            raise SMSError(str(exc)) from exc
        return sent.sid

    def was_sent(self, message: Message) -> bool | None:
        return None


def sms_backend():
    return import_string(conf.sms_backend())()


def status_callback_url(message: Message) -> str:
    """Where Twilio reports this message's delivery: PUBLIC_BASE_URL + the signed status webhook."""
    from django.urls import reverse

    from outreach.conf import public_base_url

    return f"{public_base_url()}{reverse('leads-sms-status')}?message_id={message.pk}"


def record_delivery(*, message_id, message_sid: str, status: str, error_code: str = "") -> bool:
    """Move one SMS's delivery status forward (never back, never twice); True if it changed."""
    rank = DELIVERY_RANK.get(status)
    if rank is None or not message_sid:
        return False
    behind = [name for name, other in DELIVERY_RANK.items() if other < rank]
    changed = (
        Message.objects.filter(pk=message_id, provider_id=message_sid, channel=Channel.SMS)
        .filter(models.Q(delivery_status="") | models.Q(delivery_status__in=behind))
        .update(delivery_status=status, delivery_error=error_code[:200], delivery_updated_at=timezone.now())
    )
    return bool(changed)


# --- Delivery, as an operation's page and API show it -----------------------------------

DELIVERY_FIGURES = (
    ("delivered", "Delivered"),
    ("undelivered", "Undelivered"),
    ("delivery_failed", "Delivery failed"),
    ("awaiting_report", "Sent, no delivery report yet"),
    ("held", "Held for quiet hours"),
)


def _delivery_key(status: str, delivery_status: str) -> str:
    if status == MessageStatus.QUEUED:
        return "held"
    if status != MessageStatus.SENT:
        return ""
    return {"delivered": "delivered", "undelivered": "undelivered", "failed": "delivery_failed"}.get(
        delivery_status, "awaiting_report"
    )


def delivery_figures(*, operation_id) -> list[tuple[str, str, int]]:
    """An SMS operation's messages by what the carrier reported; [] for email (no reports)."""
    rows = (
        Message.objects.filter(operation_id=operation_id, channel=Channel.SMS)
        .values_list("status", "delivery_status")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for status, delivery_status, n in rows:
        key = _delivery_key(status, delivery_status)
        counts[key] = counts.get(key, 0) + n
    if not any(counts.values()):
        return []
    return [(key, label, counts.get(key, 0)) for key, label in DELIVERY_FIGURES]


def delivery_notes(*, operation_id, lead_ids) -> dict[int, str]:
    """Per lead, the delivery of its SMS of this operation ("Delivered", "Undelivered (error 30003)", …)."""
    notes = {}
    for message in Message.objects.filter(operation_id=operation_id, lead_id__in=lead_ids, channel=Channel.SMS):
        key = _delivery_key(message.status, message.delivery_status)
        if not key:
            continue
        note = dict(DELIVERY_FIGURES)[key]
        if key == "held" and message.send_after:
            note = f"Held until {message.send_after:%Y-%m-%d %H:%M} UTC"
        if message.delivery_error:
            note += f" (error {message.delivery_error})"
        notes[message.lead_id] = note
    return notes


# --- The outbox ------------------------------------------------------------------------

CLAIM_BATCH = 100


def _due(operation_id=None):
    """Queued messages whose hold (send_after, the lead's local hours) is over."""
    now = timezone.now()
    queued = Message.objects.filter(status=MessageStatus.QUEUED).filter(
        models.Q(send_after__isnull=True) | models.Q(send_after__lte=now)
    )
    return queued.filter(operation_id=operation_id) if operation_id is not None else queued


def _claim(operation_id, limit: int) -> list[Message]:
    """Move up to `limit` due queued messages to sending and return them; safe with many workers."""
    with transaction.atomic():
        queued = _due(operation_id)
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            queued = queued.select_for_update(skip_locked=True)
        ids = list(queued.order_by("pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # SQLite: the IMMEDIATE transaction serialises writers; PostgreSQL: rows are locked.
        claimed = Message.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENDING, claimed_at=timezone.now()
        )
        if claimed != len(ids):
            raise RuntimeError("Claimed messages changed under a lock")
    return list(Message.objects.filter(pk__in=ids).order_by("pk"))


def _still_mine(message: Message) -> bool:
    """Renew this worker's claim right before sending (claimed_at is the claim's token)."""
    now = timezone.now()
    renewed = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_at=message.claimed_at).update(
        claimed_at=now
    )
    message.claimed_at = now
    return bool(renewed)


def _finish(message: Message, *, provider_id: str = "", error: str = "") -> None:
    recorded = Message.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, claimed_at=message.claimed_at
    ).update(
        status=MessageStatus.FAILED if error else MessageStatus.SENT,
        provider_id=provider_id[:255],
        error=error[:500],
        sent_at=None if error else timezone.now(),
    )
    if recorded and not error:
        Lead.objects.filter(pk=message.lead_id).update(last_contacted_at=timezone.now())
    if recorded and error and message.operation_id:
        _fail_item(message, error)


def _fail_item(message: Message, error: str) -> None:
    """A message the provider refused makes its lead's operation item failed, with the reason."""
    from operations.models import BulkOperation, BulkOperationItem, ItemStatus

    with transaction.atomic():
        moved = BulkOperationItem.objects.filter(
            operation_id=message.operation_id, object_id=message.lead_id, status=ItemStatus.SUCCEEDED
        ).update(status=ItemStatus.FAILED, error_message=f"Sending failed: {error}"[:500])
        if moved:
            BulkOperation.objects.filter(pk=message.operation_id).update(
                successful=F("successful") - moved, failed=F("failed") + moved
            )


def _send_email(message: Message, connection) -> str:
    email = mail.EmailMessage(
        subject=message.subject or DEFAULT_SUBJECT,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        connection=connection,
    )
    email.extra_headers["Message-ID"] = mail.make_msgid(domain="bulkops")
    email.send()
    return email.extra_headers["Message-ID"]


def has_queued(*, operation_id=None) -> bool:
    """Whether messages are due now (held ones wait for the outbox schedule)."""
    return _due(operation_id).exists()


def send_queued(*, operation_id=None, limit: int | None = None, seconds: float | None = None) -> int:
    """Send queued messages (of one operation, or all) for at most `seconds`; return how many were sent."""
    sent = 0
    sms = None
    email_connection = None
    deadline = None if seconds is None else time.monotonic() + seconds
    while (limit is None or sent < limit) and (deadline is None or time.monotonic() < deadline):
        batch = _claim(operation_id, CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - sent))
        if not batch:
            break
        for index, message in enumerate(batch):
            # An SMS waits for its sender's slot (SMS_RATE_PER_SECOND); one that would wait past the
            # time slice goes back to the queue with the rest of the batch, for the next slice.
            if message.channel == Channel.SMS and not sending_rate.wait_for_slot(deadline=deadline):
                _release(batch[index:])
                return sent
            if not _still_mine(message):
                continue  # reconciled as stale meanwhile: whoever holds it now sends it
            try:
                if message.channel == Channel.SMS:
                    sms = sms or sms_backend()
                    provider_id = sms.send(message)
                else:
                    email_connection = email_connection or mail.get_connection()
                    provider_id = _send_email(message, email_connection)
            except Exception as exc:  # a provider error fails this message only
                logger.warning("Message %s failed: %s", message.pk, exc)
                _finish(message, error=str(exc) or exc.__class__.__name__)
            else:
                _finish(message, provider_id=provider_id)
                sent += 1
    return sent


def _release(messages: list[Message]) -> None:
    """Hand claimed messages back to the queue, unsent (while this worker still holds them)."""
    for message in messages:
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_at=message.claimed_at).update(
            status=MessageStatus.QUEUED, claimed_at=None
        )


def reconcile_stale(*, operation_id=None, stale_seconds: float | None = None) -> int:
    """Messages left in sending by a dead worker: ask the backend, never send them again."""
    stale_seconds = conf.message_stale_seconds() if stale_seconds is None else stale_seconds
    stale = Message.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=timezone.now() - timedelta(seconds=stale_seconds)
    )
    if operation_id is not None:
        stale = stale.filter(operation_id=operation_id)
    count = 0
    for message in stale.order_by("pk"):
        sent = sms_backend().was_sent(message) if message.channel == Channel.SMS else None
        if sent:
            _finish(message, provider_id=f"reconciled-{message.pk}")
        elif sent is False:  # the backend knows it never went out: queue it again
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_at=message.claimed_at).update(
                status=MessageStatus.QUEUED, claimed_at=None
            )
        else:
            _finish(message, error="Outcome unknown: the worker stopped while sending; not resent to avoid a duplicate")
        count += 1
    return count
