from collections import Counter

import pytest

from agents.models import Availability, RoundRobinPointer
from leads.assignment import (
    ALL_FULL,
    NO_AGENTS,
    AssignmentError,
    Strategy,
    assign_lead,
    bulk_assign,
    reassign_lead,
)
from leads.models import Lead, LeadAssignment, Stage, StageChange
from tests import factories


def _owners(leads):
    return Counter(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("owner_id", flat=True))


# --- assign_lead / reassign_lead ---------------------------------------------------------


def test_assign_sets_owner_and_writes_the_audit_row(location, manager, make_agents, make_leads):
    (agent,) = make_agents(1)
    (lead,) = make_leads(1)

    row = assign_lead(lead=lead, agent_id=agent.pk, user=manager, notes="Speaks Spanish")

    lead.refresh_from_db()
    assert lead.owner == agent
    assert (row.from_agent, row.to_agent, row.reason, row.strategy, row.assigned_by) == (
        None,
        agent,
        "Speaks Spanish",
        "manual",
        manager,
    )


def test_assign_refuses_an_agent_at_capacity(location, manager, make_agents, make_leads):
    (agent,) = make_agents(1, max_capacity=1)
    first, second = make_leads(2)
    assign_lead(lead=first, agent_id=agent.pk, user=manager)

    with pytest.raises(AssignmentError, match=r"at capacity \(1/1\)") as exc:
        assign_lead(lead=second, agent_id=agent.pk, user=manager)

    assert exc.value.code == "full"
    second.refresh_from_db()
    assert second.owner is None
    assert LeadAssignment.objects.filter(lead=second).count() == 0


def test_closed_leads_free_capacity(location, manager, make_agents, make_leads):
    (agent,) = make_agents(1, max_capacity=1)
    first, second = make_leads(2)
    assign_lead(lead=first, agent_id=agent.pk, user=manager)
    Lead.objects.filter(pk=first.pk).update(stage=Stage.WON)

    assign_lead(lead=second, agent_id=agent.pk, user=manager)

    second.refresh_from_db()
    assert second.owner == agent


@pytest.mark.parametrize("availability", [Availability.AWAY, Availability.OFFLINE])
def test_assign_refuses_an_agent_who_is_away_or_offline(manager, make_agents, make_leads, availability):
    (agent,) = make_agents(1, availability=availability)
    (lead,) = make_leads(1)
    with pytest.raises(AssignmentError) as exc:
        assign_lead(lead=lead, agent_id=agent.pk, user=manager)
    assert exc.value.code == "unavailable"


def test_a_busy_agent_can_still_be_chosen_directly(manager, make_agents, make_leads):
    (agent,) = make_agents(1, availability=Availability.BUSY)
    (lead,) = make_leads(1)
    assign_lead(lead=lead, agent_id=agent.pk, user=manager)
    lead.refresh_from_db()
    assert lead.owner == agent


def test_assign_refuses_an_already_assigned_lead(manager, make_agents, make_leads):
    first, second = make_agents(2)
    (lead,) = make_leads(1, owner=first)
    with pytest.raises(AssignmentError) as exc:
        assign_lead(lead=lead, agent_id=second.pk, user=manager)
    assert exc.value.code == "already_assigned"


def test_assign_refuses_an_agent_of_another_location(manager, other_location, make_agents, make_leads):
    (foreign,) = make_agents(1, location=other_location)
    (lead,) = make_leads(1)
    with pytest.raises(AssignmentError) as exc:
        assign_lead(lead=lead, agent_id=foreign.pk, user=manager)
    assert exc.value.code == "agent"


def test_assign_without_agent_uses_an_automatic_strategy(manager, make_agents, make_leads, location):
    roomy, tight = make_agents(2)
    tight.max_capacity = 1
    tight.save()
    (lead,) = make_leads(1)
    row = assign_lead(lead=lead, user=manager, strategy=Strategy.CAPACITY_BASED)
    assert (row.to_agent, row.strategy) == (roomy, "capacity_based")


def test_reassign_requires_a_reason(manager, make_agents, make_leads):
    first, second = make_agents(2)
    (lead,) = make_leads(1, owner=first)
    with pytest.raises(AssignmentError) as exc:
        reassign_lead(lead=lead, agent_id=second.pk, reason="  ", user=manager)
    assert exc.value.code == "reason_required"


def test_reassign_records_the_previous_agent_and_reason(manager, make_agents, make_leads):
    first, second = make_agents(2)
    (lead,) = make_leads(1, owner=first)

    row = reassign_lead(lead=lead, agent_id=second.pk, reason="First agent on leave", user=manager)

    lead.refresh_from_db()
    assert lead.owner == second
    assert (row.from_agent, row.to_agent, row.reason, row.strategy) == (
        first,
        second,
        "First agent on leave",
        "reassign",
    )


def test_reassign_validates_the_new_agents_capacity(manager, make_agents, make_leads):
    first, second = make_agents(2)
    second.max_capacity = 0
    second.save()
    (lead,) = make_leads(1, owner=first)
    with pytest.raises(AssignmentError) as exc:
        reassign_lead(lead=lead, agent_id=second.pk, reason="Rebalance", user=manager)
    assert exc.value.code == "full"
    lead.refresh_from_db()
    assert lead.owner == first


# --- Strategies ---------------------------------------------------------------------------


def test_round_robin_spreads_evenly_in_agent_order(location, manager, make_agents, make_leads):
    agents = make_agents(3)
    leads = make_leads(10)

    outcomes = bulk_assign(
        lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy=Strategy.ROUND_ROBIN
    )

    assert all(o.status == "succeeded" for o in outcomes.values())
    owners = list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).order_by("pk").values_list("owner_id"))
    assert [o[0] for o in owners] == [agents[i % 3].pk for i in range(10)]
    assert LeadAssignment.objects.filter(strategy="round_robin").count() == 10


def test_round_robin_continues_where_the_last_batch_stopped(location, manager, make_agents, make_leads):
    agents = make_agents(3)
    first, second = make_leads(2), make_leads(2)
    bulk_assign(lead_ids=[lead.pk for lead in first], location=location, user=manager, strategy="round_robin")
    bulk_assign(lead_ids=[lead.pk for lead in second], location=location, user=manager, strategy="round_robin")

    owners = [Lead.objects.get(pk=lead.pk).owner_id for lead in first + second]

    assert owners == [agents[0].pk, agents[1].pk, agents[2].pk, agents[0].pk]
    assert RoundRobinPointer.objects.get(location=location, scope="all").last_agent_id == agents[0].pk


def test_round_robin_skips_full_agents_and_fails_when_all_are_full(location, manager, make_agents, make_leads):
    full, roomy = make_agents(2)
    full.max_capacity = 0
    full.save()
    roomy.max_capacity = 2
    roomy.save()
    leads = make_leads(3)

    outcomes = bulk_assign(
        lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy="round_robin"
    )

    assert [outcomes[lead.pk].status for lead in leads] == ["succeeded", "succeeded", "failed"]
    assert outcomes[leads[2].pk].error == ALL_FULL
    assert _owners(leads) == Counter({roomy.pk: 2, None: 1})


@pytest.mark.parametrize("strategy", ["round_robin", "capacity_based", "performance_based"])
def test_all_agents_full_leaves_every_lead_unassigned_with_a_reason(
    location, manager, make_agents, make_leads, strategy
):
    agents = make_agents(2, max_capacity=1)
    for agent in agents:
        factories.make_lead(location, owner=agent)
    leads = make_leads(3)

    outcomes = bulk_assign(lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy=strategy)

    assert {(o.status, o.error) for o in outcomes.values()} == {("failed", ALL_FULL)}
    assert _owners(leads) == Counter({None: 3})
    assert LeadAssignment.objects.count() == 0


@pytest.mark.parametrize("strategy", ["round_robin", "capacity_based", "performance_based"])
def test_automatic_strategies_skip_agents_who_are_not_available(location, manager, make_agents, make_leads, strategy):
    make_agents(1, availability=Availability.AWAY)
    make_agents(1, availability=Availability.BUSY)
    make_agents(1, availability=Availability.OFFLINE)
    (available,) = make_agents(1)
    leads = make_leads(3)

    bulk_assign(lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy=strategy)

    assert _owners(leads) == Counter({available.pk: 3})


def test_no_available_agent_fails_every_lead(location, manager, make_agents, make_leads):
    make_agents(2, availability=Availability.AWAY)
    leads = make_leads(2)
    outcomes = bulk_assign(
        lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy="round_robin"
    )
    assert {(o.status, o.error) for o in outcomes.values()} == {("failed", NO_AGENTS)}


@pytest.mark.parametrize("strategy", ["round_robin", "capacity_based", "performance_based"])
def test_team_scope_only_uses_the_teams_agents(location, manager, make_agents, make_leads, strategy):
    team = factories.make_team(location, "East")
    in_team = make_agents(2, team=team)
    make_agents(2)
    leads = make_leads(6)

    bulk_assign(
        lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy=strategy, team_id=team.pk
    )

    assert set(_owners(leads)) <= {a.pk for a in in_team}


def test_team_scopes_keep_separate_round_robin_pointers(location, manager, make_agents, make_leads):
    team = factories.make_team(location, "East")
    make_agents(2, team=team)
    make_agents(1)
    bulk_assign(
        lead_ids=[make_leads(1)[0].pk], location=location, user=manager, strategy="round_robin", team_id=team.pk
    )
    bulk_assign(lead_ids=[make_leads(1)[0].pk], location=location, user=manager, strategy="round_robin")
    assert set(RoundRobinPointer.objects.values_list("scope", flat=True)) == {f"team:{team.pk}", "all"}


def test_capacity_based_fills_the_agent_with_most_room_first(location, manager, make_agents, make_leads):
    small, big = make_agents(2)
    small.max_capacity, big.max_capacity = 2, 5
    small.save()
    big.save()
    factories.make_lead(location, owner=big)  # big: 4 free, small: 2 free
    leads = make_leads(4)

    bulk_assign(lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy="capacity_based")

    # free slots big/small: 4/2 -> big, 3/2 -> big, 2/2 -> tie, lower pk (small), 2/1 -> big
    assert _owners(leads) == Counter({big.pk: 3, small.pk: 1})


def test_performance_based_prefers_the_best_converter_with_room(location, manager, make_agents, make_leads):
    weak, strong, _no_score = make_agents(3)
    strong.max_capacity = 4
    strong.save()
    for agent, stages in ((weak, [Stage.WON, Stage.LOST, Stage.LOST]), (strong, [Stage.WON, Stage.WON, Stage.LOST])):
        for stage in stages:
            lead = factories.make_lead(location, owner=agent, stage=stage)
            StageChange.objects.create(lead=lead, from_stage="new", to_stage=stage)
    leads = make_leads(4)

    bulk_assign(lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy="performance_based")

    # strong has 4 slots (closed leads do not count) and takes all; nobody else needed
    assert _owners(leads) == Counter({strong.pk: 4})
    more = make_leads(1)  # strong is full now: the next best known score (weak) beats no score
    bulk_assign(lead_ids=[more[0].pk], location=location, user=manager, strategy="performance_based")
    assert _owners(more) == Counter({weak.pk: 1})


def test_manual_assigns_up_to_capacity_and_fails_the_rest(location, manager, make_agents, make_leads):
    (agent,) = make_agents(1, max_capacity=2)
    leads = make_leads(3)

    outcomes = bulk_assign(
        lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy="manual", agent_id=agent.pk
    )

    assert [outcomes[lead.pk].status for lead in leads] == ["succeeded", "succeeded", "failed"]
    assert "at capacity (2/2)" in outcomes[leads[2].pk].error


def test_manual_to_an_away_agent_fails_every_lead(location, manager, make_agents, make_leads):
    (agent,) = make_agents(1, availability=Availability.AWAY)
    leads = make_leads(2)
    outcomes = bulk_assign(
        lead_ids=[lead.pk for lead in leads], location=location, user=manager, strategy="manual", agent_id=agent.pk
    )
    assert all(o.status == "failed" and "away" in o.error for o in outcomes.values())


def test_bulk_skips_assigned_leads_unless_asked_and_then_frees_the_old_agents_slot(
    location, manager, make_agents, make_leads
):
    old, new = make_agents(2, max_capacity=1)
    (owned,) = make_leads(1, owner=old)

    skipped = bulk_assign(lead_ids=[owned.pk], location=location, user=manager, strategy="manual", agent_id=new.pk)
    assert skipped[owned.pk].status == "skipped"

    moved = bulk_assign(
        lead_ids=[owned.pk],
        location=location,
        user=manager,
        strategy="manual",
        agent_id=new.pk,
        include_assigned=True,
        reason="Rebalance",
    )
    assert moved[owned.pk].status == "succeeded"
    assert moved[owned.pk].before == {"owner_id": old.pk}
    row = LeadAssignment.objects.get(lead=owned)
    assert (row.from_agent, row.to_agent, row.reason) == (old, new, "Rebalance")


def test_leads_of_another_location_are_not_found(location, other_location, manager, make_agents, make_leads):
    make_agents(1)
    (foreign,) = make_leads(1, location=other_location)
    outcomes = bulk_assign(lead_ids=[foreign.pk], location=location, user=manager, strategy="round_robin")
    assert (outcomes[foreign.pk].status, outcomes[foreign.pk].error) == ("failed", "Lead not found")
    foreign.refresh_from_db()
    assert foreign.owner is None
