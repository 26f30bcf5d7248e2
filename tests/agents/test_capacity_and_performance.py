from datetime import timedelta

import pytest
from django.utils import timezone

from agents.capacity import loads_for, with_load
from agents.models import Agent
from agents.performance import performance_for
from leads.models import LeadAssignment, Stage, StageChange
from tests import factories


def test_load_counts_open_leads_and_open_tickets_only(location, agent):
    factories.make_lead(location, owner=agent, stage=Stage.NEW)
    factories.make_lead(location, owner=agent, stage=Stage.NEGOTIATION)
    factories.make_lead(location, owner=agent, stage=Stage.WON)
    factories.make_lead(location, owner=agent, stage=Stage.LOST)
    factories.make_ticket(location, assignee=agent, status="open")
    factories.make_ticket(location, assignee=agent, status="pending")
    factories.make_ticket(location, assignee=agent, status="resolved")
    factories.make_ticket(location, assignee=agent, status="closed")
    factories.make_ticket(location, assignee=agent, status="open", is_deleted=True)
    agent.max_capacity = 8
    agent.save()

    load = loads_for([agent.pk])[agent.pk]

    assert (load.open_leads, load.open_tickets, load.load) == (2, 2, 4)
    assert load.utilisation == 0.5
    assert load.remaining == 4
    assert load.has_room and not load.over_capacity


def test_capacity_below_load_is_flagged_and_leaves_no_room(location, make_agents):
    (agent,) = make_agents(1, max_capacity=1)
    factories.make_lead(location, owner=agent)
    factories.make_lead(location, owner=agent)

    load = loads_for([agent.pk])[agent.pk]

    assert load.over_capacity and not load.has_room
    assert load.remaining == 0
    assert load.utilisation == 2.0


def test_agent_without_capacity_has_no_utilisation(make_agents):
    (agent,) = make_agents(1, max_capacity=0)
    load = loads_for([agent.pk])[agent.pk]
    assert load.utilisation is None and not load.has_room


def test_loads_of_many_agents_take_one_query(location, make_agents, django_assert_num_queries):
    agents = make_agents(5)
    for index, agent in enumerate(agents):
        for _ in range(index):
            factories.make_lead(location, owner=agent)
    with django_assert_num_queries(1):
        loads = loads_for(a.pk for a in agents)
    assert [loads[a.pk].load for a in agents] == [0, 1, 2, 3, 4]
    assert [a.load for a in with_load(Agent.objects.filter(pk__in=[a.pk for a in agents]).order_by("pk"))] == [
        0,
        1,
        2,
        3,
        4,
    ]


def _close(lead, stage, when=None):
    change = StageChange.objects.create(lead=lead, from_stage=lead.stage, to_stage=stage)
    if when is not None:
        StageChange.objects.filter(pk=change.pk).update(changed_at=when)
    lead.stage = stage
    lead.save()


def test_conversion_rate_is_won_over_closed_in_the_last_90_days(location, make_agents):
    (agent,) = make_agents(1)
    for stage in (Stage.WON, Stage.WON, Stage.WON, Stage.LOST):
        _close(factories.make_lead(location, owner=agent), stage)
    _close(factories.make_lead(location, owner=agent), Stage.LOST, when=timezone.now() - timedelta(days=120))

    perf = performance_for([agent.pk])[agent.pk]

    assert (perf.won, perf.lost) == (3, 1)
    assert perf.conversion_rate == 0.75
    assert perf.score == 75.0


def test_median_first_response_is_measured_from_assignment_to_first_stage_change(location, make_agents):
    (agent,) = make_agents(1)
    now = timezone.now()
    for hours in (1, 3, 10):
        lead = factories.make_lead(location, owner=agent)
        assignment = LeadAssignment.objects.create(lead=lead, to_agent=agent, strategy="manual")
        LeadAssignment.objects.filter(pk=assignment.pk).update(assigned_at=now - timedelta(hours=24))
        for offset in (hours, hours + 5):
            change = StageChange.objects.create(lead=lead, from_stage="new", to_stage="contacted")
            StageChange.objects.filter(pk=change.pk).update(changed_at=now - timedelta(hours=24 - offset))

    perf = performance_for([agent.pk])[agent.pk]

    assert perf.responses == 3
    assert perf.median_first_response == timedelta(hours=3)


def test_agent_without_data_has_no_score(make_agents):
    (agent,) = make_agents(1)
    perf = performance_for([agent.pk])[agent.pk]
    assert perf.score is None and perf.conversion_rate is None and perf.median_first_response is None


@pytest.mark.parametrize("stage", [Stage.WON, Stage.LOST])
def test_closed_leads_of_other_agents_do_not_count(location, make_agents, stage):
    mine, other = make_agents(2)
    _close(factories.make_lead(location, owner=other), stage)
    assert performance_for([mine.pk])[mine.pk].score is None
