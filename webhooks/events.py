"""The events webhooks receive: emit() records one delivery per subscribed, active webhook of the
location and queues it; the engine's and the campaigns' signals are turned into events here."""

from django.utils import timezone

from campaigns.signals import campaign_completed
from leads.signals import lead_import_completed
from operations.models import OperationStatus
from operations.signals import operation_finished
from webhooks import delivery
from webhooks.models import Event, Webhook, WebhookDelivery

OPERATION_EVENTS = {
    OperationStatus.COMPLETED: Event.BULK_OPERATION_COMPLETED,
    OperationStatus.FAILED: Event.BULK_OPERATION_FAILED,
    OperationStatus.CANCELLED: Event.BULK_OPERATION_CANCELLED,
}


def envelope(event: str, data: dict) -> dict:
    """The JSON body of a delivery: the event, when it happened, and the object as the API shows it."""
    return {"event": event, "created_at": timezone.now(), "data": data}


def emit(location, event: str, data: dict) -> list[WebhookDelivery]:
    """Send ``event`` with ``data`` (the object as the API shows it) to the location's webhooks.

    Only the active webhooks of that location subscribed to the event get it; the deliveries
    are queued when the current transaction commits.
    """
    event = Event(event)
    location_id = getattr(location, "pk", location)
    hooks = Webhook.objects.filter(location_id=location_id, is_active=True).order_by("pk")
    payload = envelope(event.value, data)
    now = timezone.now()
    created = [
        WebhookDelivery.objects.create(webhook=hook, event=event.value, payload=payload, next_attempt_at=now)
        for hook in hooks
        if event.value in hook.events  # (a location has a few webhooks; SQLite has no JSON contains)
    ]
    for row in created:
        delivery.enqueue_on_commit(row.pk)
    return created


def on_operation_finished(sender, operation, **kwargs) -> None:
    from operations.serializers import BulkOperationOutput

    event = OPERATION_EVENTS.get(operation.status)
    if event is not None:
        emit(operation.location_id, event, BulkOperationOutput(operation).data)


def on_campaign_completed(sender, campaign, **kwargs) -> None:
    from campaigns.serializers import CampaignOutput

    emit(campaign.location_id, Event.CAMPAIGN_COMPLETED, CampaignOutput(campaign).data)


def on_lead_import_completed(sender, lead_import, summary, **kwargs) -> None:
    emit(lead_import.location_id, Event.LEAD_IMPORT_COMPLETED, summary)


def connect_receivers() -> None:
    operation_finished.connect(on_operation_finished, dispatch_uid="webhooks.operation_finished")
    campaign_completed.connect(on_campaign_completed, dispatch_uid="webhooks.campaign_completed")
    lead_import_completed.connect(on_lead_import_completed, dispatch_uid="webhooks.lead_import_completed")
