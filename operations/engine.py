"""The bulk-operation engine: turn a selection into item rows, then process them in chunks.

Every chunk is one transaction that locks the operation row, takes the next pending items
in primary-key order, locks their records, applies the change, writes the items' outcomes
and bumps the counters. A worker that dies mid-chunk leaves the chunk's items pending (the
transaction rolls back), so a re-run finishes exactly the items that were not finished.
The lock on the operation row serialises chunks of one operation across workers and
makes cancellation exact: a cancel waits for the chunk in flight, then no chunk starts.
"""

import contextlib
import json
import logging
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts import policy
from accounts.selectors import membership_for
from operations import progress, queue
from operations.errors import IdempotencyConflict, InvalidInput, InvalidTransition, TooManyActiveOperations
from operations.models import (
    ACTIVE_STATUSES,
    CANCELLABLE_STATUSES,
    RESOLVE_AT_START,
    BulkOperation,
    BulkOperationItem,
    ItemStatus,
    OperationStatus,
)
from operations.registry import ExecutionContext, Outcome, get_target, get_type
from operations.signals import send_operation_finished

logger = logging.getLogger(__name__)

ITEM_INSERT_BATCH = 5000
# Pauses (seconds) before a chunk is tried again on a new connection after losing the database.
RECONNECT_PAUSES = (0.5, 1, 2, 4)


# --- Creation ------------------------------------------------------------------------


def create_operation(
    *,
    user,
    location,
    target: str,
    operation_type: str,
    params: dict | None = None,
    ids: list | None = None,
    filters: dict | None = None,
    metadata: dict | None = None,
    idempotency_key: str = "",
    fingerprint: str = "",
    scheduled_for=None,
    draft: bool = False,
    resolve_at_start: bool = False,
    retry_of: BulkOperation | None = None,
    undo_of: BulkOperation | None = None,
) -> tuple[BulkOperation, bool]:
    """Validate, snapshot the selection into item rows and queue the operation.

    Returns (operation, created); created is False when an earlier request with the same
    idempotency key and body already made it. Raises InvalidInput for bad
    input, TooManyActiveOperations and IdempotencyConflict (operations.errors).
    """
    if membership_for(user, location) is None:
        raise InvalidInput.field("location", "You are not a member of this location.")
    try:
        target_def = get_target(target)
        op_type = get_type(target, operation_type)
    except LookupError as exc:
        raise InvalidInput.field("operation_type", str(exc)) from None
    policy.require(user, op_type.create_action, location)
    if undo_of is None:
        params = op_type.validate(params or {}, location=location, user=user)

    existing = replayed_operation(user=user, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if existing is not None:
        return existing, False

    if (ids is None) == (filters is None):
        raise InvalidInput.field("ids", "Give either a list of ids or a filter.")
    if ids is not None:
        ids = _clean_ids(ids)

    if scheduled_for is not None and scheduled_for <= timezone.now():
        raise InvalidInput.field("scheduled_for", "The scheduled time must be in the future.")
    if draft:
        status = OperationStatus.DRAFT
    elif scheduled_for is not None:
        status = OperationStatus.SCHEDULED
    else:
        status = OperationStatus.PENDING
        active = BulkOperation.objects.filter(created_by=user, status__in=ACTIVE_STATUSES).count()
        if active >= settings.BULK_MAX_ACTIVE_PER_USER:
            raise TooManyActiveOperations

    if resolve_at_start and (filters is None or status == OperationStatus.PENDING):
        raise InvalidInput.field(
            "filter_resolution", "Only a scheduled or draft filter selection can be resolved when it starts."
        )
    selection = {"method": "ids"} if ids is not None else {"method": "filter", "filters": filters}
    if resolve_at_start:
        selection["resolution"] = RESOLVE_AT_START
    try:
        with transaction.atomic():
            operation = BulkOperation.objects.create(
                location=location,
                created_by=user,
                target=target,
                operation_type=operation_type,
                parameters=params,
                selection=selection,
                metadata=metadata or {},
                status=status,
                scheduled_for=scheduled_for,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                retry_of=retry_of,
                undo_of=undo_of,
            )
            if ids is not None:
                total = _insert_items(operation, ids)
            elif target_def.filter_form is None:
                raise InvalidInput.field("filters", f"{target_def.label} cannot be selected by filter.")
            elif resolve_at_start:
                total = target_def.matching(location, filters).count()  # today's count; resolved again at start
            else:
                total = _insert_items_matching(operation, target_def.matching(location, filters))
            operation.total = total
            operation.save(update_fields=["total"])
            if status == OperationStatus.PENDING:
                transaction.on_commit(lambda: queue.enqueue_run(operation.pk))
            elif status == OperationStatus.SCHEDULED:
                queue.schedule_start(operation.pk, scheduled_for)
    except IntegrityError:
        # Two requests with one idempotency key raced; the other one won.
        existing = replayed_operation(user=user, idempotency_key=idempotency_key, fingerprint=fingerprint)
        if existing is None:
            raise
        return existing, False
    return operation, True


def replayed_operation(*, user, idempotency_key: str, fingerprint: str) -> BulkOperation | None:
    """The operation an earlier request with this idempotency key made, if any.

    The API's Idempotency-Key and the pages' one-time form keys both end here. Raises
    IdempotencyConflict when the key came before with another request body.
    """
    if not idempotency_key:
        return None
    existing = BulkOperation.objects.filter(created_by=user, idempotency_key=idempotency_key).first()
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict
    return existing


def _clean_ids(ids: list) -> list[int]:
    if len(ids) > settings.BULK_MAX_IDS:
        raise InvalidInput.field("ids", f"At most {settings.BULK_MAX_IDS:,} records per operation; got {len(ids):,}.")
    cleaned, seen, bad = [], set(), []
    for raw in ids:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            bad.append(raw)
            continue
        if value <= 0 or value > 2**63 - 1:
            bad.append(raw)
        elif value not in seen:
            seen.add(value)
            cleaned.append(value)
    if bad:
        shown = ", ".join(repr(item) for item in bad[:5])
        raise InvalidInput.field("ids", f"IDs must be positive integers; invalid: {shown}.")
    if not cleaned:
        raise InvalidInput.field("ids", "Select at least one record.")
    return cleaned


def _insert_items(operation: BulkOperation, ids: list[int]) -> int:
    ordered = sorted(ids)
    for start in range(0, len(ordered), ITEM_INSERT_BATCH):
        BulkOperationItem.objects.bulk_create(
            [BulkOperationItem(operation=operation, object_id=i) for i in ordered[start : start + ITEM_INSERT_BATCH]]
        )
    return len(ordered)


def _insert_items_matching(operation: BulkOperation, queryset) -> int:
    """INSERT … SELECT: a selection of a million records never passes through Python."""
    # An explicit alias: Django names the column of values("pk") "pk" or "id" depending on version.
    selected = queryset.order_by().annotate(selected_id=F("pk")).values("selected_id")
    select_sql, select_params = selected.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(BulkOperationItem._meta.db_table)
    columns = ", ".join(quote(c) for c in ("operation_id", "object_id", "status", "error_message", "before"))
    op_id = BulkOperation._meta.pk.get_db_prep_value(operation.pk, connection)
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT %s, selected.selected_id, %s, '', NULL FROM ({select_sql}) AS selected ORDER BY selected.selected_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [op_id, ItemStatus.PENDING, *select_params])
    return BulkOperationItem.objects.filter(operation=operation).count()


# --- Execution -----------------------------------------------------------------------

DONE, STOPPED, PROGRESSED = "done", "stopped", "progressed"


def run_operation(operation_id, *, slice_seconds: float | None = None) -> str:
    """Start or resume an operation and process its chunks for one time slice.

    When the slice ends with work left, the rest is queued as a new task, so no task
    outlives the queue's timeout. Safe to call any number of times, concurrently too.
    """
    operation = BulkOperation.objects.filter(pk=operation_id).first()
    if operation is None:
        return STOPPED
    if operation.status == OperationStatus.CANCELLED:
        progress.publish_completed(operation)
        return STOPPED
    if operation.status not in ACTIVE_STATUSES:
        return STOPPED
    now = timezone.now()
    BulkOperation.objects.filter(pk=operation.pk, status=OperationStatus.PENDING).update(
        status=OperationStatus.IN_PROGRESS, started_at=now, heartbeat_at=now
    )
    publisher = progress.Publisher(operation.pk)
    slice_seconds = settings.BULK_SLICE_SECONDS if slice_seconds is None else slice_seconds
    deadline = time.monotonic() + slice_seconds
    while True:
        result, last_object_id = _next_chunk_surviving_disconnects(operation.pk)
        if result == DONE:
            return _complete(operation.pk)
        if result == STOPPED:
            operation.refresh_from_db()
            progress.publish_completed(operation)
            return STOPPED
        publisher.maybe_publish(current_object_id=last_object_id)
        if time.monotonic() >= deadline:
            queue.enqueue_run(operation.pk)
            return PROGRESSED


def _next_chunk_surviving_disconnects(operation_id) -> tuple[str, int | None]:
    """process_next_chunk, tried again on a new connection when the database went away.

    A restart or failover of the database rolls the chunk back; without this the task would
    fail and the operation wait for the watchdog. Past the last pause the error propagates.
    """
    for pause in RECONNECT_PAUSES:
        try:
            return process_next_chunk(operation_id)
        except (OperationalError, InterfaceError):
            logger.warning("Operation %s lost its database connection; trying again in %ss", operation_id, pause)
            with contextlib.suppress(DatabaseError):
                connection.close()
            time.sleep(pause)
    return process_next_chunk(operation_id)


def process_next_chunk(operation_id) -> tuple[str, int | None]:
    """Process one chunk in one transaction; return (DONE | STOPPED | PROGRESSED, last id)."""
    with transaction.atomic():
        operation = (
            BulkOperation.objects.select_for_update(of=("self",))
            .select_related("location", "created_by")
            .get(pk=operation_id)
        )
        if operation.status != OperationStatus.IN_PROGRESS:
            return STOPPED, None
        items = list(
            BulkOperationItem.objects.filter(operation=operation, status=ItemStatus.PENDING)
            .order_by("pk")
            .only("pk", "object_id")[: settings.BULK_CHUNK_SIZE]
        )
        if not items:
            return DONE, None
        outcomes = _apply_chunk(operation, [item.object_id for item in items])
        _record_outcomes(operation, items, outcomes)
    return PROGRESSED, items[-1].object_id


def _apply_chunk(operation: BulkOperation, object_ids: list[int]) -> dict[int, Outcome]:
    target = get_target(operation.target)
    op_type = get_type(operation.target, operation.operation_type)
    membership = membership_for(operation.created_by, operation.location)
    ctx = ExecutionContext(operation=operation, membership=membership, params=operation.parameters)

    queryset = op_type.queryset(target, operation.location, undo=bool(operation.undo_of_id))
    queryset = queryset.filter(pk__in=object_ids).order_by("pk")
    if op_type.locks_records:
        queryset = queryset.select_for_update(of=("self",))
    records = list(queryset)
    outcomes: dict[int, Outcome] = {}
    found = {record.pk for record in records}
    for object_id in object_ids:
        if object_id not in found:
            outcomes[object_id] = Outcome(ItemStatus.FAILED, target.not_found_message)

    if membership is None:
        allowed_ids: set[int] = set()
    else:
        allowed_q = target.allowed(membership)
        allowed_ids = found if allowed_q is None else set(queryset.filter(allowed_q).values_list("pk", flat=True))
    allowed = [record for record in records if record.pk in allowed_ids]
    for record in records:
        if record.pk not in allowed_ids:
            outcomes[record.pk] = Outcome(ItemStatus.FAILED, target.forbidden_message)

    if allowed:
        outcomes.update(_apply_isolating_failures(op_type, allowed, ctx, operation))
    return outcomes


def _apply_isolating_failures(op_type, records: list, ctx: ExecutionContext, operation) -> dict[int, Outcome]:
    """Apply to the whole chunk; if that raises, apply record by record to isolate the bad ones."""
    if operation.undo_of_id:
        befores = dict(
            BulkOperationItem.objects.filter(
                operation_id=operation.undo_of_id, object_id__in=[r.pk for r in records]
            ).values_list("object_id", "before")
        )

        def apply(batch):
            return op_type.undo(batch, befores, ctx)
    else:

        def apply(batch):
            return op_type.apply(batch, ctx)

    try:
        with transaction.atomic():
            return apply(records)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("Chunk of operation %s failed; retrying record by record", operation.pk)
    outcomes = {}
    for record in records:
        try:
            with transaction.atomic():
                outcomes.update(apply([record]))
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            logger.exception("Operation %s failed on record %s", operation.pk, record.pk)
            outcomes[record.pk] = Outcome(ItemStatus.FAILED, f"Unexpected error: {exc}"[:500])
    return outcomes


def _record_outcomes(operation: BulkOperation, items: list, outcomes: dict[int, Outcome]) -> None:
    """Write outcomes with one UPDATE per distinct (status, error, before) and bump counters."""
    now = timezone.now()
    groups: dict[tuple, list[int]] = defaultdict(list)
    counts = {ItemStatus.SUCCEEDED: 0, ItemStatus.FAILED: 0, ItemStatus.SKIPPED: 0}
    for item in items:
        outcome = outcomes.get(item.object_id) or Outcome(ItemStatus.FAILED, "No outcome was reported")
        key = (outcome.status, outcome.error, json.dumps(outcome.before, sort_keys=True, default=str))
        groups[key].append(item.pk)
        counts[outcome.status] += 1
    for (status, error, before_json), item_ids in groups.items():
        BulkOperationItem.objects.filter(pk__in=item_ids).update(
            status=status, error_message=error, before=json.loads(before_json), processed_at=now
        )
    BulkOperation.objects.filter(pk=operation.pk).update(
        processed=F("processed") + len(items),
        successful=F("successful") + counts[ItemStatus.SUCCEEDED],
        failed=F("failed") + counts[ItemStatus.FAILED],
        skipped=F("skipped") + counts[ItemStatus.SKIPPED],
        heartbeat_at=now,
    )


def _complete(operation_id) -> str:
    operation = BulkOperation.objects.select_related("location", "created_by").get(pk=operation_id)
    if operation.status != OperationStatus.IN_PROGRESS:
        return STOPPED
    op_type = get_type(operation.target, operation.operation_type)
    try:
        op_type.finish(operation)
    except Exception as exc:
        logger.exception("Finishing operation %s failed", operation.pk)
        finished = BulkOperation.objects.filter(pk=operation.pk, status=OperationStatus.IN_PROGRESS).update(
            status=OperationStatus.FAILED, error_message=str(exc)[:1000], completed_at=timezone.now()
        )
    else:
        finished = BulkOperation.objects.filter(pk=operation.pk, status=OperationStatus.IN_PROGRESS).update(
            status=OperationStatus.COMPLETED, completed_at=timezone.now()
        )
    operation.refresh_from_db()
    progress.publish_completed(operation)
    if finished:  # this call made it final (not a concurrent one, nor a cancel in between)
        send_operation_finished(operation)
    return DONE


# --- Lifecycle actions -----------------------------------------------------------------


def allows(user, action: policy.Action, operation: BulkOperation) -> bool:
    """May the user start, cancel, retry or undo this operation: the policy table, its creator as owner."""
    return policy.allows(user, action, operation.location, owner_id=operation.created_by_id)


def cancel_operation(*, operation: BulkOperation, user=None) -> BulkOperation:
    """Stop an operation: no chunk starts after this returns; finished items stay finished.

    ``user`` is who cancelled it (None: the system), kept in ``cancelled_by``.
    """
    updated = BulkOperation.objects.filter(pk=operation.pk, status__in=CANCELLABLE_STATUSES).update(
        status=OperationStatus.CANCELLED, cancelled_at=timezone.now(), cancelled_by=user
    )
    operation.refresh_from_db()
    if not updated:
        raise InvalidTransition(f"An operation that is {operation.get_status_display().lower()} cannot be cancelled.")
    queue.unschedule_start(operation.pk)
    progress.publish_completed(operation)
    send_operation_finished(operation)
    return operation


def start_draft(*, operation: BulkOperation, scheduled_for=None) -> BulkOperation:
    """Run a draft now, or schedule it."""
    if scheduled_for is not None and scheduled_for <= timezone.now():
        raise InvalidInput.field("scheduled_for", "The scheduled time must be in the future.")
    new_status = OperationStatus.SCHEDULED if scheduled_for else OperationStatus.PENDING
    if new_status == OperationStatus.PENDING:
        active = BulkOperation.objects.filter(created_by=operation.created_by, status__in=ACTIVE_STATUSES).count()
        if active >= settings.BULK_MAX_ACTIVE_PER_USER:
            raise TooManyActiveOperations
    with transaction.atomic():
        updated = BulkOperation.objects.filter(pk=operation.pk, status=OperationStatus.DRAFT).update(
            status=new_status, scheduled_for=scheduled_for
        )
        if not updated:
            raise InvalidTransition("Only a draft can be started.")
        if new_status == OperationStatus.PENDING:
            _resolve_selection_at_start(operation)
            transaction.on_commit(lambda: queue.enqueue_run(operation.pk))
        else:
            queue.schedule_start(operation.pk, scheduled_for)
    operation.refresh_from_db()
    return operation


def start_scheduled(operation_id) -> bool:
    """Move a due scheduled operation to pending and queue it (called by the scheduler).

    The conditional update claims it, so a start fired twice (schedule and watchdog) queues it once.
    """
    with transaction.atomic():
        updated = BulkOperation.objects.filter(
            pk=operation_id, status=OperationStatus.SCHEDULED, scheduled_for__lte=timezone.now()
        ).update(status=OperationStatus.PENDING)
        if updated:
            _resolve_selection_at_start(BulkOperation.objects.get(pk=operation_id))
            transaction.on_commit(lambda: queue.enqueue_run(operation_id))
    return bool(updated)


def _resolve_selection_at_start(operation: BulkOperation) -> None:
    """A selection chosen as "whatever matches when it starts": evaluate its filter now, into item rows."""
    if operation.selection.get("resolution") != RESOLVE_AT_START or operation.items.exists():
        return
    matching = get_target(operation.target).matching(operation.location, operation.selection["filters"])
    operation.total = _insert_items_matching(operation, matching)
    operation.save(update_fields=["total"])


def retry_failed(*, operation: BulkOperation, user, idempotency_key: str = "", fingerprint: str = "") -> BulkOperation:
    """A new operation of the same type and parameters over this one's failed items.

    With an idempotency key, a repeat returns the retry the key made (before the checks, which
    the first retry may have changed the answer of).
    """
    existing = replayed_operation(user=user, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if existing is not None:
        return existing
    if not operation.is_final:
        raise InvalidTransition("Wait until the operation has finished before retrying its failures.")
    failed_ids = list(
        operation.items.filter(status=ItemStatus.FAILED).order_by("pk").values_list("object_id", flat=True)
    )
    if not failed_ids:
        raise InvalidTransition("This operation has no failed records to retry.")
    new_operation, _ = create_operation(
        user=user,
        location=operation.location,
        target=operation.target,
        operation_type=operation.operation_type,
        params=operation.parameters,
        ids=failed_ids,
        metadata={"description": f"Retry of the failures of operation {operation.pk}"},
        retry_of=operation,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    return new_operation


def undo_operation(
    *, operation: BulkOperation, user, idempotency_key: str = "", fingerprint: str = ""
) -> BulkOperation:
    """A new operation restoring the before-values of this one's succeeded items.

    With an idempotency key, a repeat returns the undo the key made (not "already undone").
    """
    existing = replayed_operation(user=user, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if existing is not None:
        return existing
    op_type = get_type(operation.target, operation.operation_type)
    if not op_type.reversible:
        raise InvalidTransition(f"'{op_type.label}' cannot be undone.")
    if operation.status not in (OperationStatus.COMPLETED, OperationStatus.CANCELLED):
        raise InvalidTransition("Only a completed or cancelled operation can be undone.")
    if operation.undo_of_id:
        raise InvalidTransition("An undo cannot itself be undone; run the action again instead.")
    if operation.undos.exclude(status__in=(OperationStatus.FAILED, OperationStatus.CANCELLED)).exists():
        raise InvalidTransition("This operation has already been undone.")
    succeeded_ids = list(
        operation.items.filter(status=ItemStatus.SUCCEEDED).order_by("pk").values_list("object_id", flat=True)
    )
    if not succeeded_ids:
        raise InvalidTransition("This operation changed no records, so there is nothing to undo.")
    new_operation, _ = create_operation(
        user=user,
        location=operation.location,
        target=operation.target,
        operation_type=operation.operation_type,
        params=operation.parameters,
        ids=succeeded_ids,
        metadata={"description": f"Undo of operation {operation.pk}"},
        undo_of=operation,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    return new_operation


def resume_stalled_operations(*, stall_seconds: float | None = None) -> int:
    """Watchdog: re-queue operations whose worker died, and scheduled ones that are due."""
    stall_seconds = settings.BULK_STALL_SECONDS if stall_seconds is None else stall_seconds
    now = timezone.now()
    cutoff = now - timedelta(seconds=stall_seconds)
    stalled = list(
        BulkOperation.objects.filter(status=OperationStatus.IN_PROGRESS, heartbeat_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    stalled += list(
        BulkOperation.objects.filter(status=OperationStatus.PENDING, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    for operation_id in stalled:
        queue.enqueue_run(operation_id)
    due = BulkOperation.objects.filter(status=OperationStatus.SCHEDULED, scheduled_for__lte=now)
    for operation_id in due.values_list("pk", flat=True):
        start_scheduled(operation_id)
    return len(stalled)
