"""Outbound webhooks: a location's subscriptions to events, and every delivery of an event to one."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from accounts.models import Location


class Event(models.TextChoices):
    BULK_OPERATION_COMPLETED = "bulk_operation.completed", "Bulk operation completed"
    BULK_OPERATION_FAILED = "bulk_operation.failed", "Bulk operation failed"
    BULK_OPERATION_CANCELLED = "bulk_operation.cancelled", "Bulk operation cancelled"
    LEAD_IMPORT_COMPLETED = "lead_import.completed", "Lead import completed"
    CAMPAIGN_COMPLETED = "campaign.completed", "Campaign completed"


class Webhook(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("URL", max_length=2000)
    events = models.JSONField(default=list, help_text="The event names this webhook receives.")
    is_active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, editable=False, help_text="Signs every delivery (X-Signature).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "is_active"])]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        return [Event(event).label for event in self.events if event in Event.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one webhook: tried until the receiver answers 2xx or the tries run out."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50, choices=Event.choices)
    payload = models.JSONField(encoder=DjangoJSONEncoder, help_text="The JSON body sent (signed as sent).")
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When a pending delivery is tried next.")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["webhook", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook.url}"
