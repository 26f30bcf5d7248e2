"""django-q2 task entry points for leads: thin wrappers around leads.messaging."""

from django.conf import settings
from django_q.tasks import async_task

from leads import messaging


def send_operation_messages(operation_id: str | None = None) -> int:
    """Send queued messages for one time slice (inside the queue's timeout), then re-queue the rest."""
    sent = messaging.send_queued(operation_id=operation_id, seconds=settings.BULK_SLICE_SECONDS)
    if messaging.has_queued(operation_id=operation_id):
        async_task("leads.tasks.send_operation_messages", operation_id)
    return sent


def run_outbox() -> int:
    """Every minute: reconcile messages whose sender died, and send anything left queued."""
    messaging.reconcile_stale()
    return send_operation_messages(None)
