"""Edit and reschedule an operation before it starts: a draft or a scheduled operation."""

from django.db import transaction
from django.utils import timezone

from accounts import policy
from accounts.policy import Action
from operations import engine, queue
from operations.errors import InvalidInput, InvalidTransition
from operations.models import BulkOperation, OperationStatus
from operations.registry import get_type

EDITABLE_STATUSES = (OperationStatus.DRAFT, OperationStatus.SCHEDULED)


def update_operation(
    *, operation: BulkOperation, user, params: dict | None = None, scheduled_for=None, status: str | None = None
) -> BulkOperation:
    """New parameters and/or a new start time for a draft or scheduled operation; a draft may also
    be scheduled (``status="scheduled"``) or run (``status="pending"``).

    Parameters are validated by the type as at creation and the user must still be allowed to
    create this type. A scheduled operation keeps exactly one pending start (its schedule is moved).
    Raises InvalidTransition once the operation has started, InvalidInput for bad values.
    """
    if operation.status not in EDITABLE_STATUSES:
        raise InvalidTransition(
            f"An operation that is {operation.get_status_display().lower()} cannot be edited; "
            "only a draft or a scheduled operation can."
        )
    op_type = get_type(operation.target, operation.operation_type)
    policy.require(user, Action.OPERATION_START, operation.location, owner_id=operation.created_by_id)
    policy.require(user, op_type.create_action, operation.location)
    if status not in (None, OperationStatus.SCHEDULED, OperationStatus.PENDING):
        raise InvalidInput.field("status", "A draft can be scheduled ('scheduled') or run now ('pending').")
    if status is not None and operation.status != OperationStatus.DRAFT:
        raise InvalidTransition("Only a draft can be scheduled or run; this operation is already scheduled.")
    if status == OperationStatus.SCHEDULED and scheduled_for is None and operation.scheduled_for is None:
        raise InvalidInput.field("scheduled_for", "Give the time to run it.")
    if scheduled_for is not None and scheduled_for <= timezone.now():
        raise InvalidInput.field("scheduled_for", "The scheduled time must be in the future.")
    changes = {}
    if params is not None:
        changes["parameters"] = op_type.validate(params, location=operation.location, user=user)
    if scheduled_for is not None:
        changes["scheduled_for"] = scheduled_for
    with transaction.atomic():
        if changes:
            updated = BulkOperation.objects.filter(pk=operation.pk, status=operation.status).update(**changes)
            if not updated:
                raise InvalidTransition("The operation started meanwhile; it can no longer be edited.")
            if operation.status == OperationStatus.SCHEDULED and scheduled_for is not None:
                queue.schedule_start(operation.pk, scheduled_for)
        operation.refresh_from_db()
        if status == OperationStatus.SCHEDULED:
            operation = engine.start_draft(operation=operation, scheduled_for=operation.scheduled_for)
        elif status == OperationStatus.PENDING:
            operation = engine.start_draft(operation=operation)
    return operation
