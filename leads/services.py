"""Writes on leads shared by operation types, pages and the API."""

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from leads.models import Lead, LeadAssignment, LeadCall, MessageTemplate, StageChange, Tag


def tags_by_name(*, location, names: list[str], create: bool) -> dict[str, Tag]:
    """The location's tags with these names (case-insensitive), creating missing ones if asked."""
    wanted = {name.strip().lower(): name.strip() for name in names if name.strip()}
    found = {tag.name.lower(): tag for tag in Tag.objects.filter(location=location) if tag.name.lower() in wanted}
    if create:
        missing = [Tag(location=location, name=name) for key, name in wanted.items() if key not in found]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            for tag in Tag.objects.filter(location=location, name__in=[t.name for t in missing]):
                found[tag.name.lower()] = tag
    return found


def record_stage_changes(*, changes: list[tuple[int, str, str]], reason: str, user, operation) -> None:
    """Write the stage history rows for (lead id, from, to) changes."""
    StageChange.objects.bulk_create(
        StageChange(lead_id=lead_id, from_stage=old, to_stage=new, reason=reason, changed_by=user, operation=operation)
        for lead_id, old, new in changes
    )


def record_assignments(*, changes: list[tuple[int, int | None, int | None]], reason: str, user, operation) -> None:
    LeadAssignment.objects.bulk_create(
        LeadAssignment(
            lead_id=lead_id,
            from_agent_id=old,
            to_agent_id=new,
            reason=reason,
            strategy="manual",
            assigned_by=user,
            operation=operation,
        )
        for lead_id, old, new in changes
    )


def touch_leads(*, ids: list[int], operation) -> None:
    Lead.objects.filter(pk__in=ids).update(last_operation=operation, updated_at=timezone.now())


def record_call(
    *,
    lead_id: int,
    call_id: int,
    campaign_id: int,
    campaign_name: str,
    outcome: str,
    answered: bool,
    duration_seconds: int | None,
    called_at,
) -> bool:
    """Write a campaign call's outcome to its lead: a timeline entry, and the last call (and the last
    contact, when answered) unless a later call is recorded already. Once per call; True if new."""
    try:
        with transaction.atomic():
            LeadCall.objects.create(
                lead_id=lead_id,
                call_id=call_id,
                campaign_id=campaign_id,
                campaign_name=campaign_name[:200],
                outcome=outcome[:40],
                duration_seconds=duration_seconds,
                called_at=called_at,
            )
    except IntegrityError:
        return False  # this call's outcome is recorded already
    later = Q(last_call_at__isnull=True) | Q(last_call_at__lte=called_at)
    Lead.objects.filter(later, pk=lead_id).update(last_call_at=called_at, last_call_outcome=outcome[:40])
    if answered:
        contacted = Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=called_at)
        Lead.objects.filter(contacted, pk=lead_id).update(last_contacted_at=called_at)
    return True


def note_template_use(*, template_id: int, count: int) -> None:
    MessageTemplate.objects.filter(pk=template_id).update(
        usage_count=F("usage_count") + count, last_used_at=timezone.now()
    )


def save_template(*, template: MessageTemplate, user=None) -> MessageTemplate:
    """Validate the placeholders and save (raises django ValidationError)."""
    from django.core.exceptions import ValidationError

    from leads import messaging

    errors = {}
    for field in ("subject", "body"):
        try:
            messaging.validate(getattr(template, field))
        except messaging.TemplateError as exc:
            errors[field] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    if template.pk is None and user is not None:
        template.created_by = user
    template.full_clean(exclude=["location", "created_by"])
    template.save()
    return template


def operations_using_template(template: MessageTemplate):
    """The message operations made with this template: each stored the template's text in its
    parameters, so they keep it (and send it) when the template is deleted."""
    from operations.models import BulkOperation

    return BulkOperation.objects.filter(
        location_id=template.location_id,
        target="leads",
        operation_type="message",
        parameters__template_id=template.pk,
    )


def create_lead_operation(
    *,
    user,
    location,
    operation_type: str,
    params: dict,
    ids: list[int] | None = None,
    filters: dict | None = None,
    description: str = "",
    scheduled_for=None,
    draft: bool = False,
    idempotency_key: str = "",
    fingerprint: str = "",
):
    """Create (and queue, schedule or keep as draft) a lead operation; raises the engine's errors.

    With an idempotency key, a repeat returns the operation the key made before.
    """
    from operations import engine

    operation, _ = engine.create_operation(
        user=user,
        location=location,
        target="leads",
        operation_type=operation_type,
        params=params,
        ids=ids,
        filters=filters,
        metadata={"description": description} if description else {},
        scheduled_for=scheduled_for,
        draft=draft,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    return operation
