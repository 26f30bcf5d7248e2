"""The builder's dry run: what an operation would do to the selection, without writing anything."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction

from accounts.selectors import membership_for
from leads.bulk_forms import Selection
from leads.models import Lead
from operations.models import BulkOperation, ItemStatus
from operations.registry import ExecutionContext, get_target, get_type

PREVIEW_LIMIT = 1000
SAMPLE_SIZE = 10


@dataclass
class PreviewRow:
    lead: Lead
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


def selected_leads(*, location, selection: Selection):
    if selection.ids is not None:
        return Lead.objects.filter(location=location, pk__in=selection.ids)
    return get_target("leads").matching(location, selection.filters)


def count_selected(*, location, selection: Selection) -> int:
    return selected_leads(location=location, selection=selection).count()


def preview_operation(*, user, location, operation_type: str, params: dict, selection: Selection) -> Preview:
    """Run the type's preview over the first PREVIEW_LIMIT selected leads (never writes)."""
    target = get_target("leads")
    op_type = get_type("leads", operation_type)
    params = op_type.validate(params, location=location, user=user)
    membership = membership_for(user, location)
    operation = BulkOperation(location=location, created_by=user, target="leads", operation_type=operation_type)
    operation.parameters = params
    ctx = ExecutionContext(operation=operation, membership=membership, params=params)

    queryset = selected_leads(location=location, selection=selection)
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
        else set(Lead.objects.filter(pk__in=found).filter(allowed_q).values_list("pk", flat=True))
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
            sample.append(PreviewRow(record, plan.status, plan.reason, plan.before, plan.after))
    return Preview(
        total=total,
        considered=sum(statuses.values()),
        counts={status: statuses[status] for status in (ItemStatus.SUCCEEDED, ItemStatus.SKIPPED, ItemStatus.FAILED)},
        reasons=[(status, reason, n) for (status, reason), n in reasons.most_common()],
        sample=sample,
    )
