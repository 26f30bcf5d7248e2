"""Who is told that an operation ended, in what words; marking notifications read.

The starter of an operation hears when it completes (with or without failures) or fails, and
when someone else cancels it; cancelling one's own operation tells nobody. The bell hears it
live (``live.publish_unread``) and, if the user asked for it, an email goes out too.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import live
from notifications.models import Kind, Notification, NotificationPreference
from operations.models import BulkOperation, OperationStatus
from operations.registry import get_target, get_type
from outreach.conf import public_base_url

logger = logging.getLogger(__name__)


def kind_of(operation: BulkOperation) -> Kind | None:
    """What the starter is told about this final state, or None when they are told nothing."""
    if operation.status == OperationStatus.COMPLETED:
        return Kind.COMPLETED_WITH_FAILURES if operation.failed else Kind.COMPLETED
    if operation.status == OperationStatus.FAILED:
        return Kind.FAILED
    if operation.status == OperationStatus.CANCELLED:
        by_another = operation.cancelled_by_id is not None and operation.cancelled_by_id != operation.created_by_id
        return Kind.CANCELLED if by_another else None
    return None


def _subject(operation: BulkOperation) -> str:
    """“Change stage” on 120 leads."""
    try:
        label = get_type(operation.target, operation.operation_type).label
    except LookupError:
        label = operation.operation_type
    try:
        target = get_target(operation.target)
        noun = target.singular if operation.total == 1 else target.label.lower()
    except LookupError:
        noun = operation.target
    return f"“{label}” on {operation.total:,} {noun}"


def _person(user) -> str:
    return user.get_full_name() or user.username


def text_for(operation: BulkOperation, kind: Kind) -> str:
    subject = _subject(operation)
    if kind == Kind.COMPLETED:
        counts = f"{operation.successful:,} succeeded"
        if operation.skipped:
            counts += f", {operation.skipped:,} skipped"
        return f"{subject} completed: {counts}."
    if kind == Kind.COMPLETED_WITH_FAILURES:
        return f"{subject} completed with failures: {operation.failed:,} failed, {operation.successful:,} succeeded" + (
            f", {operation.skipped:,} skipped." if operation.skipped else "."
        )
    if kind == Kind.FAILED:
        reason = operation.error_message.strip()
        text = f"{subject} failed after {operation.processed:,} of {operation.total:,} records"
        return f"{text}: {reason}"[:500] if reason else f"{text}."
    return (
        f"{_person(operation.cancelled_by)} cancelled {subject} "
        f"after {operation.processed:,} of {operation.total:,} records."
    )


def notify_operation_finished(operation: BulkOperation) -> Notification | None:
    """Tell the operation's starter that it ended, once; None when there is nothing to tell."""
    kind = kind_of(operation)
    if kind is None:
        return None
    notification, created = Notification.objects.get_or_create(
        operation=operation,
        recipient_id=operation.created_by_id,
        defaults={"location_id": operation.location_id, "kind": kind, "text": text_for(operation, kind)},
    )
    if created:
        transaction.on_commit(lambda: _deliver(notification))
    return notification


def _deliver(notification: Notification) -> None:
    live.publish_unread(notification.recipient_id, latest=notification)
    if wants_email(notification.recipient):
        _email(notification)


def wants_email(user) -> bool:
    return NotificationPreference.objects.filter(user=user, email_on_operation_end=True).exists()


def set_email_preference(*, user, email_on_operation_end: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_on_operation_end": email_on_operation_end}
    )
    return preference


def _email(notification: Notification) -> None:
    """One plain email; a mail server that refuses it is logged and changes nothing else."""
    recipient = notification.recipient
    if not recipient.email:
        return
    link = public_base_url() + reverse("operations:detail", args=[notification.operation_id])
    try:
        send_mail(
            subject=notification.text[:120],
            message=f"{notification.text}\n\nSee the operation: {link}\n\n"
            "You get this email because you asked for it in Notifications; turn it off there.",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient.email],
        )
    except Exception:
        logger.exception("Could not email notification %s to user %s", notification.pk, recipient.pk)


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        live.publish_unread(notification.recipient_id)
    return notification


def mark_all_read(*, user) -> int:
    count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        live.publish_unread(user.pk)
    return count
