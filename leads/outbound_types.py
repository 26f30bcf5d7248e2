"""The lead operation types that reach outside: message (SMS / email) and export (files).

Registered by importing this module from leads.operation_types.
"""

from django.db import transaction
from rest_framework import serializers

from leads import exporting, messaging, services
from leads.bulk_forms import MessageForm
from leads.models import Channel, Message, MessageStatus, MessageTemplate
from leads.operation_types import LeadOperationType
from operations.models import ItemStatus
from operations.registry import Outcome, Planned, register

# --- Message --------------------------------------------------------------------------


class MessageParams(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    template_id = serializers.IntegerField(required=False, allow_null=True, help_text="A message template")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", help_text="Ad-hoc text (without a template)"
    )

    def validate(self, data):
        if data.get("template_id"):
            template = MessageTemplate.objects.filter(pk=data["template_id"], location=self.context["location"]).first()
            if template is None:
                raise serializers.ValidationError({"template_id": ["No such template in this location."]})
            data["body"], data["subject"] = template.body, data.get("subject") or template.subject
        elif not data.get("body", "").strip():
            raise serializers.ValidationError({"body": ["Choose a template or write the message."]})
        for field in ("subject", "body"):
            try:
                messaging.validate(data.get(field, ""))
            except messaging.TemplateError as exc:
                raise serializers.ValidationError({field: [str(exc)]}) from None
        return data


@register
class MessageLeads(LeadOperationType):
    key = "message"
    label = "Send message"
    description = "SMS or email from a template or ad-hoc text; each lead gets it once."
    Params = MessageParams
    form_class = MessageForm

    def _plan(self, lead, ctx) -> tuple[Planned, str]:
        channel = ctx.params["channel"]
        address = lead.phone if channel == Channel.SMS else lead.email
        if lead.do_not_contact:
            return Planned(ItemStatus.SKIPPED, "Do not contact"), address
        if not address:
            missing = "No phone number" if channel == Channel.SMS else "No email address"
            return Planned(ItemStatus.SKIPPED, missing), address
        return Planned(ItemStatus.SUCCEEDED, "", address, messaging.render(ctx.params["body"], lead)), address

    def preview(self, records, ctx):
        return {lead.pk: self._plan(lead, ctx)[0] for lead in records}

    def apply(self, records, ctx):
        outcomes, messages = {}, []
        for lead in records:
            plan, address = self._plan(lead, ctx)
            queued = plan.status == ItemStatus.SUCCEEDED
            messages.append(
                Message(
                    operation=ctx.operation,
                    lead=lead,
                    template_id=ctx.params.get("template_id"),
                    channel=ctx.params["channel"],
                    to=address,
                    subject=messaging.render(ctx.params.get("subject", ""), lead) if queued else "",
                    body=plan.after if queued else "",
                    status=MessageStatus.QUEUED if queued else MessageStatus.SKIPPED,
                    error=plan.reason,
                )
            )
            outcomes[lead.pk] = Outcome(plan.status, plan.reason)
        # Unique (operation, lead): a re-run can never create a second message for a lead.
        Message.objects.bulk_create(messages, ignore_conflicts=True)
        queued = sum(1 for m in messages if m.status == MessageStatus.QUEUED)
        if ctx.params.get("template_id") and queued:
            services.note_template_use(template_id=ctx.params["template_id"], count=queued)
        if queued:
            operation_id = str(ctx.operation.pk)
            transaction.on_commit(lambda: _enqueue_outbox(operation_id))
        return outcomes

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
