"""A user's own notifications: nobody ever reads another's."""

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("operation", "location")


def unread_count(user_id) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
