"""Cross-site request forgery: a POST without the CSRF token is refused by every view, and changes nothing.

The routes are read from the project's URLconf (pages and API) and the admin's registry, not
listed by hand, so a view added tomorrow is checked too. tests/operations/test_pages.py checks the
operation actions alone.
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from campaigns import services as campaigns
from campaigns.models import Call, DoNotCallEntry
from leads.models import MessageTemplate
from notifications.models import Notification
from operations import engine
from tests import factories
from webhooks.models import Webhook, WebhookDelivery

APPS = ("accounts", "agents", "leads", "tickets", "operations", "campaigns", "notifications", "auth", "sessions")
# Not cookie-authenticated, so nothing to forge: they take credentials or a Twilio signature.
API_WITHOUT_SESSION = ("api/v1/auth/token/", "api/v1/auth/token/refresh/", "api/v1/campaigns/webhooks/")
UNSAFE = ("post", "put", "patch", "delete")


def _routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


PAGE_ROUTES = sorted(
    route for route, _ in _routes() if not route.startswith(("api/", "admin/")) and not route.startswith("^")
)
API_ROUTES = sorted(
    (route, method)
    for route, pattern in _routes()
    if route.startswith("api/v1/")
    and route.endswith("/")  # each endpoint once: its slashed route
    and not route.startswith(API_WITHOUT_SESSION)
    and hasattr(pattern.callback, "cls")
    for method in UNSAFE
    if hasattr(pattern.callback.cls, method)
)
ADMIN_VIEWS = sorted(
    (model._meta.label, view) for model in admin.site._registry for view in ("add", "change", "delete", "changelist")
)


@pytest.fixture
def records(location, manager, agent):
    lead = factories.make_lead(location)
    ticket = factories.make_ticket(location)
    campaign, _ = campaigns.create_campaign(
        location=location, user=manager, file_bytes=b"phone\n+12125550101\n", filename="c.csv"
    )
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="update_status",
        params={"status": "closed"},
        ids=[ticket.pk],
    )
    webhook = Webhook.objects.create(location=location, url="https://hooks.example.com/x", events=[], secret="s")
    return {
        "agent": agent,
        "lead": lead,
        "ticket": ticket,
        "tag": factories.make_tag(location),
        "template": MessageTemplate.objects.create(location=location, name="T", body="Hi"),
        "campaign": campaign,
        "contact": campaign.contacts.get(),
        "call": Call.objects.create(campaign=campaign, contact=campaign.contacts.get(), attempt=1, backend="fake"),
        "operation": operation,
        "lead_import": factories.make_import_row(location).lead_import,
        "do_not_call": DoNotCallEntry.objects.create(location=location, phone="+12125550199", reason="Asked"),
        "webhook": webhook,
        "delivery": WebhookDelivery.objects.create(webhook=webhook, event="campaign.completed", payload={}),
        "notification": Notification.objects.create(
            recipient=manager, location=location, operation=operation, kind="completed", text="Done."
        ),
    }


PK_OWNERS = {"agents": "agent", "leads": "lead", "tickets": "ticket", "tags": "tag", "templates": "template"}
PK_OWNERS["message-templates"] = "template"
PK_OWNERS["do-not-call"] = "do_not_call"
KWARG_OWNERS = {
    "campaign_id": "campaign",
    "contact_id": "contact",
    "call_id": "call",
    "lead_id": "lead",
    "ticket_id": "ticket",
    "operation_id": "operation",
    "import_id": "lead_import",
    "webhook_id": "webhook",
    "delivery_id": "delivery",
    "notification_id": "notification",
}


def url_of(route: str, records: dict) -> str:
    """The route with its parameters filled by real records (`pk` by the segment before it)."""

    def fill(match):
        name = match.group("name")
        if name == "action":
            return "delete"
        if name == "target":  # the bulk flow's target
            return "tickets"
        segment = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return str(records[PK_OWNERS[segment] if name == "pk" else KWARG_OWNERS[name]].pk)

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)


def snapshot() -> dict:
    """Row counts of every model, and what a forged request could change in the rows."""
    state = {
        model._meta.label: model.objects.count() for label in APPS for model in apps.get_app_config(label).get_models()
    }
    for label, fields in {
        "leads.Lead": ("stage", "owner_id", "updated_at"),
        "leads.MessageTemplate": ("name", "updated_at"),
        "tickets.Ticket": ("status", "is_deleted", "updated_at"),
        "campaigns.Campaign": ("state", "updated_at"),
        "agents.Agent": ("max_capacity", "availability"),
        "operations.BulkOperation": ("status", "cancelled_at"),
        "notifications.Notification": ("read_at",),
        "auth.User": ("password", "is_active"),
    }.items():
        state[f"{label} rows"] = sorted(map(str, apps.get_model(label).objects.values_list(*fields)))
    return state


def strict_client(user, api=False):
    client = (APIClient if api else Client)(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csrf_token(client) -> str:
    client.get("/")  # any page with a form sets the cookie
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_a_page_refuses_a_post_without_the_csrf_token(route, records, manager):
    url = url_of(route, records)
    client = strict_client(manager)
    form = {"name": "Forged", "stage": "won", "status": "closed", "max_capacity": "0", "body": "Forged"}
    before = snapshot()

    response = client.post(url, form)
    assert response.status_code == 403, url
    assert b"CSRF verification failed" in response.content
    assert snapshot() == before

    # The control: the same request with the token gets past the check (whatever the view then says).
    with_token = client.post(url, {**form, "csrfmiddlewaretoken": csrf_token(client)})
    assert b"CSRF verification failed" not in body_of(with_token)


@pytest.mark.parametrize(("route", "method"), API_ROUTES)
def test_an_api_call_with_a_session_cookie_and_no_csrf_token_is_refused(route, method, records, manager):
    url = url_of(route, records)
    client = strict_client(manager, api=True)
    before = snapshot()

    response = getattr(client, method)(url, {"name": "Forged"}, format="json")
    assert response.status_code == 403, url
    assert response.json()["detail"].startswith("CSRF Failed")
    assert set(response.json()) == {"detail", "errors"}
    assert snapshot() == before

    with_token = getattr(client, method)(url, {"name": "Forged"}, format="json", HTTP_X_CSRFTOKEN=csrf_token(client))
    assert b"CSRF" not in body_of(with_token)


@pytest.mark.parametrize(("model", "view"), ADMIN_VIEWS)
def test_an_admin_form_refuses_a_post_without_the_csrf_token(model, view, records, db):
    root = factories.make_user("root", is_superuser=True, is_staff=True)
    model_class = apps.get_model(model)
    obj = model_class.objects.first()
    name = f"admin:{model_class._meta.app_label}_{model_class._meta.model_name}_{view}"
    # The check comes before the view: a model without rows is checked on a made-up key.
    url = reverse(name, args=[obj.pk if obj else 1]) if view in ("change", "delete") else reverse(name)
    data = {"action": "delete_selected", "_selected_action": [obj.pk] if obj else [], "post": "yes"}
    client = strict_client(root)
    before = snapshot()

    response = client.post(url, data)
    assert response.status_code == 403, url
    assert b"CSRF verification failed" in response.content
    assert snapshot() == before


def test_the_enumeration_finds_the_forms_that_matter():
    """The lists above come from the URLconf: this guards against them silently coming out empty."""
    assert {"login/", "logout/", "campaigns/new/", "leads/bulk/", "operations/<uuid:operation_id>/cancel/"} <= set(
        PAGE_ROUTES
    )
    assert ("api/v1/bulk-operations/", "post") in API_ROUTES
    assert ("api/v1/campaigns/<int:campaign_id>/", "delete") in API_ROUTES
    assert len(ADMIN_VIEWS) >= 4 * 10
