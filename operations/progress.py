"""Progress messages (the seed 003 WebSocket contract) and their publication.

Messages go to the operation's channel-layer group. On the embedded default the layer is
in-memory and cannot cross from the worker process to the web process, so the WebSocket
consumer also reads the same messages from the database (see consumers.py).
"""

import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from operations.models import BulkOperation

logger = logging.getLogger(__name__)


def group_name(operation_id) -> str:
    return f"bulk-operation-{operation_id}"


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def progress_message(operation: BulkOperation, *, current_object_id: int | None = None) -> dict:
    return {
        "type": "progress_update",
        "operation_id": str(operation.pk),
        "status": operation.status,
        "total_tickets": operation.total,
        "processed_tickets": operation.processed,
        "successful_tickets": operation.successful,
        "failed_tickets": operation.failed,
        "skipped_tickets": operation.skipped,
        "progress_percentage": operation.progress_percentage,
        "current_ticket_id": current_object_id,
        "items_per_second": round(operation.items_per_second or 0, 1),
        "estimated_completion": _iso(operation.estimated_completion),
        "timestamp": _iso(timezone.now()),
        # The same figures under target-neutral names, for leads and other targets.
        "target": operation.target,
        "total": operation.total,
        "processed": operation.processed,
        "successful": operation.successful,
        "failed": operation.failed,
        "skipped": operation.skipped,
    }


def completed_message(operation: BulkOperation) -> dict:
    return {
        "type": "operation_completed",
        "operation_id": str(operation.pk),
        "final_status": operation.status,
        "total_tickets": operation.total,
        "processed_tickets": operation.processed,
        "successful_tickets": operation.successful,
        "failed_tickets": operation.failed,
        "skipped_tickets": operation.skipped,
        "completed_at": _iso(operation.completed_at or operation.cancelled_at),
        "cancelled_at": _iso(operation.cancelled_at),
        "error_message": operation.error_message,
        "target": operation.target,
        "total": operation.total,
        "processed": operation.processed,
        "successful": operation.successful,
        "failed": operation.failed,
        "skipped": operation.skipped,
    }


def message_for(operation: BulkOperation) -> dict:
    """The message that describes the operation's state now."""
    return completed_message(operation) if operation.is_final else progress_message(operation)


def publish(operation_id, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(operation_id), {"type": "operation.event", "message": message})
    except Exception:
        # The layer being down (Redis stopped) must never stop the work: clients poll.
        logger.warning("Could not publish progress of operation %s", operation_id, exc_info=True)


def publish_completed(operation: BulkOperation) -> None:
    publish(operation.pk, completed_message(operation))


class Publisher:
    """Publishes progress at most every BULK_PROGRESS_INTERVAL seconds."""

    def __init__(self, operation_id):
        self.operation_id = operation_id
        self.last = 0.0

    def maybe_publish(self, *, current_object_id: int | None = None) -> None:
        now = time.monotonic()
        if now - self.last < settings.BULK_PROGRESS_INTERVAL:
            return
        self.last = now
        operation = BulkOperation.objects.get(pk=self.operation_id)
        publish(self.operation_id, progress_message(operation, current_object_id=current_object_id))
