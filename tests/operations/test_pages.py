"""The operation pages: history, the live page, its partials and actions."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_operation, make_ticket, make_user, run_to_end


@pytest.fixture
def finished(manager, location):
    """A completed update_status over two real tickets and one unknown id (a failure)."""
    tickets = [make_ticket(location), make_ticket(location)]
    return run_to_end(make_operation(manager, location, [t.pk for t in tickets] + [987_654]))


def url(name, operation):
    return reverse(f"operations:{name}", args=[operation.pk])


# --- History --------------------------------------------------------------------------


def test_history_of_an_empty_location_shows_the_empty_state(client_for, manager):
    response = client_for(manager).get(reverse("operations:list"))

    assert response.status_code == 200
    assert "No bulk operations yet." in response.content.decode()


def test_history_lists_the_locations_operations_and_hides_them_from_outsiders(
    client_for, manager, outsider, location, other_location
):
    ours = make_operation(manager, location, [make_ticket(location).pk])
    theirs = make_operation(outsider, other_location, [make_ticket(other_location).pk], params={"status": "closed"})

    mine = client_for(manager).get(reverse("operations:list")).content.decode()
    assert url("detail", ours) in mine
    assert url("detail", theirs) not in mine

    outside = client_for(outsider).get(reverse("operations:list")).content.decode()
    assert url("detail", ours) not in outside
    assert url("detail", theirs) in outside


def test_history_filters_by_status_type_user_and_date(client_for, manager, admin_user, location):
    ticket = make_ticket(location)
    done = run_to_end(make_operation(manager, location, [ticket.pk]))
    by_admin = make_operation(
        admin_user, location, [ticket.pk], operation_type="update_priority", params={"priority": "high"}
    )
    old = make_operation(manager, location, [ticket.pk], params={"status": "closed"})
    BulkOperation.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    client = client_for(manager)

    def listed(**query):
        body = client.get(reverse("operations:list"), query).content.decode()
        return {op for op in (done, by_admin, old) if url("detail", op) in body}

    assert listed(status="completed") == {done}
    assert listed(operation_type="update_priority") == {by_admin}
    assert listed(created_by=str(admin_user.pk)) == {by_admin}
    assert listed(created_from=(timezone.now() - datetime.timedelta(days=2)).date().isoformat()) == {done, by_admin}
    assert listed(target="tickets") == {done, by_admin, old}
    empty = client.get(reverse("operations:list"), {"status": "failed"}).content.decode()
    assert "No operations match these filters." in empty


def test_history_paginates_25_per_page_keeping_the_filters(client_for, manager, location):
    ticket = make_ticket(location)
    for _ in range(27):
        make_operation(manager, location, [ticket.pk], draft=True)
    client = client_for(manager)

    first = client.get(reverse("operations:list"), {"status": "draft"}).content.decode()
    second = client.get(reverse("operations:list"), {"status": "draft", "page": "2"}).content.decode()

    assert first.count('href="/operations/') - second.count('href="/operations/') > 0
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second
    assert "status=draft&amp;page=2" in first
    assert second.count("badge-op-draft") == 2


def test_history_answers_htmx_with_the_partial(client_for, manager, location):
    make_operation(manager, location, [make_ticket(location).pk])

    response = client_for(manager).get(reverse("operations:list"), HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="history"')
    assert "<html" not in body


def test_history_with_invalid_dates_shows_the_error_not_a_500(client_for, manager):
    response = client_for(manager).get(
        reverse("operations:list"), {"created_from": "2024-02-10", "created_to": "2024-02-01"}
    )

    assert response.status_code == 200
    assert "Must not be before the start date." in response.content.decode()


# --- The live page ----------------------------------------------------------------------


def test_live_page_shows_header_progress_counters_and_failed_records(client_for, manager, finished):
    body = client_for(manager).get(url("detail", finished)).content.decode()

    assert "Update status" in body
    assert 'role="progressbar"' in body
    assert 'aria-valuenow="100"' in body
    assert '<dd data-field="successful">2</dd>' in body
    assert '<dd data-field="failed">1</dd>' in body
    assert "Ticket not found" in body
    assert "987654" in body
    assert "/ws/bulk-operations/" in body
    assert "Download results (CSV)" in body


def test_live_page_of_a_running_operation_polls_and_offers_cancel(client_for, manager, location):
    operation = make_operation(manager, location, [make_ticket(location).pk])

    body = client_for(manager).get(url("detail", operation)).content.decode()

    assert 'hx-trigger="every 2s" data-poll-unless-socket' in body
    assert url("cancel", operation) in body
    assert url("undo", operation) not in body
    assert '<meta http-equiv="refresh"' in body  # Without JS a refresh shows progress.


def test_failed_records_link_to_existing_tickets_only(client_for, manager, location, finished):
    response = client_for(manager).get(url("items", finished), {"status": ""}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    linked = {
        item.object_id for item in finished.items.all() if reverse("tickets:detail", args=[item.object_id]) in body
    }
    assert linked == set(finished.items.exclude(object_id=987_654).values_list("object_id", flat=True))
    assert body.lstrip().startswith('<section id="operation-items"')


def test_records_are_paged_and_filtered_by_outcome(client_for, manager, location):
    tickets = [make_ticket(location) for _ in range(30)]
    operation = run_to_end(make_operation(manager, location, [t.pk for t in tickets]))
    client = client_for(manager)

    succeeded = client.get(url("items", operation), {"status": "succeeded", "page": "2"}, HTTP_HX_REQUEST="true")
    failed = client.get(url("items", operation), {"status": "failed"}, HTTP_HX_REQUEST="true")

    assert "Page 2 of 2 · 30 records" in succeeded.content.decode()
    assert succeeded.content.decode().count("badge-item-succeeded") == 5
    assert "No failed records." in failed.content.decode()


def test_progress_partial_stops_polling_and_signals_the_records_list_when_final(client_for, manager, location):
    operation = make_operation(manager, location, [make_ticket(location).pk])
    client = client_for(manager)

    running = client.get(url("progress", operation), HTTP_HX_REQUEST="true")
    assert "every 2s" in running.content.decode()
    assert "HX-Trigger" not in running.headers

    run_to_end(operation)
    final = client.get(url("progress", operation), HTTP_HX_REQUEST="true")
    assert "every 2s" not in final.content.decode()
    assert "operationFinished" in final.headers["HX-Trigger"]
    assert "Completed" in final.content.decode()


def test_results_csv_lists_every_record_outcome(client_for, manager, finished):
    response = client_for(manager).get(url("results", finished))

    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert lines[0] == "object_id,status,error_message,processed_at,name,before,after"
    assert len(lines) == 4
    assert any(line.startswith("987654,failed,Ticket not found") for line in lines)


@pytest.mark.parametrize("name", ["detail", "progress", "items", "results", "cancel", "retry", "undo", "start"])
def test_outsider_gets_404_on_every_operation_page_and_action(client_for, outsider, finished, name):
    client = client_for(outsider)

    assert client.get(url(name, finished)).status_code == 404
    if name in ("cancel", "retry", "undo", "start"):
        assert client.post(url(name, finished)).status_code == 404


def test_anonymous_user_is_sent_to_login(finished):
    response = Client().get(url("detail", finished))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- Actions ----------------------------------------------------------------------------


def test_cancel_asks_for_confirmation_then_cancels(client_for, manager, location):
    operation = make_operation(manager, location, [make_ticket(location).pk])
    client = client_for(manager)

    confirm = client.get(url("cancel", operation))
    assert confirm.status_code == 200
    assert "Cancel this operation?" in confirm.content.decode()
    operation.refresh_from_db()
    assert operation.status == OperationStatus.PENDING

    response = client.post(url("cancel", operation), follow=True)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED
    assert "Operation cancelled after 0 of 1 records." in response.content.decode()


def test_cancel_by_htmx_redirects_the_browser_to_the_live_page(client_for, manager, location):
    operation = make_operation(manager, location, [make_ticket(location).pk])

    response = client_for(manager).post(url("cancel", operation), HTTP_HX_REQUEST="true")

    assert response.headers["HX-Redirect"] == url("detail", operation)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED


def test_cancelling_a_finished_operation_is_a_message_not_an_error(client_for, manager, finished):
    response = client_for(manager).post(url("cancel", finished), follow=True)

    assert response.status_code == 200
    assert "cannot be cancelled" in response.content.decode()
    finished.refresh_from_db()
    assert finished.status == OperationStatus.COMPLETED


def test_agent_neither_views_nor_cancels_a_managers_operation(client_for, manager, agent, location):
    """The policy's operation.view_all is for managers and admins: an agent sees the operations they started."""
    operation = make_operation(manager, location, [make_ticket(location).pk])
    client = client_for(agent.user)

    assert client.get(url("detail", operation)).status_code == 404
    assert url("detail", operation) not in client.get(reverse("operations:list")).content.decode()
    for name in ("cancel", "retry", "undo", "start"):
        assert client.post(url(name, operation)).status_code == 404
    operation.refresh_from_db()
    assert operation.status == OperationStatus.PENDING


def test_actions_need_a_csrf_token(manager, location):
    operation = make_operation(manager, location, [make_ticket(location).pk])
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.post(url("cancel", operation)).status_code == 403
    operation.refresh_from_db()
    assert operation.status == OperationStatus.PENDING


def test_retry_failed_runs_a_new_operation_over_the_failures(client_for, manager, finished):
    client = client_for(manager)
    assert url("retry", finished) in client.get(url("detail", finished)).content.decode()

    response = client.post(url("retry", finished))

    retry = BulkOperation.objects.get(retry_of=finished)
    assert response["Location"] == url("detail", retry)
    assert list(retry.items.values_list("object_id", flat=True)) == [987_654]


def test_undo_restores_the_previous_values_through_a_new_operation(client_for, manager, location):
    ticket = make_ticket(location, status="open")
    operation = run_to_end(make_operation(manager, location, [ticket.pk]))
    client = client_for(manager)
    assert url("undo", operation) in client.get(url("detail", operation)).content.decode()

    response = client.post(url("undo", operation))

    undo = BulkOperation.objects.get(undo_of=operation)
    assert response["Location"] == url("detail", undo)
    run_to_end(undo)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert url("undo", operation) not in client.get(url("detail", operation)).content.decode()


def test_undo_is_not_offered_for_an_undo(client_for, manager, location):
    operation = run_to_end(make_operation(manager, location, [make_ticket(location).pk]))
    undo = run_to_end(engine.undo_operation(operation=operation, user=manager))

    body = client_for(manager).get(url("detail", undo)).content.decode()
    assert url("undo", undo) not in body
    response = client_for(manager).post(url("undo", undo), follow=True)
    assert "An undo cannot itself be undone" in response.content.decode()


def test_start_queues_a_draft(client_for, manager, location):
    draft = make_operation(manager, location, [make_ticket(location).pk], draft=True)
    client = client_for(manager)
    assert url("start", draft) in client.get(url("detail", draft)).content.decode()

    client.post(url("start", draft))

    draft.refresh_from_db()
    assert draft.status == OperationStatus.PENDING


def test_starting_beyond_the_active_limit_is_a_message(client_for, manager, location, settings):
    settings.BULK_MAX_ACTIVE_PER_USER = 1
    ticket = make_ticket(location)
    make_operation(manager, location, [ticket.pk])
    draft = make_operation(manager, location, [ticket.pk], draft=True)

    response = client_for(manager).post(url("start", draft), follow=True)

    assert "too many operations" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == OperationStatus.DRAFT


def test_another_member_manager_may_cancel(client_for, location, agent):
    boss = make_user("boss", location=location, role=Role.MANAGER)
    operation = make_operation(agent.user, location, [make_ticket(location).pk])

    client_for(boss).post(url("cancel", operation))

    operation.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED


def test_live_page_shows_parameters_by_their_labels(client_for, manager, location, agent):
    assign = make_operation(
        manager, location, [make_ticket(location).pk], operation_type="assign", params={"agent_id": agent.pk}
    )
    status = make_operation(manager, location, [make_ticket(location).pk], params={"status": "resolved"})
    client = client_for(manager)

    assert f"<dt>Agent</dt><dd>{agent.display_name}</dd>" in client.get(url("detail", assign)).content.decode()
    assert "<dt>Status</dt><dd>Resolved</dd>" in client.get(url("detail", status)).content.decode()
