"""The bell's live updates: one channel-layer group per user, and the message it gets.

As with operation progress, a worker's ``group_send`` cannot cross processes on the in-memory
layer, so the consumer also reads the unread count from the database (consumers.py).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications.models import Notification
from notifications.selectors import unread_count

logger = logging.getLogger(__name__)


def group_name(user_id) -> str:
    return f"notifications-user-{user_id}"


def unread_message(unread: int, latest: Notification | None = None) -> dict:
    """``{"type": "notifications", "unread": n, "latest": {...} | null}``"""
    return {
        "type": "notifications",
        "unread": unread,
        "latest": None
        if latest is None
        else {
            "id": latest.pk,
            "kind": latest.kind,
            "text": latest.text,
            "operation_id": str(latest.operation_id),
            "created_at": latest.created_at.isoformat(),
        },
    }


def publish_unread(user_id, *, latest: Notification | None = None) -> None:
    """Send the user's unread count to their open pages; a layer that is down is only logged."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = unread_message(unread_count(user_id), latest)
    try:
        async_to_sync(layer.group_send)(group_name(user_id), {"type": "notifications.event", "message": message})
    except Exception:
        logger.warning("Could not publish notifications of user %s", user_id, exc_info=True)
