"""Crawl: every URL pattern of config/urls.py, for every role, with real objects; then every link.

One data set per module (built once, rolled back at the end): two companies; in company A one
operation of every registered type in every state, the undo of every reversible one and a
retry, campaigns in every state, templates, a finished export with its file, leads, tickets,
agents; in company B one finished operation of every type and a few objects of each kind (its
admin is the outsider). Then, for each role:

- every pattern of the URL resolver (admin and API included) is requested with GET (outside
  admin the first filling also with HEAD, and pages as an HTMX request and as htmx's
  history restore, which must get the whole page), its kwargs filled
  from the role's own company, then from the other company. No 5xx anywhere; another
  company's objects are never a 200, and a page that shows the role its own object answers
  another company's with 404. Someone not logged in sees only the public pages.
- from the dashboard, every same-origin `href` and `hx-get` is followed, breadth first, two
  levels deep, de-duplicated by URL pattern and query. No 5xx anywhere.

Kwarg names are filled from KWARGS (kwarg name -> objects); a pattern with a kwarg not in it
fails the test, so a route added tomorrow is crawled the day it is added. Floors on the counts
keep the crawl from shrinking silently.

States reached through the engine: draft, scheduled, pending (create_operation), in_progress
(run_operation's own status move, then one chunk of one record with process_next_chunk),
completed (run_operation), cancelled (cancel_operation), undone and its undo (undo_operation),
a retry (retry_failed). Only `failed` is set directly: an operation fails when its type's
finish() raises, which no registered type does on purpose.
"""

import datetime
import re
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage

from accounts.models import Location, Role
from agents.models import Agent, RoundRobinPointer
from analytics.models import ManualEffortEstimate
from campaigns import services as campaign_services
from campaigns.models import (
    Call,
    CallingSettings,
    CallStatus,
    Campaign,
    CampaignContact,
    CampaignState,
    ContactStatus,
    DoNotCallEntry,
)
from leads.import_models import LeadImport
from leads.models import ConsentChange, InboundSMS, Lead, LeadCall, MessageTemplate, ScoringConfig, Tag
from notifications.models import Notification
from operations import engine
from operations.models import BulkOperation, OperationStatus
from operations.registry import get_type, targets, types_for
from tests import factories
from tickets.models import Ticket
from webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db  # (also what makes pytest-django create the test database for the module fixture)

ROLES = ["admin", "manager", "agent", "outsider"]
REGISTERED = [(target.key, op_type.key) for target in targets() for op_type in types_for(target.key)]
# Patterns never requested: GET would end the session the rest of the crawl runs in.
SKIPPED_NAMES = {"logout", "admin:logout"}
MISSING_ID = 987_654_321  # an id no record has: every completed operation gets one failed item
# How many fillings of a pattern are requested: the cover of operations (every state, every type)
# everywhere; every operation on the pages that show a type's parameters and results (for the
# admin); a few objects on admin pages, on a pattern's slash-less twin and for the other company.
FILLINGS_PER_PATTERN = 13
FULL_COVERAGE = {"operations:detail", "api-bulk-detail"}
ADMIN_FILLINGS = 1
OTHER_COMPANY_FILLINGS = 3
MAX_LINKS_PER_ROLE = 400
LINK_DEPTH = 2

# Floors: the crawl may grow, never shrink unnoticed.
MIN_PATTERNS = 250
MIN_TYPES = 13
MIN_OPERATIONS = 100
MIN_LINKS_PER_ROLE = 50
MIN_SHOWN_PER_ROLE = 200  # 200 answers: a crawl of nothing but refusals would prove little


# --- The data set ----------------------------------------------------------------------


@dataclass
class Company:
    location: Location
    users: dict
    agents: list = field(default_factory=list)
    operations: list = field(default_factory=list)  # cover first: one of every state, then every type
    campaigns: list = field(default_factory=list)


@dataclass
class CrawlData:
    a: Company
    b: Company
    op_states: Counter  # (type, state label) -> count
    campaign_states: set

    def own(self, role) -> Company:
        return self.b if role == "outsider" else self.a

    def other(self, role) -> Company:
        return self.a if role == "outsider" else self.b


def _create(user, location, target, key, *, agent=None, run=False, **kwargs) -> BulkOperation:
    records = [factories.make_record(target, location, agent=agent) for _ in range(2)]
    operation = factories.make_operation(
        user,
        location,
        [r.pk for r in records] + [MISSING_ID],
        target=target,
        operation_type=key,
        metadata={"description": f"crawl {target}/{key}"},
        **kwargs,
    )
    return factories.run_to_end(operation) if run else operation


def _in_progress(operation: BulkOperation) -> BulkOperation:
    """run_operation's own first move, then one chunk of one record: an operation mid-run."""
    now = timezone.now()
    BulkOperation.objects.filter(pk=operation.pk, status=OperationStatus.PENDING).update(
        status=OperationStatus.IN_PROGRESS, started_at=now, heartbeat_at=now
    )
    with override_settings(BULK_CHUNK_SIZE=1):
        engine.process_next_chunk(operation.pk)
    operation.refresh_from_db()
    return operation


def _operations_of_every_type_and_state(user, location, agent) -> tuple[list, Counter]:
    by_state: dict[str, list] = {}
    counts = Counter()

    def add(state, operation):
        by_state.setdefault(state, []).append(operation)
        counts[(f"{operation.target}/{operation.operation_type}", state)] += 1

    later = timezone.now() + datetime.timedelta(days=3)
    for target, key in REGISTERED:
        make = {"user": user, "location": location, "target": target, "key": key, "agent": agent}
        add("draft", _create(**make, draft=True))
        add("scheduled", _create(**make, scheduled_for=later))
        add("pending", _create(**make))
        add("in_progress", _in_progress(_create(**make)))
        completed = _create(**make, run=True)
        add("completed", completed)
        add("retry", engine.retry_failed(operation=completed, user=user))
        add("cancelled", engine.cancel_operation(operation=_create(**make)))
        failed = _create(**make, run=True)
        BulkOperation.objects.filter(pk=failed.pk).update(  # see the module docstring
            status=OperationStatus.FAILED, error_message="Crawl: finishing failed"
        )
        failed.refresh_from_db()
        add("failed", failed)
        if get_type(target, key).reversible:
            undone = _create(**make, run=True)
            undo = factories.run_to_end(engine.undo_operation(operation=undone, user=user))
            add("undone", undone)
            add("undo", undo)
    for operation in [op for ops in by_state.values() for op in ops]:
        assert operation.status in OperationStatus.values
    # Cover first: one of every state, each of another type, then one of every type left.
    cover = [ops[index % len(ops)] for index, ops in enumerate(by_state.values())]
    for ops in by_state.values():
        for operation in ops:
            if (operation.target, operation.operation_type) not in {(o.target, o.operation_type) for o in cover}:
                cover.append(operation)
    seen = {op.pk for op in cover}
    rest = [op for ops in by_state.values() for op in ops if op.pk not in seen]
    return cover + rest, counts


CONTACTS_CSV = b"phone,name\n+14155550101,Ann Example\n+14155550102,Bob Example\n"


def _campaigns(location, user, agent) -> list[Campaign]:
    """A campaign in every state of the machine, each through the campaign services."""

    def create(name, **kwargs):
        campaign, _ = campaign_services.create_campaign(
            location=location,
            user=user,
            file_bytes=CONTACTS_CSV,
            filename="contacts.csv",
            name=name,
            agent=agent,
            **kwargs,
        )
        return campaign

    create("Draft campaign")
    pending = create("Pending campaign", scheduled_start_time=timezone.now() + datetime.timedelta(days=2))
    campaign_services.start_campaign(campaign_id=pending.pk)
    running = create("Running campaign")
    campaign_services.start_campaign(campaign_id=running.pk)
    paused = create("Paused campaign")
    campaign_services.start_campaign(campaign_id=paused.pk)
    campaign_services.pause_campaign(campaign_id=paused.pk)
    completed = create("Completed campaign")
    campaign_services.start_campaign(campaign_id=completed.pk)
    for contact in completed.contacts.all():
        Call.objects.create(
            campaign=completed, contact=contact, attempt=1, backend="fake", call_sid=uuid.uuid4().hex,
            status=CallStatus.COMPLETED, duration_seconds=42,
            answered_at=timezone.now(), ended_at=timezone.now(),
        )  # fmt: skip
    completed.contacts.update(status=ContactStatus.COMPLETED, outcome=CallStatus.COMPLETED, attempts=1)
    assert campaign_services.complete_campaign(campaign_id=completed.pk)
    failed = create("Failed campaign")
    campaign_services.start_campaign(campaign_id=failed.pk)
    campaign_services.fail_campaign(campaign_id=failed.pk, reason="Crawl: the telephony backend refused")
    campaigns = list(Campaign.objects.filter(location=location).order_by("pk"))
    assert {c.state for c in campaigns} == set(CampaignState.values)
    return campaigns


def _company(name, slug, roles: dict[str, str]) -> Company:
    """A location and its users: staff (not superusers) holding every model permission, so that
    admin pages answer them with what the tenant scoping and the policy allow, not a blanket 403."""
    location = factories.make_location(name, slug=slug)
    users = {
        role: factories.make_user(f"crawl-{slug}-{role}", location=location, role=membership, is_staff=True)
        for role, membership in roles.items()
    }
    for user in users.values():
        user.user_permissions.add(*Permission.objects.all())
    return Company(location=location, users=users)


def _build() -> CrawlData:
    a = _company("Crawl A", "crawl-a", {"admin": Role.ADMIN, "manager": Role.MANAGER, "agent": Role.AGENT})
    a.users["agent"].is_staff = False
    a.users["agent"].save(update_fields=["is_staff"])
    b = _company("Crawl B", "crawl-b", {"outsider": Role.ADMIN})
    team_a, team_b = factories.make_team(a.location, "Closers"), factories.make_team(b.location, "Openers")
    a.agents = [
        factories.make_agent(a.location, user=a.users["agent"], team=team_a, max_capacity=500),
        factories.make_agent(a.location, max_capacity=500),
    ]
    b.agents = [factories.make_agent(b.location, user=b.users["outsider"], team=team_b, max_capacity=500)]
    for company in (a, b):
        location, creator = company.location, next(iter(company.users.values()))
        MessageTemplate.objects.create(
            location=location, name="Welcome", subject="Hi {first_name}", body="Hello {first_name}", created_by=creator
        )
        ScoringConfig.objects.create(location=location)
        RoundRobinPointer.objects.create(location=location, scope="all", last_agent=company.agents[0])
        ManualEffortEstimate.objects.create(
            location=location, target="leads", operation_type="score", seconds_per_item=30
        )
        DoNotCallEntry.objects.create(location=location, phone="+12125550199", reason="crawl", added_by=creator)
        CallingSettings.objects.create(location=location)

    with override_settings(BULK_MAX_ACTIVE_PER_USER=100_000):
        a.operations, op_states = _operations_of_every_type_and_state(a.users["admin"], a.location, a.agents[0])
        # The agent's own operations (an agent sees only theirs): finished, draft, pending, and an export.
        agent_user, agent = a.users["agent"], a.agents[0]
        own = {"user": agent_user, "location": a.location, "target": "leads", "agent": agent}
        a.operations += [
            _create(**own, key="change_stage", run=True),
            _create(**own, key="change_stage", draft=True),
            _create(**own, key="change_stage"),
            _create(**own, key="export", run=True),
        ]
        outsider = b.users["outsider"]
        # Company B: one finished operation of every type (so it has rows of every model), one undo.
        b.operations = [
            _create(outsider, b.location, target, key, agent=b.agents[0], run=True) for target, key in REGISTERED
        ]
        reversible = next(op for op in b.operations if get_type(op.target, op.operation_type).reversible)
        b.operations.append(engine.undo_operation(operation=reversible, user=outsider))

    exports = [op for op in a.operations if op.operation_type == "export" and op.status == OperationStatus.COMPLETED]
    assert exports and all(op.result_file for op in exports), "a completed export has its file"

    a.campaigns = _campaigns(a.location, a.users["manager"], a.agents[0])
    b.campaigns = [campaign_services.create_campaign(
        location=b.location, user=outsider, file_bytes=CONTACTS_CSV, filename="b.csv", name="B's campaign"
    )[0]]  # fmt: skip
    contact = b.campaigns[0].contacts.first()
    Call.objects.create(campaign=b.campaigns[0], contact=contact, attempt=1, backend="fake", status=CallStatus.BUSY)

    for company in (a, b):  # a webhook with a delivery in every state
        hook = Webhook.objects.create(
            location=company.location, url="https://hooks.example.com/crawl", events=["campaign.completed"], secret="s"
        )
        for state in DeliveryStatus.values:
            WebhookDelivery.objects.create(webhook=hook, event="campaign.completed", payload={"data": {}}, status=state)

    for company in (a, b):  # a notification for every user (the engine made some already)
        for user in company.users.values():
            Notification.objects.get_or_create(
                recipient=user,
                operation=company.operations[0],
                defaults={"location": company.location, "kind": "completed", "text": "Crawl operation completed."},
            )

    # An SMS reply that opted a lead of each company out, with its consent trail.
    stop = InboundSMS.objects.create(message_sid="SMcrawl", from_number="+12125550100", to_number="+15005550006")
    for company in (a, b):
        lead = Lead.objects.filter(location=company.location).first()
        ConsentChange.objects.create(lead=lead, do_not_contact=True, reason="Replied STOP", inbound=stop)

    # A call of each company to a lead (its contact added from leads): the lead's call timeline.
    for company in (a, b):
        call = Call.objects.filter(campaign__location=company.location).order_by("pk").first()
        lead = Lead.objects.filter(location=company.location).first()
        CampaignContact.objects.filter(pk=call.contact_id).update(lead=lead)
        LeadCall.objects.create(
            lead=lead, call_id=call.pk, campaign_id=call.campaign_id, campaign_name=call.campaign.name,
            outcome="Answered", duration_seconds=42, called_at=call.created_at,
        )  # fmt: skip

    # Rows of the admin's global models, so their change pages have an object to show.
    Group.objects.create(name="Crawlers")
    now = timezone.now()
    for success in (True, False):
        Task.objects.create(
            id=uuid.uuid4().hex, name=f"crawl-{success}", func="operations.tasks.run_operation",
            started=now, stopped=now, success=success, result="ok" if success else "Traceback: boom",
        )  # fmt: skip
    package = SignedPackage.dumps({"id": uuid.uuid4().hex, "name": "crawl", "func": "operations.tasks.run_operation"})
    OrmQ.objects.create(key="bulkops", payload=package, lock=now)

    return CrawlData(
        a=a,
        b=b,
        op_states=op_states,
        campaign_states={c.state for c in a.campaigns},
    )


@pytest.fixture(scope="module")
def crawl(django_db_setup, django_db_blocker):
    """The data set, built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = _build()
            yield data
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- Objects of a company, by model ------------------------------------------------------

User = get_user_model()


def _location_path(model) -> str | None:
    """The ORM path from a model to its Location (breadth first over foreign keys), or None."""
    if model is Location:
        return "pk"
    if model is User:
        return "memberships__location"
    queue = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if path.count("__") >= 3:
            continue
        for f in current._meta.get_fields():
            if not (f.is_relation and f.concrete and (f.many_to_one or f.one_to_one)):
                continue
            step = f"{path}__{f.name}" if path else f.name
            if f.related_model is Location:
                return step
            if f.related_model not in seen:
                seen.add(f.related_model)
                queue.append((f.related_model, step))
    return None


def objects_of(model, company: Company, *, other: bool) -> list | None:
    """Primary keys of the company's objects of a model.

    A model no company owns (auth groups, the task queue's rows) has no other company's
    objects: None then, and its first rows for the role's own pass.
    """
    path = _location_path(model)
    manager = model._base_manager
    if path is None:
        return None if other else list(manager.order_by("pk").values_list("pk", flat=True)[:3])
    pks = manager.filter(**{path: company.location.pk}).order_by("pk").values_list("pk", flat=True).distinct()
    return list(pks[:6])


# --- Filling URL kwargs -----------------------------------------------------------------


@dataclass
class Route:
    pattern: str  # the full pattern, e.g. "api/v1/leads/<int:pk>/"
    parts: list  # (pattern object, …) from the root
    callback: object
    name: str
    kwargs: list

    @property
    def view(self) -> str:
        cls = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)
        obj = cls or self.callback
        return f"{self.callback.__module__}.{getattr(obj, '__name__', type(obj).__name__)}"

    @property
    def admin_model(self):
        model_admin = getattr(self.callback, "model_admin", None)
        return model_admin.model if model_admin is not None else None

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")


# Views (or URL names, for a view serving several models) whose `pk` is not a DRF queryset's model.
PK_MODELS = {
    "campaigns.calling_rules_views.do_not_call_delete": DoNotCallEntry,
    "agents.api.AgentCapacityApi": Agent,
    "leads.bulk_api.MessageTemplateDetailApi": MessageTemplate,
    "leads.bulk_api.MessageTemplatePreviewApi": MessageTemplate,
    "agents.views.agent_update": Agent,
    "agents:lead-assignments": Lead,
    "agents:ticket-assignments": Ticket,
    "leads.bulk_views.template_edit": MessageTemplate,
    "leads.bulk_views.template_preview": MessageTemplate,
    "leads.bulk_views.template_delete": MessageTemplate,
}


def _pk_model(route: Route):
    cls = getattr(route.callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(cls, "serializer_class", None)
    if serializer is not None and getattr(getattr(serializer, "Meta", None), "model", None):
        return serializer.Meta.model
    for key in (route.view, route.name):
        if key in PK_MODELS:
            return PK_MODELS[key]
    raise AssertionError(f"{route.pattern} ({route.view}): which model is `pk`? Add the view to PK_MODELS.")


def _object_model(route: Route, chosen: dict):
    if "content_type_id" in chosen:
        return ContentType.objects.get_for_id(int(chosen["content_type_id"])).model_class()
    if route.admin_model is None:
        raise AssertionError(f"{route.pattern}: `object_id` of no ModelAdmin; say which model in KWARGS.")
    return route.admin_model


@dataclass
class Fill:
    """What a kwarg's provider gets: the company whose objects to give, and the kwargs chosen so far."""

    company: Company
    other: bool
    route: Route
    chosen: dict
    user: object


def _contacts(fill: Fill):
    contacts = CampaignContact.objects.filter(campaign_id=fill.chosen["campaign_id"]).values_list("pk", flat=True)
    return list(contacts[:2]) or [MISSING_ID]


# kwarg name -> (the values to fill in, given a Fill; whether it is an object of a company).
# Order matters: a kwarg may depend on one before it (contact_id on campaign_id).
KWARGS = {
    # The role's own operations first (an agent sees only theirs), then the cover order.
    "operation_id": (
        lambda fill: [op.pk for op in sorted(fill.company.operations, key=lambda op: op.created_by_id != fill.user.pk)],
        True,
    ),
    "campaign_id": (lambda fill: [c.pk for c in fill.company.campaigns], True),
    "contact_id": (_contacts, True),
    "call_id": (
        lambda fill: (
            list(Call.objects.filter(campaign__location=fill.company.location).values_list("pk", flat=True)[:2])
            or [MISSING_ID]
        ),
        True,
    ),
    "webhook_id": (lambda fill: list(fill.company.location.webhooks.values_list("pk", flat=True)), True),
    "delivery_id": (
        lambda fill: list(
            WebhookDelivery.objects.filter(webhook_id=fill.chosen["webhook_id"]).values_list("pk", flat=True)
        ),
        True,
    ),
    "notification_id": (
        lambda fill: list(
            Notification.objects.filter(
                location=fill.company.location, **({} if fill.other else {"recipient": fill.user})
            ).values_list("pk", flat=True)[:2]
        ),
        True,
    ),
    "lead_id": (lambda fill: objects_of(Lead, fill.company, other=fill.other), True),
    "import_id": (lambda fill: objects_of(LeadImport, fill.company, other=fill.other), True),
    "ticket_id": (lambda fill: objects_of(Ticket, fill.company, other=fill.other), True),
    "pk": (lambda fill: objects_of(_pk_model(fill.route), fill.company, other=fill.other), True),
    "id": (lambda fill: objects_of(fill.route.admin_model or User, fill.company, other=fill.other), True),
    "content_type_id": (lambda fill: [ContentType.objects.get_for_model(Lead).pk], False),
    "object_id": (
        lambda fill: objects_of(_object_model(fill.route, fill.chosen), fill.company, other=fill.other),
        True,
    ),
    "app_label": (lambda fill: sorted({m._meta.app_label for m in admin.site._registry}), False),
    "url": (lambda fill: ["no/such/admin/page/"], False),
    "action": (lambda fill: ["start", "pause", "resume", "delete", "no-such-action"], False),
    "target": (lambda fill: ["leads", "tickets", "no-such-target"], False),
}


def _routes() -> list[Route]:
    routes = []

    def walk(resolver, parts, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, [*parts, entry.pattern], namespace + (f"{entry.namespace}:" if entry.namespace else ""))
            elif isinstance(entry, URLPattern):
                all_parts = [*parts, entry.pattern]
                names = []
                for part in all_parts:
                    names += list(getattr(part, "converters", {}) or {}) or list(part.regex.groupindex)
                routes.append(
                    Route(
                        pattern="".join(str(p) for p in all_parts),
                        parts=all_parts,
                        callback=entry.callback,
                        name=namespace + (entry.name or ""),
                        kwargs=list(dict.fromkeys(names)),
                    )
                )

    walk(get_resolver(), [], "")
    return routes


def _path(route: Route, values: dict) -> str:
    url = ""
    for part in route.parts:
        text = str(part)
        if getattr(part, "converters", None):
            text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), text)
        else:
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), text)
            text = text.lstrip("^").rstrip("$").replace("\\", "")
        url += text
    return "/" + url


def fillings(route: Route, company: Company | None, other: bool = False, user=None) -> list[dict] | None:
    """Every combination of kwargs values for a route (object ids from company); None: nothing to fill."""
    unknown = [name for name in route.kwargs if name not in KWARGS]
    assert not unknown, f"{route.pattern}: no objects for URL kwargs {unknown}; add them to KWARGS in {__file__}"
    combos = [{}]
    has_object = False
    for name in sorted(route.kwargs, key=list(KWARGS).index):
        provider, is_object = KWARGS[name]
        has_object |= is_object
        expanded = []
        for chosen in combos:
            values = provider(Fill(company=company, other=other, route=route, chosen=chosen, user=user))
            if values is None or (other and not values):
                return None
            assert values, f"{route.pattern}: no {name} to fill in; build one in the crawl's data set"
            expanded += [{**chosen, name: value} for value in values]
        combos = expanded
    if other and not has_object:
        return None
    return combos


# --- Requesting ------------------------------------------------------------------------


class Crawler:
    def __init__(self, user, role: str):
        self.user, self.role = user, role
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.requests = 0
        self.statuses = Counter()
        self.failures: list[str] = []

    def get(self, path, *, method="get", htmx=False, history_restore=False):
        headers = {"HX-Request": "true"} if htmx or history_restore else {}
        if history_restore:  # Back after htmx's history cache missed: htmx asks for the page again
            headers["HX-History-Restore-Request"] = "true"
        response = getattr(self.client, method)(path, headers=headers)
        self.requests += 1
        self.statuses[response.status_code] += 1
        body = b""
        # (The test client closes the response: once read to the end when streamed. Closing it
        # again here would close the database connection the module's transaction lives in.)
        try:
            body = b"".join(response.streaming_content) if response.streaming else response.content
        except Exception as exc:  # an error while streaming is a 500 the browser would see cut short
            self.failures.append(f"{method.upper()} {path}: streaming failed: {exc!r}")
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            detail = f": {exc[1]!r}" if exc else ""
            self.failures.append(
                f"{method.upper()}{' (htmx)' if htmx else ''} {path} -> {response.status_code}{detail}"
            )
        return response, body


def _user(crawl: CrawlData, role):
    return crawl.own(role).users[role]


def _requestable(routes: list[Route]) -> list[Route]:
    requestable = [r for r in routes if r.name not in SKIPPED_NAMES]
    assert len(requestable) >= MIN_PATTERNS, f"only {len(requestable)} URL patterns: the crawl shrank"
    return requestable


def _limit(route: Route, role: str, slashed: set) -> int | None:
    if (route.pattern + "/", route.callback) in slashed:  # the slash-less twin of a pattern
        return 1
    if route.is_admin:
        return ADMIN_FILLINGS
    if role == "admin" and route.name in FULL_COVERAGE:
        return None
    return FILLINGS_PER_PATTERN


def _crawl_route(crawler: Crawler, route: Route, *, own: Company, other: Company, limit, problems: list) -> None:
    """GET the route with the role's own objects, then with the other company's."""
    own_ok, not_allowed = False, False
    for index, values in enumerate((fillings(route, own, user=crawler.user) or [])[:limit]):
        path = _path(route, values)
        assert resolve(urlsplit(path).path).func is route.callback, f"{path} is not {route.pattern}"
        response, body = crawler.get(path)
        own_ok |= response.status_code == 200
        if index == 0 and not route.is_admin:
            crawler.get(path, method="head")
            if not route.pattern.startswith("api/"):
                crawler.get(path, htmx=True)
                _, restored_body = crawler.get(path, history_restore=True)
                if b"<html" in body and b"<html" not in restored_body:
                    problems.append(f"{path}: Back after a history-cache miss gets a fragment, not the page")
        if response.status_code == 405:  # POST only: the same answer whatever the object
            not_allowed = True
            break
    others = fillings(route, other, other=True, user=crawler.user) or []
    for values in others[: 1 if route.is_admin or not_allowed else OTHER_COMPANY_FILLINGS]:
        path = _path(route, values)
        status = crawler.get(path)[0].status_code
        if status == 200:
            problems.append(f"{path} -> 200 for {crawler.role} (another company's object)")
        elif own_ok and not route.is_admin and status != 404:
            problems.append(f"{path} -> {status} for {crawler.role}; a page of another company's object is a 404")


@pytest.mark.parametrize("role", ROLES)
def test_every_url_pattern_answers_every_role_without_a_server_error(crawl, role):
    routes = _requestable(_routes())
    crawler = Crawler(_user(crawl, role), role)
    slashed = {(r.pattern, r.callback) for r in routes}
    cross_tenant: list[str] = []
    for route in routes:
        limit = _limit(route, role, slashed)
        _crawl_route(crawler, route, own=crawl.own(role), other=crawl.other(role), limit=limit, problems=cross_tenant)
    print(
        f"crawl[{role}]: {len(routes)} patterns, {crawler.requests} requests, "
        f"{len(REGISTERED)} types, {len(crawl.op_states)} type-state pairs, "
        f"{len(crawl.campaign_states)} campaign states; statuses {dict(sorted(crawler.statuses.items()))}"
    )
    assert crawler.client.get("/").status_code == 200, "the crawl logged itself out"
    assert crawler.statuses[200] >= MIN_SHOWN_PER_ROLE, f"only {crawler.statuses[200]} pages shown to {role}"
    problems = crawler.failures + cross_tenant
    assert not problems, f"{len(problems)} problems for {role}:\n" + "\n".join(problems[:80])


def test_the_data_set_has_every_type_in_every_state(crawl):
    states = {"draft", "scheduled", "pending", "in_progress", "completed", "cancelled", "failed", "retry"}
    types = {f"{t}/{k}" for t, k in REGISTERED}
    assert len(types) >= MIN_TYPES
    have = set(crawl.op_states)
    missing = [(t, s) for t in types for s in states if (t, s) not in have]
    assert not missing, missing
    reversible = {f"{t}/{k}" for t, k in REGISTERED if get_type(t, k).reversible}
    assert all((t, "undo") in have and (t, "undone") in have for t in reversible)
    statuses = {op.status for op in BulkOperation.objects.filter(location=crawl.a.location)}
    assert statuses == set(OperationStatus.values), statuses
    assert BulkOperation.objects.filter(location=crawl.a.location).count() >= MIN_OPERATIONS
    assert crawl.campaign_states == set(CampaignState.values)
    print(
        f"crawl data: {len(types)} types, {len(states) + 2} states, {sum(crawl.op_states.values())} operations, "
        f"{len(crawl.campaign_states)} campaign states"
    )


# --- Following links ---------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.found.append((attrs["href"], False))
        if attrs.get("hx-get"):
            self.found.append((attrs["hx-get"], True))


def _same_origin_path(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    url = urlsplit(urljoin("http://testserver" + base, href))
    if url.netloc != "testserver" or url.scheme not in ("http", "https"):
        return None
    if url.path.startswith("/static/"):
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def _dedupe_key(path: str, htmx: bool):
    url = urlsplit(path)
    try:
        match = resolve(url.path)
        where = match.route
        if match.url_name in ("logout",):
            return None
        if match.namespace == "admin" and match.url_name == "logout":
            return None
    except Resolver404:
        where = url.path
    return where, urlencode(sorted(parse_qsl(url.query, keep_blank_values=True))), htmx


@pytest.mark.parametrize("role", ROLES)
def test_every_link_from_the_dashboard_answers_without_a_server_error(crawl, role):
    crawler = Crawler(_user(crawl, role), role)
    seen = set()
    queue = deque([("/", False, 0)])
    followed = 0
    while queue and followed < MAX_LINKS_PER_ROLE:
        path, htmx, depth = queue.popleft()
        key = _dedupe_key(path, htmx)
        if key is None or key in seen:
            continue
        seen.add(key)
        response, body = crawler.get(path, htmx=htmx)
        followed += 1
        if depth >= LINK_DEPTH or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        for href, is_htmx in parser.found:
            target = _same_origin_path(path, href)
            if target is not None:
                queue.append((target, is_htmx, depth + 1))
    print(f"crawl links[{role}]: {followed} followed; statuses {dict(sorted(crawler.statuses.items()))}")
    assert followed >= MIN_LINKS_PER_ROLE, f"only {followed} links followed for {role}: the crawl shrank"
    assert not crawler.failures, f"{len(crawler.failures)} server errors for {role}:\n" + "\n".join(
        crawler.failures[:80]
    )


def test_a_url_kwarg_nobody_fills_fails_the_crawl():
    route = Route(pattern="things/<int:thing_id>/", parts=[], callback=object(), name="things", kwargs=["thing_id"])

    with pytest.raises(AssertionError, match="thing_id"):
        fillings(route, None)


def test_objects_are_found_through_their_location():
    assert _location_path(Lead) == "location"
    assert _location_path(Call) == "campaign__location"
    assert _location_path(Tag) == "location"
    assert _location_path(Group) is None


# Answering someone who has not logged in: the login pages and the API's schema and docs.
PUBLIC = {"login", "admin:login", "api-schema", "api-docs"}


def test_someone_not_logged_in_gets_no_page_but_the_public_ones_and_no_server_error(crawl):
    crawler = Crawler(None, "anonymous")
    shown = []
    for route in _requestable(_routes()):
        for values in (fillings(route, crawl.a, user=crawl.a.users["admin"]) or [])[:1]:
            path = _path(route, values)
            if crawler.get(path)[0].status_code == 200 and route.name not in PUBLIC:
                shown.append(path)
    print(f"crawl[anonymous]: {crawler.requests} requests; statuses {dict(sorted(crawler.statuses.items()))}")
    assert crawler.statuses[200] == len(PUBLIC)
    assert not shown, shown
    assert not crawler.failures, crawler.failures
