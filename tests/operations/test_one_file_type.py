"""Adding an operation type is one file: a throwaway type, declared here for leads and for tickets
(a decimal, a list and a choice parameter), works in the API, the bulk flow (form, preview, run),
the live page, results, undo, admin and analytics, with nothing else told about its fields."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework import serializers

from accounts.models import Role
from operations import engine
from operations.field_types import SetFieldType
from operations.models import BulkOperation, OperationStatus
from operations.registry import register, unregister
from tests import factories

# --- The type: this is all of it ----------------------------------------------------------------


class _Throwaway(SetFieldType):
    """Sets one field from its parameters; the list is only stored and shown."""

    key = "throwaway"
    label = "Throwaway adjust"
    description = "A type declared in one test file."

    class Params(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
        labels = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=5)
        level = serializers.ChoiceField(choices=[("low", "Low"), ("high", "High")])


class ThrowawayLeads(_Throwaway):
    target = "leads"
    field_name = "budget"

    def value(self, ctx):
        return Decimal(ctx.params["amount"])


class ThrowawayTickets(_Throwaway):
    target = "tickets"
    field_name, param = "priority", "level"


TYPES = {"leads": ThrowawayLeads, "tickets": ThrowawayTickets}
PARAMS = {"amount": "1250.50", "labels": ["north", "q3"], "level": "high"}
FORM = {"params-amount": "1250.50", "params-labels": "north, q3", "params-level": "high"}


@pytest.fixture(autouse=True)
def throwaway():
    """Registered for this module's tests only: other tests never see it."""
    for cls in TYPES.values():
        register(cls)
    yield
    for cls in TYPES.values():
        unregister(cls)


@pytest.fixture(params=["leads", "tickets"])
def target(request):
    return request.param


@pytest.fixture
def records(target, location):
    if target == "leads":
        return [factories.make_lead(location, budget=Decimal("10")) for _ in range(3)]
    return [factories.make_ticket(location, priority="low") for _ in range(3)]


def changed(target, records) -> list:
    field = "budget" if target == "leads" else "priority"
    for record in records:
        record.refresh_from_db()
    return [getattr(record, field) for record in records]


SET = {"leads": Decimal("1250.50"), "tickets": "high"}
BEFORE = {"leads": Decimal("10.00"), "tickets": "low"}


def test_the_api_creates_validates_and_runs_it(api_for, manager, target, records):
    api = api_for(manager)
    ids = [record.pk for record in records]
    bad = api.post(
        "/api/v1/bulk-operations",
        {"target": target, "operation_type": "throwaway", "parameters": {**PARAMS, "amount": "-1"}, "ids": ids},
        format="json",
    )
    assert bad.status_code == 400 and "amount" in str(bad.json()["errors"])

    response = api.post(
        "/api/v1/bulk-operations",
        {"target": target, "operation_type": "throwaway", "parameters": PARAMS, "ids": ids},
        format="json",
    )
    assert response.status_code == 201, response.json()
    engine.run_operation(response.json()["operation_id"])

    body = api.get(f"/api/v1/bulk-operations/{response.json()['operation_id']}").json()
    assert (body["status"], body["successful"], body["parameters"]) == ("completed", 3, PARAMS)
    assert changed(target, records) == [SET[target]] * 3


def test_the_bulk_flow_renders_its_form_previews_and_runs_it(client_for, manager, target, records):
    client = client_for(manager)
    page = client.get(reverse("operations:builder", args=[target]), {"operation_type": "throwaway"})
    html = page.content.decode()
    assert '<option value="throwaway" selected>Throwaway adjust</option>' in html
    assert 'name="params-amount"' in html and 'name="params-labels"' in html
    assert '<option value="high">High</option>' in html

    data = {"operation_type": "throwaway", "method": "ids", "pasted_ids": " ".join(str(r.pk) for r in records)}
    bad = client.post(reverse("operations:builder-preview", args=[target]), {**data, **FORM, "params-amount": "x"})
    assert bad.context["preview"] is None
    preview = client.post(reverse("operations:builder-preview", args=[target]), {**data, **FORM}).context["preview"]
    assert preview.counts == {"succeeded": 3, "skipped": 0, "failed": 0}
    shown = {"leads": ("10.00", "1250.50"), "tickets": ("Low", "High")}[target]
    assert (preview.sample[0].before, preview.sample[0].after) == shown
    assert changed(target, records) == [BEFORE[target]] * 3  # a preview writes nothing

    response = client.post(reverse("operations:builder", args=[target]), {**data, **FORM})
    operation = BulkOperation.objects.get()
    assert response["Location"] == reverse("operations:detail", args=[operation.pk])
    assert operation.parameters == PARAMS  # the same shape as the API's
    engine.run_operation(operation.pk)
    assert changed(target, records) == [SET[target]] * 3


def _run(manager, target, records) -> BulkOperation:
    operation, _ = engine.create_operation(
        user=manager,
        location=records[0].location,
        target=target,
        operation_type="throwaway",
        params=PARAMS,
        ids=[r.pk for r in records],
    )
    engine.run_operation(operation.pk)
    operation.refresh_from_db()
    return operation


def test_live_page_results_and_undo(client_for, api_for, manager, target, records):
    operation = _run(manager, target, records)
    client = client_for(manager)

    page = client.get(reverse("operations:detail", args=[operation.pk])).content.decode()
    assert "Throwaway adjust" in page
    for shown in ("1250.50", "north, q3", "High"):
        assert shown in page
    assert reverse("operations:undo", args=[operation.pk]) in page

    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(client.get(reverse("operations:results", args=[operation.pk])).streaming_content).decode()
            )
        )
    )
    assert len(rows) == 3
    items = api_for(manager).get(f"/api/v1/bulk-operations/{operation.pk}/items").json()
    assert {item["status"] for item in items["items"]} == {"succeeded"}

    undo = engine.undo_operation(operation=operation, user=manager)
    engine.run_operation(undo.pk)
    undo.refresh_from_db()
    assert (undo.status, undo.successful) == (OperationStatus.COMPLETED, 3)
    assert changed(target, records) == [BEFORE[target]] * 3


def test_admin_and_analytics_show_it(client_for, api_for, manager, location, target, records):
    operation = _run(manager, target, records)
    staff = factories.make_user("staffer", location=location, role=Role.ADMIN, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_bulkoperation"))

    change = client_for(staff).get(reverse("admin:operations_bulkoperation_change", args=[operation.pk]))
    assert change.status_code == 200
    assert "Level: High" in change.content.decode() and "Labels: north, q3" in change.content.decode()
    listing = client_for(staff).get(reverse("admin:operations_bulkoperation_changelist")).content.decode()
    assert "Throwaway adjust" in listing

    analytics = api_for(manager).get("/api/v1/bulk-operations/analytics").content.decode()
    assert "Throwaway adjust" in analytics
