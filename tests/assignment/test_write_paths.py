"""Every path that can change a lead's owner or a ticket's assignee keeps the assignment rules.

The paths are enumerated from the code, so a new one is covered (or fails, saying what to add)
the day it appears:

(a) API: every DRF view reachable from the URL patterns is in the OpenAPI schema with its write
    methods; every request body field naming an agent (owner, assignee, agent_id …, at any depth)
    is sent with a full, an away and a free agent.
(b) Forms: every ModelForm of the project and every admin form (and inline) of a registered
    ModelAdmin leaves the owner / assignee out (or disabled); no other page form names one
    unless it is a list filter.
(c) Bulk operations: every registered type of a target with owners runs (and is undone) over
    records of a full agent, with its agent parameter set to a full, an away and a free agent.

The invariants after each: no agent above capacity, no away agent given work, and the
assignment trail explains every current owner and assignee (its last row names them); a
refusal is a 4xx in the {detail, errors} shape naming the field, and a refusal of a free agent
points to the endpoint that does it (a 409 of the assign endpoints says why in its detail).
"""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.views import APIView

from accounts.models import Role
from agents.capacity import loads_for
from agents.models import Agent, Availability
from leads.assignment import assign_lead
from leads.models import Lead, LeadAssignment
from operations import engine
from operations.models import OperationStatus
from operations.params_forms import ParamsForm
from operations.registry import get_type, targets, types_for
from tests import factories
from tickets.assignment import assign_ticket
from tickets.models import Ticket, TicketAssignment
from web.list_filters import ListFilterForm

# The models whose person-field changes only through the assignment service, and its trail.
OWNED = {Lead: ("owner", LeadAssignment, "lead"), Ticket: ("assignee", TicketAssignment, "ticket")}
# Names of a field that names the agent to give records to.
AGENT_FIELDS = {"owner", "owner_id", "assignee", "assignee_id", "agent", "agent_id"}
WRITE_METHODS = ("post", "put", "patch")


# --- The world: agents of every kind, and their records ---------------------------------------


class World:
    def __init__(self, location, manager):
        self.location, self.manager = location, manager
        self.full = self._agent(max_capacity=1)
        self.away = self._agent(max_capacity=5, availability=Availability.AWAY)
        self.free = self._agent(max_capacity=5)
        give(self.full, factories.make_lead(location), user=manager)  # at capacity: 1/1
        self.lead = factories.make_lead(location)
        self.ticket = factories.make_ticket(location)

    def _agent(self, **fields):
        user = factories.make_user(location=self.location, role=Role.AGENT)
        return factories.make_agent(self.location, user=user, **fields)

    def agent(self, case: str) -> Agent:
        return {"full": self.full, "away": self.away, "free": self.free}[case]


def give(agent: Agent, record, *, user) -> None:
    """Assign through the service, so the trail explains every owner the tests start from."""
    if isinstance(record, Lead):
        assign_lead(lead=record, user=user, agent_id=agent.pk)
    else:
        assign_ticket(ticket=record, agent_id=agent.pk, user=user, reason="Setup")


@pytest.fixture
def world(location, manager):
    cache.clear()  # the bulk endpoints' throttles count per user id, across tests
    return World(location, manager)


def holdings() -> dict[int, set]:
    """agent id -> the (model, pk) of the records they own or are assigned."""
    held = {}
    for model, (field, _, _) in OWNED.items():
        for pk, agent_id in model.objects.filter(**{f"{field}__isnull": False}).values_list("pk", f"{field}_id"):
            held.setdefault(agent_id, set()).add((model.__name__, pk))
    return held


def assert_invariants(before: dict[int, set]) -> None:
    """After a write: whoever was given records is within capacity and not away; the trails hold.

    (Only agents given records: reopening or restoring an agent's own records is not an
    assignment; see the report of issue 11.)
    """
    after = holdings()
    given = {agent_id for agent_id, held in after.items() if held - before.get(agent_id, set())}
    loads = loads_for(given)
    for agent in Agent.objects.filter(pk__in=given).select_related("user"):
        load = loads[agent.pk]
        assert load.load <= agent.max_capacity, f"{agent} is over capacity: {load.load}/{agent.max_capacity}"
        assert agent.availability != Availability.AWAY, f"{agent} is away and was given work"
    for model, (field, trail, lookup) in OWNED.items():
        last = {}
        for record_id, to_agent_id in trail.objects.order_by("pk").values_list(f"{lookup}_id", "to_agent_id"):
            last[record_id] = to_agent_id
        for record_id, person_id in model.objects.values_list("pk", f"{field}_id"):
            assert last.get(record_id) == person_id, (
                f"{model.__name__} {record_id}: {field} is {person_id} but its trail says {last.get(record_id)}"
            )


# --- (a) The API ----------------------------------------------------------------------------


def _walk(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def _api_views() -> list[type]:
    views = {getattr(callback, "cls", None) for _, callback in _walk(get_resolver())}
    return sorted((v for v in views if isinstance(v, type) and issubclass(v, APIView)), key=lambda v: v.__name__)


def _schema():
    generator = SchemaGenerator()
    return generator, generator.get_schema(request=None, public=True)


def _fields(schema_part, components, prefix="") -> list[str]:
    """The writable property paths of a request body schema ("updates.agent_id", "ids[].x")."""
    while "$ref" in schema_part:
        schema_part = components[schema_part["$ref"].rsplit("/", 1)[1]]
    found = []
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema_part.get(key, []):
            found += _fields(sub, components, prefix)
    if "items" in schema_part:
        found += _fields(schema_part["items"], components, prefix + "[]")
    for name, prop in (schema_part.get("properties") or {}).items():
        if prop.get("readOnly"):
            continue
        found.append(prefix + name)
        found += _fields(prop, components, f"{prefix}{name}.")
    return found


def _normalised(path: str) -> str:
    parts = path.split("/")
    return "/".join("{}" if part.startswith("{") else part for part in parts)


def api_agent_fields() -> list[tuple[str, str, str]]:
    """(METHOD, path with {} for ids, field path) of every request body field that names an agent."""
    _, schema = _schema()
    components = schema["components"]["schemas"]
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for field in _fields(content.get("schema", {}), components):
                    if field.rsplit(".", 1)[-1].removesuffix("[]") in AGENT_FIELDS:
                        found.add((method.upper(), _normalised(path), field))
    return sorted(found)


# A valid body per (method, path) that names an agent; `agent` goes where the agent field is.
# A new endpoint with such a field fails test_every_api_agent_field_has_a_sample_body until added.
SAMPLE_BODIES = {
    ("POST", "/api/v1/leads/"): lambda w, agent: {"first_name": "Written", "owner": agent},
    ("PUT", "/api/v1/leads/{}/"): lambda w, agent: {"first_name": "Written", "owner": agent},
    ("PATCH", "/api/v1/leads/{}/"): lambda w, agent: {"owner": agent},
    ("POST", "/api/v1/leads/{}/assign/"): lambda w, agent: {"agent_id": agent},
    ("PUT", "/api/v1/leads/{}/reassign/"): lambda w, agent: {"agent_id": agent, "reason": "Cover"},
    ("POST", "/api/v1/leads/bulk-assign/"): lambda w, agent: {
        "lead_ids": [w.lead.pk],
        "strategy": "manual",
        "agent_id": agent,
    },
    ("POST", "/api/v1/leads/bulk-update/"): lambda w, agent: {"lead_ids": [w.lead.pk], "updates": {"agent_id": agent}},
    ("POST", "/api/v1/tickets/"): lambda w, agent: {"subject": "Written", "assignee": agent},
    ("PUT", "/api/v1/tickets/{}/"): lambda w, agent: {"subject": "Written", "assignee": agent},
    ("PATCH", "/api/v1/tickets/{}/"): lambda w, agent: {"assignee": agent},
}
API_PATHS = api_agent_fields()


def test_every_api_view_with_a_write_method_is_in_the_schema():
    """Otherwise its body fields would escape the enumeration below."""
    generator, _ = _schema()
    documented = {(getattr(callback, "cls", None), method.lower()) for _, _, method, callback in generator.endpoints}
    views = _api_views()
    assert len(views) > 20
    missing = [
        f"{view.__module__}.{view.__name__}.{method}"
        for view in views
        for method in WRITE_METHODS
        if hasattr(view, method) and (view, method) not in documented
    ]
    assert not missing, f"API write methods not in the OpenAPI schema, so not enumerated here: {missing}"


def test_every_api_agent_field_has_a_sample_body():
    assert len(API_PATHS) >= 10
    named = {(method, path) for method, path, _ in API_PATHS}
    assert named == set(SAMPLE_BODIES), (
        f"Endpoints whose body names an agent, without a sample body in SAMPLE_BODIES: {named - set(SAMPLE_BODIES)}; "
        f"samples for endpoints that no longer name one: {set(SAMPLE_BODIES) - named}"
    )


def _url(path: str, world: World) -> str:
    collection = path.removeprefix("/api/v1/").split("/")[0]
    records = {"leads": world.lead, "tickets": world.ticket}
    assert "{}" not in path or collection in records, f"No record for the ids of {path}: add one to _url"
    return path.replace("{}", str(records[collection].pk)) if "{}" in path else path


@pytest.mark.parametrize("case", ["full", "away", "free"])
@pytest.mark.parametrize(("method", "path", "field"), API_PATHS, ids=[f"{m} {p} {f}" for m, p, f in API_PATHS])
def test_an_api_body_naming_an_agent_keeps_the_assignment_rules(method, path, field, case, world, api_for):
    agent = world.agent(case)
    body = SAMPLE_BODIES[(method, path)](world, agent.pk)
    before = holdings()

    response = getattr(api_for(world.manager), method.lower())(_url(path, world), body, format="json")

    assert response.status_code < 500
    assert_invariants(before)
    gained = holdings().get(agent.pk, set()) - before.get(agent.pk, set())
    if response.status_code >= 400:
        answer = response.json()
        assert set(answer) == {"detail", "errors"} and answer["detail"], answer
        if response.status_code == 400:  # a 409 (the agent is full or away) says why in its detail
            messages = " ".join(error["message"] for error in answer["errors"] if error["field"] == field)
            assert messages, f"the refusal does not name {field}: {answer}"
            if case == "free":
                assert "/api/v1/" in messages, f"a refusal of a free agent must say where to assign: {answer}"
    if case == "free" and response.status_code < 400:
        assert gained, "a 2xx with a free agent assigned nothing"
    if case != "free":
        assert not gained


# --- (b) Forms --------------------------------------------------------------------------------


def _project_modules():
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent != base:  # the project's own apps (not those installed in .venv)
            continue
        yield config.module
        for info in pkgutil.walk_packages([str(path)], prefix=f"{config.name}."):
            if ".migrations" not in info.name and ".tests" not in info.name:
                yield importlib.import_module(info.name)


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _project_form_classes() -> list[type]:
    names = {module.__name__ for module in _project_modules()}
    return sorted((c for c in _subclasses(forms.BaseForm) if c.__module__ in names), key=lambda c: c.__qualname__)


def _editable_person_fields(form_class) -> list[str]:
    model = getattr(getattr(form_class, "_meta", None), "model", None)
    if model not in OWNED:
        return []
    field = OWNED[model][0]
    return [
        name
        for name, form_field in form_class.base_fields.items()
        if name in (field, f"{field}_id") and not form_field.disabled
    ]


def test_no_project_form_edits_an_owner_or_assignee():
    form_classes = _project_form_classes()
    assert len(form_classes) >= 10
    # An admin's base form is checked as the admin builds it (readonly fields left out), below.
    admin_bases = {model_admin.form for model_admin in admin.site._registry.values()}
    for form_class in form_classes:
        if form_class in admin_bases:
            continue
        name = f"{form_class.__module__}.{form_class.__qualname__}"
        assert not _editable_person_fields(form_class), f"{name} edits an owner or assignee"
        naming = set(form_class.base_fields) & AGENT_FIELDS
        assert not naming or issubclass(form_class, (ListFilterForm, ParamsForm)), (
            f"{name} has {naming}: route it through the assignment service and cover it in tests/assignment"
        )


def _admin_forms(request):
    """(name, form class) of every registered ModelAdmin and inline whose model has an owner."""
    for model, model_admin in admin.site._registry.items():
        records = [None, *model.objects.all()[:1]]
        for obj in records:
            if model in OWNED:
                yield f"{type(model_admin).__name__}({obj and 'change'})", model_admin.get_form(request, obj)
            for inline in model_admin.get_inline_instances(request, obj):
                if inline.model in OWNED:
                    yield (
                        f"{type(inline).__name__} in {type(model_admin).__name__}",
                        inline.get_formset(request, obj).form,
                    )


def test_no_admin_form_edits_an_owner_or_assignee(world, location):
    factories.make_ticket(location, number=9000)
    superuser = factories.make_user("root", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    checked = 0
    for name, form_class in _admin_forms(request):
        checked += 1
        assert not _editable_person_fields(form_class), f"the admin form of {name} edits an owner or assignee"
    assert checked >= 4  # Lead and Ticket admins, add and change


# --- (c) Bulk operation types -----------------------------------------------------------------


def _agent_params(op_type) -> set[str]:
    params = op_type.Params()
    named = set()
    for name, field in params.fields.items():
        queryset = getattr(field, "queryset", None)
        if name in AGENT_FIELDS or (queryset is not None and queryset.model is Agent):
            named.add(name)
    return named


OWNED_TARGETS = [target for target in targets() if target.model in OWNED]
TYPES = [(target.key, op_type.key) for target in OWNED_TARGETS for op_type in types_for(target.key)]
CASES = [
    (target, key, case)
    for target, key in TYPES
    for case in (["sample", "full", "away", "free"] if _agent_params(get_type(target, key)) else ["sample"])
]


def test_types_naming_an_agent_exist_only_on_targets_with_owners():
    assert len(TYPES) >= 10
    assert {key for (target, key) in TYPES if _agent_params(get_type(target, key))} >= {"assign"}
    for target in targets():
        if target.model not in OWNED:
            naming = [op_type.key for op_type in types_for(target.key) if _agent_params(op_type)]
            assert not naming, f"{target.key} types {naming} name an agent: add its model to OWNED"


def _record(target: str, location, number: int):
    if target == "leads":
        return factories.make_lead(location, phone=f"+1555555{number:04d}")
    return factories.make_ticket(location)


@pytest.mark.parametrize(("target", "key", "case"), CASES, ids=[f"{t}-{k}-{c}" for t, k, c in CASES])
def test_a_bulk_operation_keeps_the_assignment_rules_and_so_does_its_undo(target, key, case, world, location):
    op_type = get_type(target, key)
    holder = world._agent(max_capacity=2)
    held = [_record(target, location, n) for n in range(2)]
    for record in held:
        give(holder, record, user=world.manager)
    records = [*held, _record(target, location, 3)]
    params = factories.operation_params(target, key, location)
    if case != "sample":
        params.update(dict.fromkeys(_agent_params(op_type), world.agent(case).pk))

    operation, _ = engine.create_operation(
        user=world.manager,
        location=location,
        target=target,
        operation_type=key,
        params=params,
        ids=[r.pk for r in records],
    )
    before = holdings()
    operation = factories.run_to_end(operation)

    assert operation.status == OperationStatus.COMPLETED
    assert_invariants(before)
    if case in ("full", "away"):
        assert operation.successful == 0
    if not op_type.reversible or operation.successful == 0:
        return
    # Whoever lost records gets new ones up to capacity: an undo must not push them over it.
    room = loads_for([holder.pk])[holder.pk].remaining
    for n in range(room):
        give(holder, _record(target, location, 10 + n), user=world.manager)
    undo = engine.undo_operation(operation=operation, user=world.manager)
    before = holdings()
    undo = factories.run_to_end(undo)
    assert undo.status == OperationStatus.COMPLETED
    assert_invariants(before)


def test_params_serializers_are_serializers():
    """_agent_params reads declared fields: a type's Params must stay a DRF serializer."""
    for target, key in TYPES:
        assert issubclass(get_type(target, key).Params, serializers.Serializer)
