"""Moving Agent and RoundRobinPointer from accounts to agents keeps every row, key and content type."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agents.models import Agent, RoundRobinPointer
from leads.models import Lead, LeadAssignment

BEFORE_THE_MOVE = [("accounts", "0002_roundrobinpointer"), ("agents", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    applied = MigrationExecutor(connection).loader.applied_migrations
    return executor.loader.project_state(list(applied)).apps


@pytest.mark.django_db(transaction=True)
def test_rows_made_before_the_move_are_found_through_agents_models():
    old = _migrate(BEFORE_THE_MOVE)
    with pytest.raises(LookupError):
        old.get_model("agents", "Agent")
    location = old.get_model("accounts", "Location").objects.create(name="Before", slug="before")
    user = old.get_model("auth", "User").objects.create(username="old-agent", first_name="Olga")
    agent = old.get_model("accounts", "Agent").objects.create(
        location=location, user=user, max_capacity=7, availability="busy"
    )
    old.get_model("accounts", "RoundRobinPointer").objects.create(location=location, scope="all", last_agent=agent)
    lead = old.get_model("leads", "Lead").objects.create(location=location, first_name="Kept", owner=agent)
    trail = old.get_model("leads", "LeadAssignment").objects.create(lead=lead, to_agent=agent, reason="before")
    old_types = old.get_model("contenttypes", "ContentType").objects
    old_types.filter(app_label="agents").delete()  # a database from before the move has only the old ones
    agent_type = old_types.get_or_create(app_label="accounts", model="agent")[0]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    moved = Agent.objects.select_related("user", "location").get(pk=agent.pk)
    assert (moved.user.username, moved.location.slug, moved.max_capacity, moved.availability) == (
        "old-agent",
        "before",
        7,
        "busy",
    )
    assert RoundRobinPointer.objects.get(location_id=location.pk, scope="all").last_agent == moved
    assert Lead.objects.get(pk=lead.pk).owner == moved
    assert LeadAssignment.objects.get(pk=trail.pk).to_agent == moved
    assert list(moved.leads.values_list("first_name", flat=True)) == ["Kept"]
    assert ContentType.objects.get_for_model(Agent).pk == agent_type.pk
    assert not ContentType.objects.filter(app_label="accounts", model="agent").exists()
