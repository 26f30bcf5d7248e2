"""The generic /api/v1/bulk-operations endpoints: create by ids or filter, read, items, CSV, lifecycle."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from operations import engine
from operations.models import BulkOperation, BulkOperationItem, OperationStatus
from tests.factories import make_agent, make_ticket
from tickets.models import Ticket

URL = "/api/v1/bulk-operations"


def create(client, **body):
    body.setdefault("target", "tickets")
    return client.post(URL, body, format="json")


def create_and_run(client, **body) -> dict:
    response = create(client, **body)
    assert response.status_code == 201, response.json()
    engine.run_operation(response.json()["operation_id"])
    return client.get(f"{URL}/{response.json()['operation_id']}").json()


@pytest.fixture
def tickets(location):
    return [make_ticket(location) for _ in range(4)]


@pytest.fixture
def foreign_ticket(other_location):
    return make_ticket(other_location)


def test_create_by_ids_answers_the_operation(api_for, manager, tickets):
    response = create(
        api_for(manager),
        operation_type="update_priority",
        parameters={"priority": "high"},
        ids=[t.pk for t in tickets],
        metadata={"description": "Escalate"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["target"], body["operation_type"], body["status"], body["total"]) == (
        "tickets",
        "update_priority",
        "pending",
        4,
    )
    assert body["parameters"] == {"priority": "high"}
    assert body["selection"] == {"method": "ids"}
    assert body["created_by"] == "manager"
    assert body["results_url"] == f"/api/v1/bulk-operations/{body['operation_id']}/results.csv"


def test_create_by_filter_snapshots_the_matching_tickets_of_the_location(api_for, manager, location, foreign_ticket):
    open_tickets = [make_ticket(location, status="open") for _ in range(3)]
    make_ticket(location, status="closed")
    make_ticket(location, status="open", is_deleted=True)
    client = api_for(manager)

    response = create(client, operation_type="add_comment", parameters={"body": "Hello"}, filters={"status": "open"})
    assert response.status_code == 201, response.json()
    operation_id = response.json()["operation_id"]
    make_ticket(location, status="open")  # after the snapshot: not part of the operation
    engine.run_operation(operation_id)

    body = client.get(f"{URL}/{operation_id}").json()
    assert body["selection"] == {"method": "filter", "filters": {"status": "open"}}
    assert (body["total"], body["successful"], body["status"]) == (3, 3, "completed")
    item_ids = set(BulkOperationItem.objects.filter(operation_id=operation_id).values_list("object_id", flat=True))
    assert item_ids == {t.pk for t in open_tickets}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"operation_type": "delete"}, "ids"),
        ({"operation_type": "delete", "ids": [1], "filters": {"status": "open"}}, "ids"),
        ({"operation_type": "update_status", "parameters": {"status": "nope"}, "ids": [1]}, "status"),
        ({"operation_type": "explode", "ids": [1]}, "operation_type"),
        ({"operation_type": "delete", "ids": ["x"]}, "ids.0"),
        ({"target": "planets", "operation_type": "delete", "ids": [1]}, "target"),
    ],
)
def test_bad_requests_are_400s_with_field_errors_and_create_nothing(api_for, manager, body, field):
    response = create(api_for(manager), **body)
    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not BulkOperation.objects.exists()


def test_scheduled_for_in_the_past_is_refused_and_in_the_future_schedules(api_for, manager, tickets):
    client = api_for(manager)
    past = create(client, operation_type="delete", ids=[tickets[0].pk], scheduled_for=timezone.now() - timedelta(1))
    future = create(
        client, operation_type="delete", ids=[tickets[0].pk], scheduled_for=timezone.now() + timedelta(hours=1)
    )
    assert past.status_code == 400
    assert past.json()["errors"][0]["field"] == "scheduled_for"
    assert future.status_code == 201
    assert future.json()["status"] == "scheduled"
    assert BulkOperation.objects.count() == 1


def test_a_draft_waits_until_started_and_starts_once(api_for, manager, tickets):
    client = api_for(manager)
    draft = create(
        client, operation_type="update_status", parameters={"status": "closed"}, ids=[tickets[0].pk], draft=True
    )
    assert draft.status_code == 201
    operation_id = draft.json()["operation_id"]
    assert draft.json()["status"] == "draft"
    engine.run_operation(operation_id)  # a worker finding a draft leaves it alone
    tickets[0].refresh_from_db()
    assert tickets[0].status == "open"

    started = client.post(f"{URL}/{operation_id}/start")
    assert started.status_code == 200
    assert started.json()["status"] == "pending"
    assert client.post(f"{URL}/{operation_id}/start").status_code == 409
    engine.run_operation(operation_id)
    tickets[0].refresh_from_db()
    assert tickets[0].status == "closed"


def test_list_filters_and_pages(api_for, manager, admin_user, tickets):
    mine = api_for(manager)
    create(mine, operation_type="delete", ids=[tickets[0].pk])
    create(mine, operation_type="update_status", parameters={"status": "closed"}, ids=[tickets[1].pk])
    create(api_for(admin_user), operation_type="delete", ids=[tickets[2].pk], draft=True)

    everything = mine.get(URL).json()
    assert (everything["total"], everything["has_more"]) == (3, False)
    assert mine.get(URL, {"status": "draft"}).json()["total"] == 1
    assert mine.get(URL, {"operation_type": "delete"}).json()["total"] == 2
    assert mine.get(URL, {"mine": "true"}).json()["total"] == 2
    assert mine.get(URL, {"target": "leads"}).json()["total"] == 0
    first_page = mine.get(URL, {"limit": 2, "offset": 0}).json()
    second_page = mine.get(URL, {"limit": 2, "offset": 2}).json()
    assert (len(first_page["operations"]), first_page["has_more"]) == (2, True)
    assert (len(second_page["operations"]), second_page["has_more"]) == (1, False)
    ids = [o["operation_id"] for o in first_page["operations"] + second_page["operations"]]
    assert len(set(ids)) == 3
    assert mine.get(URL, {"limit": 0}).status_code == 400


def test_failed_items_page_with_their_reasons(api_for, manager, tickets, foreign_ticket):
    client = api_for(manager)
    missing = [foreign_ticket.pk, 999_998, 999_999]
    operation = create_and_run(
        client, operation_type="update_status", parameters={"status": "closed"}, ids=[tickets[0].pk, *missing]
    )
    items_url = f"{URL}/{operation['operation_id']}/items"

    first = client.get(items_url, {"status": "failed", "limit": 2}).json()
    rest = client.get(items_url, {"status": "failed", "limit": 2, "offset": 2}).json()
    assert (first["total"], first["has_more"], len(first["items"])) == (3, True, 2)
    assert (rest["has_more"], len(rest["items"])) == (False, 1)
    failed = first["items"] + rest["items"]
    assert sorted(i["object_id"] for i in failed) == sorted(missing)
    assert {i["error_message"] for i in failed} == {"Ticket not found"}
    succeeded = client.get(items_url, {"status": "succeeded"}).json()["items"]
    assert [(i["object_id"], i["before"]) for i in succeeded] == [(tickets[0].pk, {"status": "open"})]
    assert client.get(items_url, {"status": "exploded"}).status_code == 400


def test_results_csv_lists_every_item_and_neutralises_formulas(api_for, manager, tickets, foreign_ticket):
    client = api_for(manager)
    operation = create_and_run(client, operation_type="delete", ids=[tickets[0].pk, tickets[1].pk, foreign_ticket.pk])
    BulkOperationItem.objects.filter(operation_id=operation["operation_id"], object_id=tickets[1].pk).update(
        error_message='=HYPERLINK("http://evil.example","x")'
    )

    response = client.get(f"{URL}/{operation['operation_id']}/results.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["object_id", "status", "error_message", "processed_at", "name", "before", "after"]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert set(by_id) == {tickets[0].pk, tickets[1].pk, foreign_ticket.pk}
    assert by_id[foreign_ticket.pk][1:3] == ["failed", "Ticket not found"]
    assert by_id[foreign_ticket.pk][4:] == ["", "", ""]  # another company's ticket: not even its name
    assert by_id[tickets[0].pk][4:] == [str(tickets[0]), tickets[0].get_status_display(), "deleted"]
    assert by_id[tickets[1].pk][2] == '\'=HYPERLINK("http://evil.example","x")'
    assert all(row[3] for row in rows[1:])


def test_retry_runs_the_failures_again_as_a_new_operation(api_for, manager, location, agent, tickets):
    someone_elses = make_ticket(location, assignee=make_agent(location))
    attempt = create_and_run(
        api_for(agent.user),
        operation_type="update_priority",
        parameters={"priority": "urgent"},
        ids=[tickets[0].pk, someone_elses.pk],
    )
    assert (attempt["successful"], attempt["failed"]) == (1, 1)

    client = api_for(manager)  # a manager of the location may retry it, with a manager's rights
    response = client.post(f"{URL}/{attempt['operation_id']}/retry")
    assert response.status_code == 201, response.json()
    retry = response.json()
    assert (retry["retry_of"], retry["total"], retry["operation_type"]) == (
        attempt["operation_id"],
        1,
        "update_priority",
    )
    engine.run_operation(retry["operation_id"])
    someone_elses.refresh_from_db()
    assert someone_elses.priority == "urgent"
    assert client.post(f"{URL}/{retry['operation_id']}/retry").status_code == 409  # no failures left


def test_retry_waits_until_the_operation_has_finished(api_for, manager, tickets):
    client = api_for(manager)
    operation_id = create(client, operation_type="delete", ids=[tickets[0].pk]).json()["operation_id"]
    assert client.post(f"{URL}/{operation_id}/retry").status_code == 409


def test_undo_restores_what_the_operation_changed_once(api_for, manager, tickets):
    client = api_for(manager)
    operation = create_and_run(
        client, operation_type="update_status", parameters={"status": "closed"}, ids=[t.pk for t in tickets[:2]]
    )
    response = client.post(f"{URL}/{operation['operation_id']}/undo")
    assert response.status_code == 201, response.json()
    undo = response.json()
    assert (undo["undo_of"], undo["total"]) == (operation["operation_id"], 2)
    engine.run_operation(undo["operation_id"])

    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets[:2]]).values_list("status", flat=True)) == {"open"}
    assert client.get(f"{URL}/{undo['operation_id']}").json()["successful"] == 2
    assert client.post(f"{URL}/{operation['operation_id']}/undo").status_code == 409
    assert client.post(f"{URL}/{undo['operation_id']}/undo").status_code == 409


def test_cancel_stops_a_pending_operation(api_for, manager, tickets):
    client = api_for(manager)
    operation_id = create(client, operation_type="delete", ids=[tickets[0].pk]).json()["operation_id"]
    response = client.post(f"{URL}/{operation_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_at"]
    engine.run_operation(operation_id)
    tickets[0].refresh_from_db()
    assert not tickets[0].is_deleted
    assert client.post(f"{URL}/{operation_id}/cancel").status_code == 409


def test_an_agent_neither_sees_nor_cancels_someone_elses_operation(api_for, manager, agent, tickets):
    """The policy's operation.view_all is for managers and admins: an agent sees the operations they started."""
    operation_id = create(api_for(manager), operation_type="delete", ids=[tickets[0].pk]).json()["operation_id"]
    client = api_for(agent.user)
    assert client.get(f"{URL}/{operation_id}").status_code == 404
    assert operation_id not in {row["operation_id"] for row in client.get(URL).json()["operations"]}
    response = client.post(f"{URL}/{operation_id}/cancel")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert BulkOperation.objects.get(pk=operation_id).status == OperationStatus.PENDING


def test_same_idempotency_key_replays_and_another_body_conflicts(api_for, manager, tickets):
    client = api_for(manager)
    body = {"target": "tickets", "operation_type": "delete", "ids": [tickets[0].pk]}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(URL, {**body, "ids": [tickets[1].pk]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["operation_id"] == first.json()["operation_id"]


def test_types_lists_the_ticket_operations(api_for, manager):
    rows = api_for(manager).get(f"{URL}/types").json()
    ticket_types = {row["key"] for row in rows if row["target"] == "tickets"}
    assert ticket_types >= {"update_status", "add_comment", "assign", "update_priority", "update_category", "delete"}


def test_outsider_gets_404_everywhere_and_an_empty_list(api_for, manager, outsider, tickets):
    client = api_for(manager)
    finished = create_and_run(
        client, operation_type="update_status", parameters={"status": "closed"}, ids=[tickets[0].pk]
    )
    draft = create(client, operation_type="delete", ids=[tickets[1].pk], draft=True).json()
    stranger = api_for(outsider)

    for operation_id in (finished["operation_id"], draft["operation_id"]):
        for suffix in ("", "/items", "/items?status=failed", "/results.csv"):
            assert stranger.get(f"{URL}/{operation_id}{suffix}").status_code == 404, suffix
        for action in ("cancel", "retry", "undo", "start"):
            assert stranger.post(f"{URL}/{operation_id}/{action}").status_code == 404, action
    assert stranger.get(URL).json() == {"operations": [], "total": 0, "has_more": False}
    assert BulkOperation.objects.get(pk=draft["operation_id"]).status == OperationStatus.DRAFT


def test_outsider_cannot_select_another_tenants_tickets_by_filter(api_for, outsider, tickets):
    response = create(api_for(outsider), operation_type="delete", filters={"status": "open"})
    assert response.status_code == 201
    assert response.json()["total"] == 0


def test_unauthenticated_is_401(client):
    assert client.get(URL).status_code == 401
    assert client.post(URL, {}, content_type="application/json").status_code == 401


def test_list_and_items_are_documented_as_the_envelopes_they_answer(api_for, manager):
    schema = api_for(manager).get("/api/v1/schema/?format=json").json()

    def answer(path: str) -> set:
        ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        return set(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])

    assert answer("/api/v1/bulk-operations/") == {"operations", "total", "has_more"}
    assert answer("/api/v1/bulk-operations/{operation_id}/items/") == {"items", "total", "has_more"}


@pytest.mark.parametrize("path", ["/api/v1/tickets/bulk-operations", "/api/v1/bulk-operations", "items"])
def test_an_offset_beyond_any_database_offset_is_400(api_for, manager, tickets, path):
    client = api_for(manager)
    if path == "items":
        operation = create(client, operation_type="delete", ids=[tickets[0].pk]).json()
        path = f"{URL}/{operation['operation_id']}/items"
    response = client.get(path, {"offset": 2**70})
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["offset"]
