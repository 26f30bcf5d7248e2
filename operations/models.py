import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class OperationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (OperationStatus.PENDING, OperationStatus.IN_PROGRESS)
CANCELLABLE_STATUSES = (
    OperationStatus.DRAFT,
    OperationStatus.SCHEDULED,
    OperationStatus.PENDING,
    OperationStatus.IN_PROGRESS,
)
FINAL_STATUSES = (OperationStatus.COMPLETED, OperationStatus.CANCELLED, OperationStatus.FAILED)
# A filter selection acts on the records matching when it was made (RESOLVE_NOW), or, marked
# selection["resolution"] = RESOLVE_AT_START (scheduled and draft only), on whatever matches when it starts.
RESOLVE_NOW, RESOLVE_AT_START = "now", "at_start"


class BulkOperation(models.Model):
    """One action applied to a snapshot of selected records, run in chunks by workers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="bulk_operations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_operations")
    target = models.CharField(max_length=32, help_text="What the records are: leads, tickets, …")
    operation_type = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict, blank=True, help_text="Validated parameters of the type")
    selection = models.JSONField(default=dict, blank=True, help_text="How the records were selected")
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=OperationStatus.choices, default=OperationStatus.PENDING)
    error_message = models.TextField(blank=True)

    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    successful = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last chunk a worker finished")

    idempotency_key = models.CharField(max_length=255, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    retry_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries")
    undo_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="undos")
    result_file = models.FileField(upload_to="operation-results/", blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_idempotency_key_per_user",
            )
        ]
        indexes = [
            models.Index(fields=["location", "-created_at"], name="op_loc_created"),
            models.Index(fields=["created_by", "status"], name="op_user_status"),
            models.Index(fields=["status", "scheduled_for"], name="op_status_scheduled"),
        ]

    def __str__(self):
        return f"{self.operation_type} on {self.total} {self.target} ({self.status})"

    @property
    def progress_percentage(self) -> int:
        if not self.total:
            return 100 if self.status == OperationStatus.COMPLETED else 0
        return int(self.processed * 100 / self.total)

    @property
    def filter_resolution(self) -> str | None:
        """RESOLVE_NOW or RESOLVE_AT_START for a filter selection; None for records chosen one by one."""
        if self.selection.get("method") != "filter":
            return None
        return self.selection.get("resolution", RESOLVE_NOW)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

    @property
    def items_per_second(self) -> float | None:
        """The measured rate since the operation started, or None before any progress."""
        if not self.started_at or not self.processed:
            return None
        end = self.completed_at or self.cancelled_at or timezone.now()
        seconds = (end - self.started_at).total_seconds()
        return self.processed / seconds if seconds > 0 else None

    @property
    def estimated_completion(self):
        if self.is_final:
            return self.completed_at or self.cancelled_at
        rate = self.items_per_second
        if rate:
            return timezone.now() + timezone.timedelta(seconds=(self.total - self.processed) / rate)
        return None


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class BulkOperationItem(models.Model):
    """One selected record of an operation and its outcome.

    object_id is not a foreign key: the selection may name records that do not exist
    or belong to another tenant, and those become failed items saying "not found".
    """

    operation = models.ForeignKey(BulkOperation, on_delete=models.CASCADE, related_name="items")
    object_id = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    error_message = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True, help_text="Values before the change, for undo")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["operation", "object_id"], name="unique_item_per_operation")]
        indexes = [
            models.Index(fields=["operation", "status", "id"], name="item_op_status"),
            models.Index(fields=["object_id"], name="item_object"),
        ]

    def __str__(self):
        return f"{self.object_id}: {self.status}"
