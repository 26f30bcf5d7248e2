"""In-app notifications to the person who started a bulk operation, and their email preference."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    COMPLETED = "completed", "Completed"
    COMPLETED_WITH_FAILURES = "completed_with_failures", "Completed with failures"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled by someone else"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="notifications")
    operation = models.ForeignKey("operations.BulkOperation", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            # The engine sends operation_finished once per final state; this keeps it one notification.
            models.UniqueConstraint(fields=["operation", "recipient"], name="one_notification_per_operation")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """What a user wants beyond the bell; one row per user, made when they first change it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_on_operation_end = models.BooleanField(
        "Email me too",
        default=False,
        help_text="Also send an email when an operation I started ends or someone else cancels it.",
    )

    def __str__(self) -> str:
        return f"Notification preference of {self.user}"
