"""Schemathesis fuzzing of every operation of /api/v1/schema/, in-process, as a manager with data.

Each operation is one pytest test in its own transaction, over a location that has leads,
tickets, an agent, a team, a tag, a campaign, a message template and bulk operations (finished,
draft and pending). Every request carries a real JWT of the location's manager. In half of the
random cases ("fuzzing") the ids in the path are replaced by ids of those records, and in half
of those the ids in the body too, so that detail endpoints answer 200 and bulk endpoints get
past "no such record", not only 404 and 400. The "coverage" phase adds, as generated, the
boundary and just-invalid values of every parameter. Every response must be no 5xx and match the
schema: a documented status code, content type and headers, and a body valid against the
documented schema (errors included).

By default 25 random cases per operation, derandomized (the same cases on every run); a deeper
run: FUZZ_MAX_EXAMPLES=200 FUZZ_SEED=1 .venv/bin/pytest tests/api/test_schema_fuzz.py
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaigns import services as campaigns
from campaigns.models import DoNotCallEntry
from leads.models import MessageTemplate
from operations import engine
from operations.registry import types_for
from tests import factories

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONTACTS_CSV = b"phone,name\n+12125550101,Ann\n+12125550102,Bob\n"

app = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app)
# Reproducible in CI: derandomized or seeded, no example database; no stateful phase (operations
# run apart).
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=SEED is None, database="none")
if SEED is not None:
    schema.config.seed = int(SEED)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
# The records of the running test, for the hook below (strategies are built before fixtures run).
RECORDS: dict[str, list] = {}


@pytest.fixture
def same_connection():
    """As in django.test.Client: a request must not close the test's connection (its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def records(location, manager, agent, other_location, same_connection, settings):
    """A location with some of everything: {collection: ids} for paths and bodies to use."""
    settings.BULK_MAX_ACTIVE_PER_USER = 1000  # nothing runs the pending ones; 429 is not the point
    cache.clear()  # the bulk-create throttle counts per user id, across tests
    team = factories.make_team(location, "Fuzz team")
    tag = factories.make_tag(location, "fuzz")
    leads = [factories.make_lead(location, owner=agent if n % 2 else None, team=team) for n in range(3)]
    leads[0].tags.add(tag)
    tickets = [factories.make_ticket(location, assignee=agent if n % 2 else None) for n in range(3)]
    factories.make_ticket(other_location, number=1)
    template = MessageTemplate.objects.create(
        location=location, name="Welcome", subject="Hi {first_name}", body="Hello {first_name}", created_by=manager
    )
    campaign, _ = campaigns.create_campaign(
        location=location, user=manager, file_bytes=CONTACTS_CSV, filename="contacts.csv"
    )
    listed = DoNotCallEntry.objects.create(location=location, phone="+12125550199", added_by=manager)

    def operation(target, operation_type, params, ids, **kwargs):
        created, _ = engine.create_operation(
            user=manager,
            location=location,
            target=target,
            operation_type=operation_type,
            params=params,
            ids=ids,
            **kwargs,
        )
        return created

    finished = operation("tickets", "update_priority", {"priority": "high"}, [t.pk for t in tickets])
    engine.run_operation(finished.pk)
    draft = operation("leads", "change_stage", {"stage": "contacted"}, [lead.pk for lead in leads], draft=True)
    pending = operation("tickets", "add_comment", {"body": "Looking into it"}, [tickets[0].pk])
    RECORDS.update(
        {
            "location": [location.pk],
            "agents": [agent.pk],
            "teams": [team.pk],
            "leads": [lead.pk for lead in leads],
            "tags": [tag.pk],
            "tickets": [ticket.pk for ticket in tickets],
            "message-templates": [template.pk],
            "campaigns": [campaign.pk],
            "do-not-call": [listed.pk],
            "bulk-operations": [str(finished.pk), str(draft.pk), str(pending.pk)],
            "tickets/bulk-operations": [str(finished.pk), str(pending.pk)],
            "refresh": [str(RefreshToken.for_user(manager))],
        }
    )
    yield RECORDS
    RECORDS.clear()


def _path_ids(path: str, records: dict) -> dict[str, list]:
    """{path parameter: ids of real records} for an operation's path."""
    collection = path.removeprefix("/api/v1/").split("/{")[0]
    if "{lead_id}" in path:
        return {"lead_id": records["leads"]}
    return {name: records[collection] for name in ("id", "operation_id", "campaign_id") if "{" + name + "}" in path}


# Body fields that name records: field -> collection (a list field gets several ids).
BODY_IDS = {
    "ticket_ids": "tickets",
    "lead_ids": "leads",
    "lead_id": "leads",
    "agent_id": "agents",
    "owner": "agents",
    "assignee": "agents",
    "team_id": "teams",
    "team": "teams",
    "tags": "tags",
    "location": "location",
    "refresh": "refresh",
}


@st.composite
def _with_real_records(draw, case):
    """The case with the ids in its path, and maybe those in its body, replaced by real ones."""
    records = RECORDS
    for name, ids in _path_ids(case.operation.path, records).items():
        case.path_parameters[name] = draw(st.sampled_from(ids), label=name)
    body = case.body
    if not isinstance(body, dict) or not draw(st.booleans(), label="real body ids"):
        return case
    if "ids" in body and "filters" in body:  # a selection is one or the other
        del body[draw(st.sampled_from(["ids", "filters"]), label="selection")]
    targets = {"tickets": "tickets", "leads": "leads"}
    fields = {**BODY_IDS, "ids": targets.get(body.get("target"))} if "ids" in body else BODY_IDS
    for field, collection in fields.items():
        if field not in body or collection is None:
            continue
        if isinstance(body[field], list):
            body[field] = draw(st.lists(st.sampled_from(records[collection]), min_size=1, unique=True))
        else:
            body[field] = draw(st.sampled_from(records[collection]), label=field)
    if body.get("target") in targets and "operation_type" in body:
        keys = [op_type.key for op_type in types_for(body["target"])]
        body["operation_type"] = draw(st.sampled_from(keys), label="operation_type")
    if "file" in body:
        body["file"] = CONTACTS_CSV
    if "username" in body and "password" in body:
        body.update(username="manager", password="pw")
    return case


@schema.hook
def flatmap_case(context, case):
    """Fuzzing cases: as generated, or with real records (the coverage phase's stay as generated)."""
    return st.one_of(st.just(case), _with_real_records(case))


@pytest.fixture
def auth_headers(manager):
    return {"Authorization": f"Bearer {RefreshToken.for_user(manager).access_token}"}


@pytest.mark.fuzz
@pytest.mark.django_db
@schema.parametrize()
# The examples of one operation share its test's records (and what earlier examples did to them).
@hypothesis.settings(deadline=None, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_operation_answers_as_documented(case, records, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
