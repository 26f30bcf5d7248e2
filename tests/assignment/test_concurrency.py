"""Concurrency on PostgreSQL: separate processes assign the same leads to the same agents at once.

Run with DATABASE_URL=postgres://… (skipped on SQLite, where writers are serialised anyway).
ASSIGN_STRESS_ROUNDS raises the number of rounds.
"""

import multiprocessing
import os
from collections import Counter
from urllib.parse import quote

import pytest
from django.db import connection

from accounts.models import Role
from agents.capacity import loads_for
from agents.models import Agent
from leads.models import Lead, LeadAssignment
from tests import factories
from tests.assignment import concurrency_worker
from tickets.models import Ticket, TicketAssignment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

ROUNDS = int(os.environ.get("ASSIGN_STRESS_ROUNDS", "12"))
ASSIGNERS = ["round_robin", "capacity_based", "operation", "single"]


def _database_url() -> str:
    conf = connection.settings_dict
    host, port = conf["HOST"] or "127.0.0.1", conf["PORT"] or 5432
    return f"postgres://{quote(conf['USER'] or 'postgres')}@{host}:{port}/{conf['NAME']}"


def _round(n: int, *, capacities: list[int], leads: int) -> dict:
    location = factories.make_location(f"Stress {n}", slug=f"stress-{n}")
    manager = factories.make_user(f"stress-manager-{n}", location=location, role=Role.MANAGER)
    agents = [factories.make_agent(location, max_capacity=capacity) for capacity in capacities]
    factories.make_ticket(location, assignee=agents[0], number=1)
    factories.make_ticket(location, assignee=agents[0], number=2)
    created = Lead.objects.bulk_create(
        Lead(location=location, first_name=f"L{n}-{i}", last_name="Stress") for i in range(leads)
    )
    tickets = [factories.make_ticket(location, number=100 + i).pk for i in range(8)]
    lead_ids = sorted(lead.pk for lead in created)
    return {
        "location": location.pk,
        "user": manager.pk,
        "agents": [a.pk for a in agents],
        "leads": lead_ids,
        "tickets": tickets,
        "shares": {role: lead_ids[i :: len(ASSIGNERS)] for i, role in enumerate(ASSIGNERS)},
    }


def _run(target, jobs: list[tuple]) -> list[tuple]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for args in jobs]
    for process in processes:
        process.start()
    outcomes = []
    for _ in processes:
        outcomes.append(results.get(timeout=900))
        if outcomes[-1][2]:  # a worker failed: do not wait for the others at the barrier
            break
    for process in processes:
        process.join(timeout=180)
        if process.exitcode is None:
            process.terminate()
    return outcomes


def _assert_trail_matches_owners(lead_ids: list[int], *, tickets: bool = False) -> None:
    """Replaying each record's audit rows in order ends at its owner; each row starts where the last ended."""
    model, trail, record, owner = (
        (Ticket, TicketAssignment, "ticket_id", "assignee_id")
        if tickets
        else (Lead, LeadAssignment, "lead_id", "owner_id")
    )
    owners = dict(model.objects.filter(pk__in=lead_ids).values_list("pk", owner))
    current = dict.fromkeys(lead_ids)
    rows = trail.objects.filter(**{f"{record}__in": lead_ids}).order_by("pk")
    for pk, from_agent, to_agent in rows.values_list(record, "from_agent_id", "to_agent_id"):
        assert from_agent == current[pk], f"{model.__name__} {pk}: a change of owner is missing from the trail"
        current[pk] = to_agent
    assert current == owners


def test_no_agent_ends_above_capacity_under_concurrent_assigners():
    specs = [_round(n, capacities=[5, 3, 4, 6], leads=60) for n in range(ROUNDS)]
    url = _database_url()
    roles = [*ASSIGNERS, "reassign", "tickets"]

    outcomes = _run(concurrency_worker.run_rounds, [(url, role, specs) for role in roles])

    errors = [error for _, _, role_errors in outcomes for error in role_errors]
    assert errors == [], errors[0] if errors else ""
    refused = sum(count for _, count, _ in outcomes)
    assert refused > 0, "the agents never filled up: the test did not contend for capacity"
    for spec in specs:
        agents = Agent.objects.filter(pk__in=spec["agents"])
        loads = loads_for(spec["agents"])
        for agent in agents:
            assert loads[agent.pk].load <= agent.max_capacity, f"agent {agent.pk} is over capacity"
        _assert_trail_matches_owners(spec["leads"])
        _assert_trail_matches_owners(spec["tickets"], tickets=True)


def test_round_robin_split_across_concurrent_operations_is_fair():
    spec = _round(0, capacities=[200] * 7, leads=1000)
    agents = spec["agents"]  # the first agent's two tickets count towards their load but leave room
    leads = spec["leads"]
    shares = [leads[i::4] for i in range(4)]
    url = _database_url()

    outcomes = _run(concurrency_worker.run_operation_share, [(url, spec, share) for share in shares])

    errors = [error for _, _, role_errors in outcomes for error in role_errors]
    assert errors == [], errors[0] if errors else ""
    counts = Counter(Lead.objects.filter(pk__in=leads).values_list("owner_id", flat=True))
    assert sum(counts.values()) == 1000 and None not in counts
    assert sorted(counts) == sorted(agents)
    assert set(counts.values()) <= {142, 143}, counts
    _assert_trail_matches_owners(leads)
