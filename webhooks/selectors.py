"""Which webhooks and deliveries a user may see: those of the locations where they manage webhooks."""

from django.db.models import QuerySet

from accounts import policy
from accounts.policy import Action
from webhooks.models import Webhook, WebhookDelivery


def webhooks_for(user) -> QuerySet[Webhook]:
    locations = list(policy.locations_where(user, Action.WEBHOOK_MANAGE).values_list("pk", flat=True))
    return Webhook.objects.filter(location_id__in=locations).select_related("location", "created_by")


def deliveries_of(webhook: Webhook, status: str | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-pk")
    return deliveries.filter(status=status) if status else deliveries
