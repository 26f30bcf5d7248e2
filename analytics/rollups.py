"""The rollup the analytics read instead of item rows: a finished operation's failed items by message.

Written when the engine says an operation reached a final state (operations.signals.operation_finished).
"""

from django.db import transaction
from django.db.models import Count

from analytics.models import OperationErrorCount
from operations.models import BulkOperation, BulkOperationItem, ItemStatus


def roll_up_finished(sender, operation, **kwargs) -> None:
    """operation_finished receiver (connected in AnalyticsConfig.ready)."""
    record_error_counts(operation.pk)


def record_error_counts(operation_id) -> None:
    """Roll up a finished operation's failed items by message (when it reaches a final state)."""
    operation = BulkOperation.objects.filter(pk=operation_id).first()
    if operation is None:
        return
    counts = (
        BulkOperationItem.objects.filter(operation_id=operation_id, status=ItemStatus.FAILED)
        .order_by()
        .values("error_message")
        .annotate(n=Count("pk"))
    )
    copied = {
        "location_id": operation.location_id,
        "created_by_id": operation.created_by_id,
        "target": operation.target,
        "operation_type": operation.operation_type,
        "operation_created_at": operation.created_at,
    }
    with transaction.atomic():
        OperationErrorCount.objects.filter(operation_id=operation_id).delete()
        OperationErrorCount.objects.bulk_create(
            [
                OperationErrorCount(operation_id=operation_id, message=row["error_message"], count=row["n"], **copied)
                for row in counts
            ]
        )
