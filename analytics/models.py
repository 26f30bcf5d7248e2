"""Models behind the analytics: time-saved assumptions and per-message error rollups.

Their tables keep the names they had when these models lived in the operations app
(migrations analytics 0001 and operations 0005 moved them without touching a row).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

# Manual effort one record takes by hand, in seconds, per operation type key, used when a
# location has not set its own estimate. Grounded on seed 000's own figures (tagging 100
# leads by hand: 30 minutes = 18 s each; messaging 50 leads: 2 hours = 144 s each; scoring
# 200 leads: 1 hour = 18 s each); other types: opening a record, changing one field, saving.
DEFAULT_SECONDS_PER_ITEM = {
    "add_tags": 18,
    "remove_tags": 18,
    "tag": 18,
    "score": 18,
    "send_message": 144,
    "message": 144,
    "add_comment": 90,
    "assign": 30,
    "update_status": 20,
    "update_priority": 20,
    "update_category": 20,
    "update_stage": 20,
    "delete": 15,
}
FALLBACK_SECONDS_PER_ITEM = 30
# Types whose work by hand takes the same time however many records it covers, in seconds per
# operation: an export (seed 000: "Exporting data: 15 minutes"). A location's estimate for
# such a type is per operation too.
DEFAULT_SECONDS_PER_OPERATION = {"export": 15 * 60}


class ManualEffortEstimate(models.Model):
    """How long one record of an operation type takes by hand here: the time-saved assumption."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="effort_estimates")
    target = models.CharField(max_length=32, help_text="leads, tickets, …")
    operation_type = models.CharField(max_length=64)
    seconds_per_item = models.PositiveIntegerField(
        validators=[MinValueValidator(0)],
        help_text="Seconds one record takes by hand; for an export, seconds per export.",
    )

    class Meta:
        db_table = "operations_manualeffortestimate"
        ordering = ["location", "target", "operation_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "target", "operation_type"], name="unique_effort_estimate_per_type"
            )
        ]

    def __str__(self):
        per = "operation" if self.operation_type in DEFAULT_SECONDS_PER_OPERATION else "record"
        return f"{self.target}.{self.operation_type}: {self.seconds_per_item} s per {per}"


class OperationErrorCount(models.Model):
    """How many failed items of a finished operation carry one error message.

    Written once when the operation reaches a final state (analytics.rollups, on the engine's
    operation_finished signal), so the analytics never scan item rows of finished operations.
    The operation's location, creator, type and creation time are copied here, so the
    analytics filter this small table alone.
    """

    operation = models.ForeignKey("operations.BulkOperation", on_delete=models.CASCADE, related_name="error_counts")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=32)
    operation_type = models.CharField(max_length=64)
    operation_created_at = models.DateTimeField()
    message = models.TextField(blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        db_table = "operations_operationerrorcount"
        ordering = ["-count"]
        indexes = [models.Index(fields=["location", "operation_created_at"], name="op_error_loc_created")]

    def __str__(self):
        return f"{self.count} x {self.message[:60]}"
