"""The lead operation types that reach outside: message (SMS / email) and export (files).

Registered by importing this module from leads.operation_types.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from leads import consent, exporting, messaging, sending_rate, services, sms_segments
from leads.bulk_forms import MessageForm
from leads.models import Channel, Message, MessageStatus, MessageTemplate
from leads.operation_types import LeadOperationType
from operations.models import ItemStatus
from operations.registry import Outcome, Planned, register

# --- Message --------------------------------------------------------------------------


class MessageParams(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    template_id = serializers.PrimaryKeyRelatedField(
        queryset=MessageTemplate.objects.all(),
        required=False,
        allow_null=True,
        label="Template",
        help_text="A message template of this location",
        error_messages={"does_not_exist": "No such template in this location."},
    )
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", help_text="Ad-hoc text (without a template)"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "location" in self.context:  # Validating: only the location's own templates exist.
            self.fields["template_id"].queryset = MessageTemplate.objects.filter(location=self.context["location"])

    def validate(self, data):
        if data.get("template_id"):
            template = data["template_id"]
            data["body"], data["subject"] = template.body, data.get("subject") or template.subject
        elif not data.get("body", "").strip():
            raise serializers.ValidationError({"body": ["Choose a template or write the message."]})
        for field in ("subject", "body"):
            try:
                messaging.validate(data.get(field, ""))
            except messaging.TemplateError as exc:
                raise serializers.ValidationError({field: [str(exc)]}) from None
        if data["channel"] == Channel.SMS:
            over = sms_segments.over_limit(messaging.render_without_placeholders(data["body"]))
            if over:
                field = "template_id" if data.get("template_id") else "body"
                message = f"Too long for SMS even before placeholders are filled in: {over}."
                raise serializers.ValidationError({field: [message]})
        return data


@register
class MessageLeads(LeadOperationType):
    key = "message"
    label = "Send message"
    description = "SMS or email from a template or ad-hoc text; each lead gets it once."
    Params = MessageParams
    form_class = MessageForm

    def _plans(self, records, ctx) -> dict[int, tuple[Planned, str, datetime.datetime | None]]:
        """Per lead: the plan, the address, and when an SMS is held until (the lead's local hours)."""
        opted_out = consent.opted_out_by_reply([lead.pk for lead in records])
        now = timezone.now()
        return {lead.pk: self._plan(lead, ctx, opted_out=lead.pk in opted_out, now=now) for lead in records}

    def _plan(self, lead, ctx, *, opted_out: bool, now) -> tuple[Planned, str, datetime.datetime | None]:
        channel = ctx.params["channel"]
        address = lead.phone if channel == Channel.SMS else lead.email
        if lead.do_not_contact:
            return Planned(ItemStatus.SKIPPED, consent.OPTED_OUT if opted_out else "Do not contact"), address, None
        if not address:
            missing = "No phone number" if channel == Channel.SMS else "No email address"
            return Planned(ItemStatus.SKIPPED, missing), address, None
        body = messaging.render(ctx.params["body"], lead)
        if channel != Channel.SMS:
            return Planned(ItemStatus.SUCCEEDED, "", address, body), address, None
        over = sms_segments.over_limit(body)
        if over:
            return Planned(ItemStatus.SKIPPED, f"Too long for SMS: {over}."), address, None
        held_until = messaging.quiet_hours_until(lead.phone, now, ctx.location.timezone)
        note = messaging.held_note(held_until, lead.phone, ctx.location.timezone) if held_until else ""
        return Planned(ItemStatus.SUCCEEDED, note, address, body), address, held_until

    def preview(self, records, ctx):
        """As apply plans it; the shown text also has the email's subject or the SMS's length."""
        by_pk = {lead.pk: lead for lead in records}
        return {pk: self._shown(plan, by_pk[pk], ctx) for pk, (plan, _, _) in self._plans(records, ctx).items()}

    def _shown(self, plan: Planned, lead, ctx) -> Planned:
        if plan.status != ItemStatus.SUCCEEDED:
            return plan
        if ctx.params["channel"] == Channel.SMS:
            after = f"{plan.after}\n\n[{sms_segments.count(plan.after).describe()}]"
        else:
            subject = messaging.render(ctx.params.get("subject", ""), lead) or messaging.DEFAULT_SUBJECT
            after = f"Subject: {subject}\n\n{plan.after}"
        return Planned(plan.status, plan.reason, plan.before, after)

    def recorded_changes(self, operation, befores):
        """Who each message went to, and what it said (the email with its subject)."""
        sent = Message.objects.filter(operation=operation, lead_id__in=befores).values_list(
            "lead_id", "channel", "to", "subject", "body"
        )
        return {
            lead_id: (to, body if channel == Channel.SMS else f"Subject: {subject}\n\n{body}")
            for lead_id, channel, to, subject, body in sent
        }

    def apply(self, records, ctx):
        outcomes, messages = {}, []
        plans = self._plans(records, ctx)
        # The template may be deleted since: the operation sends the text it stored, linked to nothing.
        template_id = ctx.params.get("template_id")
        if template_id and not MessageTemplate.objects.filter(pk=template_id).exists():
            template_id = None
        for lead in records:
            plan, address, held_until = plans[lead.pk]
            queued = plan.status == ItemStatus.SUCCEEDED
            messages.append(
                Message(
                    operation=ctx.operation,
                    lead=lead,
                    template_id=template_id,
                    channel=ctx.params["channel"],
                    to=address,
                    subject=messaging.render(ctx.params.get("subject", ""), lead) if queued else "",
                    body=plan.after if queued else "",
                    status=MessageStatus.QUEUED if queued else MessageStatus.SKIPPED,
                    error="" if queued else plan.reason,
                    send_after=held_until,
                )
            )
            outcomes[lead.pk] = Outcome(plan.status, plan.reason)
        # Unique (operation, lead): a re-run can never create a second message for a lead.
        Message.objects.bulk_create(messages, ignore_conflicts=True)
        queued = sum(1 for m in messages if m.status == MessageStatus.QUEUED)
        if template_id and queued:
            services.note_template_use(template_id=template_id, count=queued)
        if queued:
            operation_id = str(ctx.operation.pk)
            transaction.on_commit(lambda: _enqueue_outbox(operation_id))
        return outcomes

    record_note_label = "Delivery"

    def figures(self, operation):
        """Delivery by the carrier's reports; while SMS wait to send, the sending rate and the time left."""
        return messaging.delivery_figures(operation_id=operation.pk) + sending_rate.figures(operation_id=operation.pk)

    def record_notes(self, operation, object_ids):
        return messaging.delivery_notes(operation_id=operation.pk, lead_ids=object_ids)

    def finish(self, operation):
        """Send what is still queued within the time slice; the outbox task takes the rest."""
        from django.conf import settings

        messaging.reconcile_stale(operation_id=operation.pk)
        messaging.send_queued(operation_id=operation.pk, seconds=settings.BULK_SLICE_SECONDS)
        if messaging.has_queued(operation_id=operation.pk):
            _enqueue_outbox(str(operation.pk))


def _enqueue_outbox(operation_id: str) -> None:
    from django_q.tasks import async_task

    async_task("leads.tasks.send_operation_messages", operation_id, task_name=f"outbox-{operation_id}"[:100])


# --- Export ---------------------------------------------------------------------------


class ExportParams(serializers.Serializer):
    format = serializers.ChoiceField(choices=exporting.FORMATS, default="csv")
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(exporting.FIELDS)),
        min_length=1,
        default=list(exporting.DEFAULT_FIELDS),
    )


@register
class ExportLeads(LeadOperationType):
    key = "export"
    label = "Export"
    create_action = "export.create"
    description = "Export the chosen fields as CSV, JSON or XLSX; the file is kept with the operation."
    locks_records = False
    Params = ExportParams

    def preview(self, records, ctx):
        return {r.pk: Planned(ItemStatus.SUCCEEDED, "", "", "exported") for r in records}

    def recorded_changes(self, operation, befores):
        return dict.fromkeys(befores, ("", "exported"))

    def apply(self, records, ctx):
        return {r.pk: Outcome(ItemStatus.SUCCEEDED) for r in records}

    def finish(self, operation):
        """Write the file in one streamed pass over the succeeded items (idempotent)."""
        exporting.export_operation(operation)

    produces_file = True

    def result_file(self, operation):
        return exporting.export_file(operation)

    def may_download(self, user, operation):
        return exporting.may_download_export(user, operation)
