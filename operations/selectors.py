from django.db.models import Q, QuerySet

from accounts import policy
from accounts.policy import Action
from accounts.selectors import locations_for
from operations.models import BulkOperation


def visible_operations(user) -> QuerySet[BulkOperation]:
    """Every operation of the locations where the policy shows the user all of them; elsewhere their own."""
    every = Q(location__in=policy.locations_where(user, Action.OPERATION_VIEW_ALL))
    own = Q(location__in=locations_for(user), created_by_id=user.pk)
    return BulkOperation.objects.filter(every | own).select_related("created_by", "location")


def operations_touching(*, target: str, object_id: int, user) -> QuerySet[BulkOperation]:
    """The operations that selected this record, newest first."""
    return visible_operations(user).filter(target=target, items__object_id=object_id).distinct()


def estimate_completion(operation: BulkOperation):
    """When a new operation should finish, from the rate of recent ones of its type here.

    None when there is no history to go by: an estimate is never made up.
    """
    if operation.is_final or operation.items_per_second:
        return operation.estimated_completion
    from datetime import timedelta

    from django.db.models import F, Sum
    from django.utils import timezone

    recent = BulkOperation.objects.filter(
        location=operation.location,
        target=operation.target,
        operation_type=operation.operation_type,
        status="completed",
        started_at__isnull=False,
        completed_at__isnull=False,
        processed__gt=0,
    ).order_by("-completed_at")[:20]
    totals = BulkOperation.objects.filter(pk__in=recent.values("pk")).aggregate(
        items=Sum("processed"), duration=Sum(F("completed_at") - F("started_at"))
    )
    if not totals["items"] or not totals["duration"] or totals["duration"].total_seconds() <= 0:
        return None
    rate = totals["items"] / totals["duration"].total_seconds()
    return timezone.now() + timedelta(seconds=operation.total / rate)
