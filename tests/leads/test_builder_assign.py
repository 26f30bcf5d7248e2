"""The builder's Assign: one agent, a team, or seed 004's round-robin / capacity / performance strategies,
checked as the API checks them, and a preview that names the agent each lead would get."""

import pytest

from accounts.models import Team
from agents.models import RoundRobinPointer
from leads.models import Lead
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_lead

URL = "/leads/bulk/"
STRATEGIES = ["round_robin", "capacity_based", "performance_based"]


def assign(client, path, leads, **params):
    data = {
        "operation_type": "assign",
        "method": "ids",
        "pasted_ids": "\n".join(str(lead.pk) for lead in leads),
        "action": "run",
        **{f"params-{name}": value for name, value in params.items()},
    }
    return client.post(URL + path, data, HTTP_HX_REQUEST="true" if path else None)


def test_the_form_offers_every_way_to_assign(client_for, manager):
    response = client_for(manager).get(URL + "params/", {"operation_type": "assign"}, HTTP_HX_REQUEST="true")
    for value in ("agent", "team", *STRATEGIES):
        assert f'value="{value}"' in response.text
    assert 'name="params-include_assigned"' in response.text


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_preview_names_the_agent_each_lead_gets_and_the_run_agrees(
    strategy, client_for, manager, location, make_agents
):
    first, second = make_agents(2)
    first.max_capacity = 3
    first.save()
    make_lead(location, owner=first)  # first has room for 2 more, second for 50
    leads = [make_lead(location) for _ in range(4)]
    client = client_for(manager)

    response = assign(client, "preview/", leads, assign_to=strategy)
    rows = {row.record.pk: row for row in response.context["preview"].sample}
    assert {row.status for row in rows.values()} == {"succeeded"}
    assert {row.after for row in rows.values()} <= {first.display_name, second.display_name}
    assert not Lead.objects.filter(pk__in=[lead.pk for lead in leads], owner__isnull=False).exists()
    assert not RoundRobinPointer.objects.filter(last_agent__isnull=False).exists()  # the preview wrote nothing

    assert assign(client, "", leads, assign_to=strategy).status_code == 302
    operation = BulkOperation.objects.get()
    assert operation.parameters["strategy"] == strategy
    engine.run_operation(operation.pk)
    owners = dict(Lead.objects.filter(pk__in=rows).values_list("pk", "owner__user__username"))
    names = {first.display_name: first.user.username, second.display_name: second.user.username}
    assert owners == {pk: names[row.after] for pk, row in rows.items()}


def test_round_robin_preview_takes_turns(client_for, manager, location, make_agents):
    first, second = make_agents(2)
    leads = [make_lead(location) for _ in range(4)]
    response = assign(client_for(manager), "preview/", leads, assign_to="round_robin")
    afters = [row.after for row in response.context["preview"].sample]
    assert afters == [first.display_name, second.display_name] * 2


def test_a_strategy_scoped_to_a_team_places_only_with_its_agents(client_for, manager, location, make_agents):
    team = Team.objects.create(location=location, name="North")
    _outside, inside = make_agents(2)
    inside.team = team
    inside.save()
    leads = [make_lead(location) for _ in range(2)]
    client = client_for(manager)
    assert assign(client, "", leads, assign_to="capacity_based", team=team.pk).status_code == 302
    operation = BulkOperation.objects.get()
    assert operation.parameters == {
        "strategy": "capacity_based",
        "team_id": team.pk,
        "include_assigned": False,
        "reason": "",
    }
    engine.run_operation(operation.pk)
    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("owner", flat=True)) == {inside.pk}


def test_include_assigned_moves_owned_leads_else_they_are_skipped(client_for, manager, location, make_agents):
    old, new = make_agents(2)
    owned = make_lead(location, owner=old)
    client = client_for(manager)
    skipped = assign(client, "preview/", [owned], assign_to="capacity_based").context["preview"]
    assert skipped.counts["skipped"] == 1
    moved = assign(client, "preview/", [owned], assign_to="capacity_based", include_assigned="on").context["preview"]
    assert (moved.sample[0].before, moved.sample[0].after) == (old.display_name, new.display_name)


def test_one_agent_and_a_team_keep_their_shape(client_for, manager, location, make_agents):
    (agent,) = make_agents(1)
    team = Team.objects.create(location=location, name="South")
    lead = make_lead(location)
    client = client_for(manager)
    assign(client, "", [lead], assign_to="agent", agent=agent.pk, reason="Call her")
    assign(client, "", [lead], assign_to="team", team=team.pk)
    params = [op.parameters for op in BulkOperation.objects.order_by("created_at")]
    assert params == [{"agent_id": agent.pk, "reason": "Call her"}, {"team_id": team.pk, "reason": ""}]


def test_the_form_refuses_what_the_api_refuses(client_for, manager, location, other_location):
    theirs = Team.objects.create(location=other_location, name="Theirs")
    lead = make_lead(location)
    client = client_for(manager)
    response = assign(client, "", [lead], assign_to="round_robin", team=theirs.pk)
    assert response.status_code == 400
    assert response.context["params_form"].errors["team"]
    response = assign(client, "", [lead], assign_to="sometimes")
    assert response.context["params_form"].errors["assign_to"]
    assert not BulkOperation.objects.exists()


def test_with_no_agent_available_the_preview_says_so(client_for, manager, location):
    lead = make_lead(location)
    preview = assign(client_for(manager), "preview/", [lead], assign_to="round_robin").context["preview"]
    assert preview.counts["failed"] == 1
    assert preview.sample[0].reason == "No available agent to assign to"
    assert BulkOperation.objects.filter(status=OperationStatus.PENDING).count() == 0
