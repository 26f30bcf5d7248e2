"""Replies by SMS that opt a person out of (or back into) messages: STOP, START and their synonyms.

Which leads a reply touches: every lead, in any location, whose phone is the sender's number
in E.164, when the reply went to this deployment's sender number (TWILIO_FROM_NUMBER). All
locations send SMS from that one number, and carriers treat STOP per sender number, so a
STOP means "no more texts from this number" for every lead who receives them. A reply to
another number changes nothing (it is still recorded).

Each Twilio MessageSid is handled once: the InboundSMS row is unique on it, so a webhook
that Twilio repeats changes nothing more. Every change writes a ConsentChange on the lead.
"""

from django.db import IntegrityError, transaction

from leads.models import ConsentChange, InboundSMS, Lead
from outreach import conf as outreach_conf

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
OPTED_OUT = "Opted out"


def keyword_of(body: str) -> str:
    """The body as a consent keyword (case-insensitive, trimmed), or '' when it is none."""
    word = (body or "").strip().upper()
    return word if word in OPT_OUT_KEYWORDS | OPT_IN_KEYWORDS else ""


def receive_sms(*, message_sid: str, from_number: str, to_number: str, body: str) -> int:
    """Record an inbound SMS once and apply its keyword; return how many leads changed."""
    keyword = keyword_of(body)
    try:
        with transaction.atomic():
            inbound = InboundSMS.objects.create(
                message_sid=message_sid[:64],
                from_number=from_number[:32],
                to_number=to_number[:32],
                body=(body or "")[:1600],
                keyword=keyword,
            )
            if not keyword or not from_number or to_number != outreach_conf.twilio_from_number():
                return 0
            opt_out = keyword in OPT_OUT_KEYWORDS
            leads = list(
                Lead.objects.select_for_update()
                .filter(phone=from_number)
                .exclude(do_not_contact=opt_out)
                .values_list("pk", flat=True)
            )
            Lead.objects.filter(pk__in=leads).update(do_not_contact=opt_out)
            reason = f"{OPTED_OUT} by SMS reply {keyword}" if opt_out else f"Opted back in by SMS reply {keyword}"
            ConsentChange.objects.bulk_create(
                ConsentChange(lead_id=pk, do_not_contact=opt_out, reason=reason, inbound=inbound) for pk in leads
            )
            return len(leads)
    except IntegrityError:
        return 0  # this MessageSid was handled already


def opted_out_by_reply(lead_ids) -> set[int]:
    """Of these leads, those whose do-not-contact flag was last set by an SMS opt-out."""
    latest = {}
    for lead_id, flag, inbound_id in (
        ConsentChange.objects.filter(lead_id__in=lead_ids)
        .order_by("lead_id", "changed_at", "id")
        .values_list("lead_id", "do_not_contact", "inbound_id")
    ):
        latest[lead_id] = flag and inbound_id is not None
    return {lead_id for lead_id, opted_out in latest.items() if opted_out}
