"""Large bulk assignments run as an engine operation of the lead `assign` type."""

from collections import Counter

import pytest

from leads import assignment_api
from leads.models import Lead, LeadAssignment
from operations import engine
from operations.errors import InvalidInput
from operations.models import BulkOperation, ItemStatus, OperationStatus
from tests import factories


def _owners(ids):
    return Counter(Lead.objects.filter(pk__in=ids).values_list("owner_id", flat=True))


def test_large_bulk_assign_answers_202_with_an_operation_that_places_within_capacity(
    location, manager, api_for, make_agents, monkeypatch
):
    monkeypatch.setattr(assignment_api, "SYNC_LIMIT", 3)
    agents = make_agents(2, max_capacity=2)
    ids = [factories.make_lead(location).pk for _ in range(5)]

    response = api_for(manager).post(
        "/api/v1/leads/bulk-assign", {"lead_ids": ids, "strategy": "round_robin"}, format="json"
    )

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["operation_type"], body["target"], body["total"]) == ("assign", "leads", 5)
    assert body["parameters"]["strategy"] == "round_robin"
    engine.run_operation(body["operation_id"])
    operation = BulkOperation.objects.get(pk=body["operation_id"])
    assert operation.status == OperationStatus.COMPLETED
    assert (operation.successful, operation.failed) == (4, 1)
    assert operation.items.get(status=ItemStatus.FAILED).error_message == "All eligible agents are at capacity"
    assert _owners(ids) == Counter({agents[0].pk: 2, agents[1].pk: 2, None: 1})
    rows = LeadAssignment.objects.filter(operation=operation)
    assert {(r.strategy, r.assigned_by_id) for r in rows} == {("round_robin", manager.pk)}
    assert sorted(rows.values_list("lead_id", "to_agent_id")) == sorted(
        Lead.objects.filter(pk__in=ids, owner__isnull=False).values_list("pk", "owner_id")
    )


def test_assign_operation_undo_gives_leads_back_within_capacity(location, manager, make_agents):
    old, new = make_agents(2)
    leads = [factories.make_lead(location, owner=old) for _ in range(2)]
    ids = [lead.pk for lead in leads]
    operation = factories.run_to_end(
        factories.make_operation(
            manager,
            location,
            ids,
            target="leads",
            operation_type="assign",
            params={"strategy": "manual", "agent_id": new.pk, "include_assigned": True, "reason": "Cover"},
        )
    )
    assert _owners(ids) == Counter({new.pk: 2})

    old.max_capacity = 1  # room for one of the two leads only
    old.save()
    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))

    assert (undo.successful, undo.failed) == (1, 1)
    assert _owners(ids) == Counter({new.pk: 1, old.pk: 1})
    assert LeadAssignment.objects.filter(operation=undo, strategy="undo").count() == 1


def test_assign_operation_preview_names_the_agent_the_strategy_picks(location, manager, make_agents):
    from leads.operation_types import AssignLeads
    from operations.registry import ExecutionContext

    (owner,) = make_agents(1)
    free, owned = factories.make_lead(location), factories.make_lead(location, owner=owner)
    operation = BulkOperation(location=location, created_by=manager, parameters={"strategy": "capacity_based"})
    ctx = ExecutionContext(operation=operation, membership=None, params=operation.parameters)

    plans = AssignLeads().preview([free, owned], ctx)

    assert (plans[free.pk].status, plans[free.pk].after) == ("succeeded", owner.display_name)
    assert plans[owned.pk].status == "skipped"
    assert Lead.objects.filter(owner__isnull=False).count() == 1


def test_assign_operation_params_are_validated(location, manager):
    from operations.registry import get_type

    op_type = get_type("leads", "assign")
    for params in ({}, {"strategy": "manual"}, {"strategy": "round_robin", "agent_id": 1}, {"strategy": "x"}):
        with pytest.raises(InvalidInput):
            op_type.validate(params, location=location, user=manager)
    assert op_type.validate({"strategy": "round_robin"}, location=location, user=manager)["strategy"] == "round_robin"


def test_round_robin_1000_leads_over_7_agents_across_interleaved_operations(location, manager, make_agents, settings):
    """Three operations whose chunks interleave share one rotation: 142 or 143 leads each."""
    settings.BULK_CHUNK_SIZE = 40
    agents = make_agents(7, max_capacity=200)
    leads = Lead.objects.bulk_create(Lead(location=location, first_name=f"L{i}") for i in range(1000))
    ids = sorted(lead.pk for lead in leads)
    operations = [
        engine.create_operation(
            user=manager,
            location=location,
            target="leads",
            operation_type="assign",
            params={"strategy": "round_robin"},
            ids=ids[i::3],
        )[0]
        for i in range(3)
    ]
    BulkOperation.objects.filter(pk__in=[op.pk for op in operations]).update(status=OperationStatus.IN_PROGRESS)
    running = list(operations)
    while running:
        running = [op for op in running if engine.process_next_chunk(op.pk)[0] != engine.DONE]

    counts = _owners(ids)
    assert sorted(counts) == sorted(a.pk for a in agents)
    assert set(counts.values()) <= {142, 143}, counts
    assert LeadAssignment.objects.filter(strategy="round_robin").count() == 1000
