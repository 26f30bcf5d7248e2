"""Each lead operation type, run through the engine, including partial failures and undo."""

from decimal import Decimal

import pytest

from leads.models import Classification, LeadAssignment, Stage, StageChange, Tag
from operations import engine
from operations.errors import InvalidInput
from operations.models import ItemStatus, OperationStatus
from tests.factories import make_agent, make_lead, make_tag, make_team


def outcomes(operation):
    return {i.object_id: (i.status, i.error_message) for i in operation.items.all()}


def test_change_stage_moves_leads_writes_history_and_fails_other_tenants(run_op, manager, location, other_location):
    mine = [make_lead(location) for _ in range(3)]
    already = make_lead(location, stage=Stage.QUALIFIED)
    theirs = make_lead(other_location)
    op = run_op(
        manager,
        location,
        "change_stage",
        {"stage": "qualified", "reason": "Called back"},
        [lead.pk for lead in mine] + [already.pk, theirs.pk],
    )

    assert op.status == OperationStatus.COMPLETED
    assert (op.successful, op.skipped, op.failed) == (3, 1, 1)
    result = outcomes(op)
    assert result[theirs.pk] == (ItemStatus.FAILED, "Lead not found")
    assert result[already.pk] == (ItemStatus.SKIPPED, "Already Qualified")
    history = StageChange.objects.filter(operation=op)
    assert sorted(history.values_list("lead_id", "from_stage", "to_stage", "reason")) == sorted(
        (lead.pk, "new", "qualified", "Called back") for lead in mine
    )
    theirs.refresh_from_db()
    assert theirs.stage == Stage.NEW


def test_undo_of_stage_change_restores_and_skips_leads_changed_since(run_op, undo, manager, location):
    leads = [make_lead(location, stage=Stage.CONTACTED) for _ in range(4)]
    op = run_op(manager, location, "change_stage", {"stage": "won"}, [lead.pk for lead in leads])
    leads[0].stage = Stage.LOST
    leads[0].save()

    undo_op = undo(op, manager)

    assert (undo_op.successful, undo_op.skipped) == (3, 1)
    assert outcomes(undo_op)[leads[0].pk] == (ItemStatus.SKIPPED, "Changed since the operation (now Lost)")
    stages = {lead.pk: lead.stage for lead in (lead.__class__.objects.get(pk=lead.pk) for lead in leads)}
    assert stages == {leads[0].pk: "lost", leads[1].pk: "contacted", leads[2].pk: "contacted", leads[3].pk: "contacted"}
    assert StageChange.objects.filter(operation=undo_op, to_stage="contacted").count() == 3


def test_agent_may_only_change_own_or_unowned_leads(run_op, agent, location):
    colleague = make_agent(location)
    own, unowned, others = make_lead(location, owner=agent), make_lead(location), make_lead(location, owner=colleague)
    op = run_op(agent.user, location, "add_tags", {"tags": ["vip"]}, [own.pk, unowned.pk, others.pk])

    result = outcomes(op)
    assert result[others.pk] == (ItemStatus.FAILED, "Insufficient permissions to update lead")
    assert result[own.pk][0] == result[unowned.pk][0] == ItemStatus.SUCCEEDED
    assert not others.tags.exists()


def test_add_tags_creates_new_tags_skips_tagged_leads_and_undo_removes_only_added(run_op, undo, manager, location):
    vip = make_tag(location, "vip")
    tagged, plain = make_lead(location), make_lead(location)
    tagged.tags.add(vip)
    op = run_op(manager, location, "add_tags", {"tags": ["vip", "Q1-2026"]}, [tagged.pk, plain.pk])

    assert Tag.objects.filter(location=location, name="Q1-2026").exists()
    assert set(plain.tags.values_list("name", flat=True)) == {"vip", "Q1-2026"}
    assert set(tagged.tags.values_list("name", flat=True)) == {"vip", "Q1-2026"}
    assert op.successful == 2

    undo_op = undo(op, manager)
    assert undo_op.successful == 2
    assert set(tagged.tags.values_list("name", flat=True)) == {"vip"}
    assert set(plain.tags.values_list("name", flat=True)) == set()


def test_add_tags_skips_lead_that_already_has_all(run_op, manager, location):
    vip = make_tag(location, "vip")
    lead = make_lead(location)
    lead.tags.add(vip)
    op = run_op(manager, location, "add_tags", {"tags": ["VIP"]}, [lead.pk])
    assert outcomes(op)[lead.pk] == (ItemStatus.SKIPPED, "Already has these tags")


def test_remove_tags_and_undo_puts_them_back(run_op, undo, manager, location):
    vip, cold = make_tag(location, "vip"), make_tag(location, "cold")
    lead, bare = make_lead(location), make_lead(location)
    lead.tags.add(vip, cold)
    op = run_op(manager, location, "remove_tags", {"tags": ["cold", "nonexistent"]}, [lead.pk, bare.pk])

    assert outcomes(op)[bare.pk] == (ItemStatus.SKIPPED, "Has none of these tags")
    assert set(lead.tags.values_list("name", flat=True)) == {"vip"}
    assert not Tag.objects.filter(name="nonexistent").exists()
    undo(op, manager)
    assert set(lead.tags.values_list("name", flat=True)) == {"vip", "cold"}


def test_assign_to_agent_writes_trail_and_undo_restores_owner(run_op, undo, manager, location, agent):
    previous = make_agent(location)
    lead, own = make_lead(location, owner=previous), make_lead(location, owner=agent)
    op = run_op(manager, location, "assign", {"agent_id": agent.pk, "reason": "Rebalance"}, [lead.pk, own.pk])

    lead.refresh_from_db()
    assert lead.owner_id == agent.pk
    assert outcomes(op)[own.pk][0] == ItemStatus.SKIPPED
    trail = LeadAssignment.objects.get(operation=op)
    assert (trail.from_agent_id, trail.to_agent_id, trail.reason) == (previous.pk, agent.pk, "Rebalance")

    undo(op, manager)
    lead.refresh_from_db()
    assert lead.owner_id == previous.pk


def test_assign_to_team_and_refuses_agent_of_other_location(run_op, manager, location, other_location):
    team = make_team(location)
    lead = make_lead(location)
    run_op(manager, location, "assign", {"team_id": team.pk}, [lead.pk])
    lead.refresh_from_db()
    assert lead.team_id == team.pk

    stranger = make_agent(other_location)
    with pytest.raises(InvalidInput):
        engine.create_operation(
            user=manager,
            location=location,
            target="leads",
            operation_type="assign",
            params={"agent_id": stranger.pk},
            ids=[lead.pk],
        )


def test_score_uses_rules_and_context_and_undo_restores_previous_score(run_op, undo, manager, location):
    rich = make_lead(
        location, budget=Decimal("500000"), timeline="immediate", phone="+14155550123", area="Austin", source="referral"
    )
    unknown = make_lead(location, score=12, classification=Classification.COLD)
    op = run_op(manager, location, "score", {"budget": "500000", "timeline": "immediate"}, [rich.pk, unknown.pk])

    rich.refresh_from_db()
    unknown.refresh_from_db()
    # 30 budget + 25 timeline + 0 engagement + 15 completeness + 10 referral
    assert (rich.score, rich.classification) == (80, "hot")
    # context fills budget (30) and timeline (25); 3 of 7 fields filled → 6
    assert (unknown.score, unknown.classification) == (61, "warm")
    assert op.successful == 2

    undo(op, manager)
    unknown.refresh_from_db()
    rich.refresh_from_db()
    assert (unknown.score, unknown.classification) == (12, "cold")
    assert (rich.score, rich.classification) == (None, "")


def test_selection_by_filter_snapshots_matching_leads(run_op, manager, location):
    hits = [make_lead(location, stage=Stage.CONTACTED) for _ in range(3)]
    make_lead(location, stage=Stage.NEW)
    op = run_op(manager, location, "add_tags", {"tags": ["x"]}, filters={"stage": "contacted"})
    assert op.total == 3
    assert sorted(op.items.values_list("object_id", flat=True)) == sorted(h.pk for h in hits)


def test_retry_failed_runs_a_new_operation_over_the_failed_leads(run_op, manager, location, settings):
    from leads.models import Message

    settings.SMS_BACKEND = "tests.leads.test_messaging.FlakySMS"
    good = make_lead(location, phone="+14155550123")
    bad = make_lead(location, phone="+14155550129")
    op = run_op(manager, location, "message", {"channel": "sms", "body": "Hi"}, [good.pk, bad.pk])
    assert op.failed == 1

    settings.SMS_BACKEND = "leads.messaging.ConsoleSMSBackend"
    retry = engine.retry_failed(operation=op, user=manager)
    engine.run_operation(retry.pk)
    retry.refresh_from_db()
    assert list(retry.items.values_list("object_id", flat=True)) == [bad.pk]
    assert retry.successful == 1
    assert Message.objects.get(operation=retry).status == "sent"
    assert Message.objects.filter(lead=good).count() == 1
