"""The bulk flow's dry run: what an operation would do to the selection, without writing anything."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import models, transaction

from accounts.selectors import membership_for
from operations.models import BulkOperation, ItemStatus
from operations.registry import ExecutionContext, Target, get_type
from operations.selection import Selection

PREVIEW_LIMIT = 1000
SAMPLE_SIZE = 10


@dataclass
class PreviewRow:
    record: models.Model
    url: str
    status: str
    reason: str
    before: str
    after: str


@dataclass
class Preview:
    total: int
    considered: int
    counts: dict[str, int]
    reasons: list[tuple[str, str, int]]
    sample: list[PreviewRow] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.considered < self.total


def selected_records(*, target: Target, location, selection: Selection) -> models.QuerySet:
    if selection.ids is not None:
        return target.records(location).filter(pk__in=selection.ids)
    return target.matching(location, selection.filters)


def count_selected(*, target: Target, location, selection: Selection) -> int:
    return selected_records(target=target, location=location, selection=selection).count()


def preview_operation(
    *, user, location, target: Target, operation_type: str, params: dict, selection: Selection
) -> Preview:
    """Run the type's preview over the first PREVIEW_LIMIT selected records (never writes)."""
    op_type = get_type(target.key, operation_type)
    params = op_type.validate(params, location=location, user=user)
    membership = membership_for(user, location)
    operation = BulkOperation(location=location, created_by=user, target=target.key, operation_type=operation_type)
    operation.parameters = params
    ctx = ExecutionContext(operation=operation, membership=membership, params=params)

    queryset = selected_records(target=target, location=location, selection=selection)
    total = queryset.count()
    if selection.ids is not None:
        total = len(selection.ids)  # ids not (or no longer) found count as failures below
    records = list(queryset.order_by("pk")[:PREVIEW_LIMIT])
    found = {r.pk for r in records}
    statuses: Counter = Counter()
    reasons: Counter = Counter()
    if selection.ids is not None:
        missing = [pk for pk in sorted(selection.ids)[:PREVIEW_LIMIT] if pk not in found]
        statuses[ItemStatus.FAILED] += len(missing)
        if missing:
            reasons[(ItemStatus.FAILED, target.not_found_message)] += len(missing)
    allowed_q = target.allowed(membership) if membership else None
    allowed_ids = (
        found
        if allowed_q is None
        else set(target.model.objects.filter(pk__in=found).filter(allowed_q).values_list("pk", flat=True))
    )
    allowed = [r for r in records if r.pk in allowed_ids]
    forbidden = len(records) - len(allowed)
    if forbidden:
        statuses[ItemStatus.FAILED] += forbidden
        reasons[(ItemStatus.FAILED, target.forbidden_message)] += forbidden
    # A savepoint that is always rolled back: a preview can never leave a write behind.
    with transaction.atomic():
        plans = op_type.preview(allowed, ctx)
        transaction.set_rollback(True)
    sample = []
    for record in allowed:
        plan = plans[record.pk]
        statuses[plan.status] += 1
        if plan.reason:
            reasons[(plan.status, plan.reason)] += 1
        if len(sample) < SAMPLE_SIZE:
            sample.append(
                PreviewRow(record, target.record_url(record.pk), plan.status, plan.reason, plan.before, plan.after)
            )
    return Preview(
        total=total,
        considered=sum(statuses.values()),
        counts={status: statuses[status] for status in (ItemStatus.SUCCEEDED, ItemStatus.SKIPPED, ItemStatus.FAILED)},
        reasons=[(status, reason, n) for (status, reason), n in reasons.most_common()],
        sample=sample,
    )
