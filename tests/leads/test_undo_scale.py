"""Must-show 4: undo of a 10,000-lead stage change restores every lead not changed since and
reports the ones changed since as skipped."""

from django.db.models import Count

from leads.models import Lead, Stage, StageChange
from operations.models import ItemStatus, OperationStatus

LEADS = 10_000


def test_undo_of_10000_lead_stage_change(run_op, undo, manager, location, settings):
    settings.BULK_CHUNK_SIZE = 2000
    Lead.objects.bulk_create(
        (
            Lead(location=location, first_name=f"L{i}", stage=Stage.CONTACTED if i % 2 else Stage.NEW)
            for i in range(LEADS)
        ),
        batch_size=2000,
    )
    original = dict(Lead.objects.filter(location=location).values_list("pk", "stage"))
    ids = sorted(original)
    op = run_op(manager, location, "change_stage", {"stage": "proposal", "reason": "Campaign"}, ids)
    assert (op.status, op.successful) == (OperationStatus.COMPLETED, LEADS)

    changed_since = ids[::97]  # 104 leads moved on by hand after the operation
    Lead.objects.filter(pk__in=changed_since).update(stage=Stage.WON)

    undo_op = undo(op, manager)

    assert undo_op.status == OperationStatus.COMPLETED
    assert (undo_op.successful, undo_op.skipped, undo_op.failed) == (LEADS - len(changed_since), len(changed_since), 0)
    skipped = undo_op.items.filter(status=ItemStatus.SKIPPED)
    assert set(skipped.values_list("object_id", flat=True)) == set(changed_since)
    assert set(skipped.values_list("error_message", flat=True)) == {"Changed since the operation (now Won)"}
    stages = dict(Lead.objects.filter(location=location).values_list("stage").annotate(n=Count("id")))
    restored = [original[pk] for pk in ids if pk not in set(changed_since)]
    assert stages == {
        "new": restored.count("new"),
        "contacted": restored.count("contacted"),
        "won": len(changed_since),
    }
    assert StageChange.objects.filter(operation=undo_op).count() == LEADS - len(changed_since)
