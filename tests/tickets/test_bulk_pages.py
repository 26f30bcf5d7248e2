"""Tickets through the one bulk flow (operations.bulk_views): the list's bar → the bulk page's
selection (checked, all matching, pasted IDs, a file) → type → parameters → preview → run."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_agent, make_ticket

PAGE = reverse("operations:builder", args=["tickets"])
PARAMS = reverse("operations:builder-params", args=["tickets"])
COUNT = reverse("operations:builder-count", args=["tickets"])
PREVIEW = reverse("operations:builder-preview", args=["tickets"])
# The bar's first addresses, kept for clients that post to them.
FORM = reverse("operations:tickets-bulk-form")
CONFIRM = reverse("operations:tickets-bulk-confirm")
CREATE = reverse("operations:tickets-bulk-create")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tickets(location):
    return [make_ticket(location, status="open") for _ in range(3)]


def pasted(tickets, **fields):
    return {"method": "ids", "pasted_ids": "\n".join(str(t.pk) for t in tickets), **fields}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_the_list_bar_sends_the_selection_to_the_bulk_page_with_every_type(client_for, manager, tickets, headers):
    body = client_for(manager).get(reverse("tickets:list"), **headers).content.decode()

    assert f'action="{PAGE}"' in body
    for key in ("update_status", "add_comment", "assign", "update_priority", "update_category", "delete"):
        assert f'<option value="{key}">' in body


def test_the_page_offers_every_way_of_selecting(client_for, manager, tickets):
    response = client_for(manager).get(PAGE, {"ids": [tickets[0].pk], "operation_type": "update_status"})

    assert response.status_code == 200
    methods = dict(response.context["form"].fields["method"].choices)
    assert set(methods) == {"ids", "filter", "file", "list"}
    assert response.context["form"].initial["ids"] == str(tickets[0].pk)
    assert 'name="params-status"' in response.text
    assert '<option value="resolved">Resolved</option>' in response.text


def test_choosing_a_type_swaps_in_its_parameter_form(client_for, manager, location, other_location, agent):
    client, stranger = client_for(manager), make_agent(other_location)

    comment = client.get(PARAMS, {"operation_type": "add_comment"}, **HTMX).content.decode()
    assign = client.get(PARAMS, {"operation_type": "assign"}, **HTMX).content.decode()

    assert '<textarea name="params-body"' in comment and 'type="checkbox" name="params-is_internal"' in comment
    assert f'<option value="{agent.pk}">' in assign and f'<option value="{stranger.pk}">' not in assign
    assert "Nobody (unassign)" in assign


def test_an_unknown_type_renders_no_form_and_never_another_types(client_for, manager):
    response = client_for(manager).get(PARAMS, {"operation_type": "explode"}, **HTMX)

    assert response.status_code == 200
    assert "params-" not in response.content.decode()


def test_pasted_ids_are_counted_and_strangers_reported(client_for, manager, tickets, other_location):
    theirs = make_ticket(other_location)
    data = {"operation_type": "delete", "method": "ids", "pasted_ids": f"{tickets[0].pk}\n{theirs.pk}\nabc"}

    response = client_for(manager).post(COUNT, data, **HTMX)

    assert response.context["count"] == 1
    assert response.context["selection"].unknown == [str(theirs.pk), "abc"]
    assert "</strong> ticket selected" in response.content.decode()


def test_a_file_of_ids_selects_tickets(client_for, manager, tickets):
    upload = SimpleUploadedFile("ids.csv", f"id\n{tickets[0].pk}\n{tickets[1].pk}\n".encode())
    data = {"operation_type": "delete", "method": "file", "upload": upload}

    response = client_for(manager).post(COUNT, data, **HTMX)

    assert response.context["count"] == 2


def test_preview_states_the_question_before_and_after_and_writes_nothing(client_for, manager, tickets):
    tickets[0].status = "resolved"
    tickets[0].save()
    data = pasted(tickets, operation_type="update_status", **{"params-status": "resolved"})

    response = client_for(manager).post(PREVIEW, data, **HTMX)

    preview = response.context["preview"]
    assert response.context["question"] == "Update status of 3 tickets to Resolved?"
    assert preview.counts == {"succeeded": 2, "skipped": 1, "failed": 0}
    assert ("skipped", "Already Resolved", 1) in preview.reasons
    row = next(row for row in preview.sample if row.status == "succeeded")
    assert (row.before, row.after, row.url) == ("Open", "Resolved", reverse("tickets:detail", args=[row.record.pk]))
    assert {t.status for t in type(tickets[0]).objects.all()} == {"open", "resolved"}
    assert not BulkOperation.objects.exists()


def test_preview_of_all_matching_counts_the_filter(client_for, manager, location, tickets):
    make_ticket(location, status="closed")
    data = {
        "operation_type": "update_priority",
        "params-priority": "urgent",
        "method": "list",
        "select_all": "on",
        "filter_query": "status=open",
    }

    response = client_for(manager).post(PREVIEW, data, **HTMX)

    assert response.context["question"] == "Update priority of 3 tickets to Urgent?"


def test_preview_with_bad_parameters_says_so(client_for, manager, tickets):
    data = pasted(tickets, operation_type="update_status", **{"params-status": "exploded"})

    response = client_for(manager).post(PREVIEW, data, **HTMX)

    assert response.context["preview"] is None
    assert "Check the operation&#x27;s parameters." in response.content.decode()


def test_an_agent_of_another_location_is_refused(client_for, manager, other_location, tickets):
    stranger = make_agent(other_location)
    data = pasted(tickets[:1], operation_type="assign", **{"params-agent_id": str(stranger.pk)})

    response = client_for(manager).post(PAGE, data)

    assert response.status_code == 400
    assert not BulkOperation.objects.exists()


def test_run_creates_the_operation_and_lands_on_its_live_page(client_for, manager, tickets):
    client, ids = client_for(manager), [t.pk for t in tickets]

    response = client.post(PAGE, pasted(tickets, operation_type="update_status", **{"params-status": "resolved"}))

    operation = BulkOperation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("operations:detail", args=[operation.pk])
    assert (operation.target, operation.operation_type, operation.parameters) == (
        "tickets",
        "update_status",
        {"status": "resolved"},
    )
    assert sorted(operation.items.values_list("object_id", flat=True)) == sorted(ids)
    assert (operation.status, operation.created_by) == (OperationStatus.PENDING, manager)
    assert "Operation started: 3 tickets." in client.get(response["Location"]).content.decode()
    engine.run_operation(operation.pk)
    assert {t.status for t in type(tickets[0]).objects.filter(pk__in=ids)} == {"resolved"}


def test_draft_and_schedule(client_for, manager, tickets):
    client = client_for(manager)
    base = pasted(tickets, operation_type="delete")

    client.post(PAGE, {**base, "action": "draft"})
    client.post(PAGE, {**base, "action": "schedule", "scheduled_for": "2099-01-01T09:00"})

    assert sorted(BulkOperation.objects.values_list("status", flat=True)) == ["draft", "scheduled"]


def test_select_all_from_the_list_creates_items_for_every_matching_ticket_only(client_for, manager, location, tickets):
    closed = make_ticket(location, status="closed")
    # The bar's own shape (repeated ids, select_all=1), as it posts to its first address.
    data = {"operation_type": "delete", "select_all": "1", "filter_query": "status=open", "ids": [closed.pk]}

    client_for(manager).post(CREATE, data)

    operation = BulkOperation.objects.get()
    assert operation.selection == {"method": "filter", "filters": {"status": "open"}}
    assert operation.metadata["filter_query"] == "status=open"
    assert set(operation.items.values_list("object_id", flat=True)) == {t.pk for t in tickets}


def test_select_all_never_reaches_another_locations_tickets(client_for, outsider, other_location, tickets):
    theirs = make_ticket(other_location)

    client_for(outsider).post(CREATE, {"operation_type": "delete", "select_all": "1", "filter_query": ""})

    operation = BulkOperation.objects.get()
    assert list(operation.items.values_list("object_id", flat=True)) == [theirs.pk]


def test_another_locations_ids_select_nothing(client_for, outsider, tickets):
    response = client_for(outsider).post(PAGE, pasted(tickets[:1], operation_type="delete"))

    assert response.status_code == 400
    assert "is a ticket here" in response.content.decode()
    assert not BulkOperation.objects.exists()


def test_too_many_active_operations_is_a_429_with_a_message(client_for, manager, tickets, settings):
    settings.BULK_MAX_ACTIVE_PER_USER = 1
    client = client_for(manager)
    client.post(PAGE, pasted(tickets[:1], operation_type="delete"))

    response = client.post(PAGE, pasted(tickets[1:2], operation_type="delete"))

    assert response.status_code == 429
    assert "too many operations" in response.content.decode()
    assert BulkOperation.objects.count() == 1


@pytest.mark.parametrize("path", [FORM, CONFIRM])
def test_the_bars_first_steps_lead_to_the_bulk_page_with_the_selection(client_for, manager, tickets, path):
    data = {"operation_type": "add_comment", "params-body": "Looked into it", "ids": [tickets[0].pk]}

    response = client_for(manager).post(path, data)

    assert response.status_code == 302 and response["Location"].startswith(PAGE + "?")
    page = client_for(manager).get(response["Location"])
    assert "Looked into it</textarea>" in page.content.decode()
    assert page.context["form"].initial["ids"] == str(tickets[0].pk)
    assert "field-error" not in page.content.decode()


def test_bulk_views_need_login(client, db):
    assert client.get(PAGE).status_code == 302
    assert client.post(CREATE, {}).status_code == 302
    assert BulkOperation.objects.count() == 0


def test_an_agent_is_offered_only_the_ticket_types_the_policy_lets_them_start(client_for, agent, tickets):
    client = client_for(agent.user)
    assert "assign" not in dict(client.get(reverse("tickets:list")).context["type_choices"])
    assert "assign" not in dict(client.get(PAGE).context["form"].fields["operation_type"].choices)

    response = client.post(PAGE, pasted(tickets, operation_type="assign", **{"params-agent_id": agent.pk}))

    assert response.status_code == 400
    assert not BulkOperation.objects.exists()
