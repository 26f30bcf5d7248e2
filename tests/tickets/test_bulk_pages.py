"""The tickets list's bulk flow through the views: action → parameters → confirm → operation."""

import pytest
from django.urls import reverse

from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_agent, make_ticket

FORM = reverse("operations:tickets-bulk-form")
CONFIRM = reverse("operations:tickets-bulk-confirm")
CREATE = reverse("operations:tickets-bulk-create")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tickets(location):
    return [make_ticket(location, status="open") for _ in range(3)]


def test_choosing_an_action_swaps_in_its_parameter_form(client_for, manager):
    response = client_for(manager).get(FORM, {"operation_type": "update_status"}, **HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="bulk-params"')
    assert 'name="params-status"' in body
    assert '<option value="resolved">Resolved</option>' in body
    assert 'name="operation_type" value="update_status"' in body


def test_assign_form_offers_only_the_locations_agents(client_for, manager, location, other_location, agent):
    stranger = make_agent(other_location)

    body = client_for(manager).get(FORM, {"operation_type": "assign"}, **HTMX).content.decode()

    assert f'<option value="{agent.pk}">' in body
    assert f'<option value="{stranger.pk}">' not in body
    assert "Nobody (unassign)" in body


def test_comment_form_has_a_text_area_and_an_internal_checkbox(client_for, manager):
    body = client_for(manager).get(FORM, {"operation_type": "add_comment"}, **HTMX).content.decode()

    assert '<textarea name="params-body"' in body
    assert 'type="checkbox" name="params-is_internal"' in body


def test_unknown_action_renders_no_form(client_for, manager):
    response = client_for(manager).get(FORM, {"operation_type": "explode"}, **HTMX)

    assert response.status_code == 200
    assert "params-" not in response.content.decode()


def test_confirm_states_the_count_and_the_change(client_for, manager, tickets):
    data = {"operation_type": "update_status", "params-status": "resolved", "ids": [t.pk for t in tickets]}

    response = client_for(manager).post(CONFIRM, data, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Update status of 3 tickets to Resolved?" in body
    assert 'name="params-status" value="resolved"' in body
    assert BulkOperation.objects.count() == 0


def test_confirm_of_all_matching_counts_the_filter(client_for, manager, location, tickets):
    make_ticket(location, status="closed")
    data = {
        "operation_type": "update_priority",
        "params-priority": "urgent",
        "select_all": "1",
        "filter_query": "status=open",
        "ids": [tickets[0].pk],  # select_all wins over the page's checkboxes
    }

    body = client_for(manager).post(CONFIRM, data, **HTMX).content.decode()

    assert "Update priority of 3 tickets to Urgent?" in body


def test_confirm_with_bad_parameters_shows_the_form_with_errors(client_for, manager, tickets):
    data = {"operation_type": "update_status", "params-status": "exploded", "ids": [tickets[0].pk]}

    response = client_for(manager).post(CONFIRM, data, **HTMX)

    assert response.status_code == 422
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert 'name="params-status"' in body


def test_confirm_without_a_selection_is_an_error(client_for, manager):
    response = client_for(manager).post(CONFIRM, {"operation_type": "delete"}, **HTMX)

    assert response.status_code == 422
    assert "Select at least one ticket." in response.content.decode()


def test_confirm_of_an_agent_of_another_location_is_refused(client_for, manager, other_location, tickets):
    stranger = make_agent(other_location)
    data = {"operation_type": "assign", "params-agent_id": str(stranger.pk), "ids": [tickets[0].pk]}

    response = client_for(manager).post(CONFIRM, data, **HTMX)

    assert response.status_code == 422
    assert BulkOperation.objects.count() == 0


def test_the_whole_flow_creates_the_operation_and_lands_on_its_live_page(client_for, manager, tickets):
    client = client_for(manager)
    ids = [t.pk for t in tickets]
    data = {"operation_type": "update_status", "params-status": "resolved", "ids": ids}
    assert client.post(CONFIRM, data, **HTMX).status_code == 200

    response = client.post(CREATE, data)

    operation = BulkOperation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("operations:detail", args=[operation.pk])
    assert (operation.target, operation.operation_type, operation.parameters) == (
        "tickets",
        "update_status",
        {"status": "resolved"},
    )
    assert sorted(operation.items.values_list("object_id", flat=True)) == sorted(ids)
    assert operation.status == OperationStatus.PENDING
    assert operation.created_by == manager

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Update status of 3 tickets to Resolved: the operation is queued." in page.content.decode()
    engine.run_operation(operation.pk)
    assert {t.status for t in type(tickets[0]).objects.filter(pk__in=ids)} == {"resolved"}


def test_assign_flow_stores_the_agent(client_for, manager, agent, tickets):
    data = {"operation_type": "assign", "params-agent_id": str(agent.pk), "ids": [tickets[0].pk]}
    client = client_for(manager)

    assert f"Assign 1 ticket to {agent.display_name}?" in client.post(CONFIRM, data, **HTMX).content.decode()
    client.post(CREATE, data)

    assert BulkOperation.objects.get().parameters == {"agent_id": agent.pk}


def test_select_all_creates_items_for_every_matching_ticket_only(client_for, manager, location, tickets):
    closed = make_ticket(location, status="closed")
    data = {"operation_type": "delete", "select_all": "1", "filter_query": "status=open"}

    client_for(manager).post(CREATE, data)

    operation = BulkOperation.objects.get()
    assert operation.selection == {"method": "filter", "filters": {"status": "open"}}
    assert operation.metadata["filter_query"] == "status=open"
    assert set(operation.items.values_list("object_id", flat=True)) == {t.pk for t in tickets}
    assert closed.pk not in set(operation.items.values_list("object_id", flat=True))


def test_select_all_with_a_date_range_keeps_the_dates_in_the_stored_filter(client_for, manager, location, tickets):
    today = tickets[0].created_at.date().isoformat()
    data = {
        "operation_type": "update_category",
        "params-category": "billing",
        "select_all": "1",
        "filter_query": f"created_from={today}&created_to={today}",
    }

    client_for(manager).post(CREATE, data)

    operation = BulkOperation.objects.get()
    assert operation.selection == {"method": "filter", "filters": {"created_from": today, "created_to": today}}
    assert set(operation.items.values_list("object_id", flat=True)) == {t.pk for t in tickets}


def test_select_all_never_reaches_another_locations_tickets(client_for, outsider, other_location, tickets):
    theirs = make_ticket(other_location)
    data = {"operation_type": "delete", "select_all": "1", "filter_query": ""}

    client_for(outsider).post(CREATE, data)

    operation = BulkOperation.objects.get()
    assert list(operation.items.values_list("object_id", flat=True)) == [theirs.pk]


def test_ids_of_another_location_become_not_found_items(client_for, outsider, tickets):
    data = {"operation_type": "delete", "ids": [tickets[0].pk]}

    client_for(outsider).post(CREATE, data)

    operation = BulkOperation.objects.get()
    engine.run_operation(operation.pk)
    item = operation.items.get()
    assert (item.status, item.error_message) == ("failed", "Ticket not found")
    tickets[0].refresh_from_db()
    assert tickets[0].is_deleted is False


def test_too_many_active_operations_is_a_429_with_a_message(client_for, manager, tickets, settings):
    settings.BULK_MAX_ACTIVE_PER_USER = 1
    data = {"operation_type": "delete", "ids": [tickets[0].pk]}
    client = client_for(manager)
    client.post(CREATE, data)

    response = client.post(CREATE, data)

    assert response.status_code == 429
    assert "too many operations" in response.content.decode()
    assert BulkOperation.objects.count() == 1


def test_back_from_confirm_refills_the_form(client_for, manager, tickets):
    data = {"operation_type": "add_comment", "params-body": "Looked into it", "ids": [tickets[0].pk]}

    body = client_for(manager).post(FORM, data, **HTMX).content.decode()

    assert "Looked into it</textarea>" in body
    assert "field-error" not in body


def test_without_htmx_the_steps_are_full_pages_carrying_the_selection(client_for, manager, tickets):
    data = {"operation_type": "update_status", "params-status": "closed", "ids": [tickets[0].pk, tickets[1].pk]}

    body = client_for(manager).post(CONFIRM, data).content.decode()

    assert "<html" in body
    assert "Update status of 2 tickets to Closed?" in body
    assert f'name="ids" value="{tickets[1].pk}"' in body
    assert f'action="{CREATE}"' in body


def test_bulk_views_need_login(client, db):
    assert client.get(FORM).status_code == 302
    assert client.post(CREATE, {}).status_code == 302
    assert BulkOperation.objects.count() == 0


def test_create_is_post_only(client_for, manager):
    assert client_for(manager).get(CREATE).status_code == 405


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_tickets_list_bulk_bar_offers_every_ticket_operation_type_in_its_first_render(
    client_for, manager, tickets, headers
):
    """No second request loads the picker, so an action chosen at once is never lost to a late swap."""
    body = client_for(manager).get(reverse("tickets:list"), **headers).content.decode()

    assert f'action="{CONFIRM}"' in body
    for key in ("update_status", "add_comment", "assign", "update_priority", "update_category", "delete"):
        assert f'<option value="{key}">' in body
    assert '<div id="bulk-params"' in body
    assert "Loading actions" not in body


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"ids": ["12", "abc"]}, "Some selected IDs are not valid."),
        ({"select_all": "1", "filter_query": "assignee=999999"}, "The list&#x27;s filters are not valid any more"),
        ({"select_all": "1", "filter_query": "status=closed"}, "No tickets match this filter any more."),
    ],
)
def test_bad_selections_are_explained_not_500s(client_for, manager, tickets, selection, message):
    data = {"operation_type": "delete", **selection}
    client = client_for(manager)

    for path in (CONFIRM, CREATE):
        response = client.post(path, data, **HTMX)
        assert response.status_code == 422
        assert message in response.content.decode()
        full_page = client.post(path, data)
        assert full_page.status_code == 400
        assert message in full_page.content.decode()
    assert BulkOperation.objects.count() == 0


def test_an_id_beyond_the_database_range_is_refused_at_create(client_for, manager):
    data = {"operation_type": "delete", "ids": [str(2**70)]}

    response = client_for(manager).post(CREATE, data)

    assert response.status_code == 400
    assert "IDs must be positive integers" in response.content.decode()


def test_select_all_by_assignee_stores_the_agent_id_in_the_filter(client_for, manager, location, agent, tickets):
    mine = make_ticket(location, assignee=agent)
    data = {"operation_type": "delete", "select_all": "1", "filter_query": f"assignee={agent.pk}"}

    client_for(manager).post(CREATE, data)

    operation = BulkOperation.objects.get()
    assert operation.selection["filters"] == {"assignee": agent.pk}
    assert list(operation.items.values_list("object_id", flat=True)) == [mine.pk]


def test_an_agent_is_offered_only_the_ticket_types_the_policy_lets_them_start(client_for, agent, tickets):
    client = client_for(agent.user)
    choices = dict(client.get(reverse("tickets:list")).context["type_choices"])
    assert "assign" not in choices and "update_status" in choices

    ids = [ticket.pk for ticket in tickets]
    response = client.post(CONFIRM, {"operation_type": "assign", "ids": ids, "params-agent": agent.pk}, **HTMX)
    assert response.status_code == 422
    response = client.post(CREATE, {"operation_type": "assign", "ids": ids, "params-agent": agent.pk})
    assert response.status_code in (400, 403)
    assert not BulkOperation.objects.exists()
