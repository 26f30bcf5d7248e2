import pytest
from django.utils import timezone

from agents.capacity import load_of
from tests import factories
from tickets.models import Comment, Ticket, TicketAssignment


def test_create_numbers_tickets_per_location(location, other_location, manager, outsider, api_for):
    factories.make_ticket(location, number=41)
    factories.make_ticket(other_location, number=7)
    first = api_for(manager).post("/api/v1/tickets", {"subject": "Printer on fire"}, format="json")
    second = api_for(manager).post("/api/v1/tickets/", {"subject": "Still on fire"}, format="json")
    foreign = api_for(outsider).post("/api/v1/tickets", {"subject": "Elsewhere"}, format="json")
    assert (first.status_code, second.status_code, foreign.status_code) == (201, 201, 201)
    assert (first.json()["number"], second.json()["number"], foreign.json()["number"]) == (42, 43, 8)
    assert first.json()["status"] == "open"


def test_create_validates_choices_and_assignee_tenant(manager, foreign, api_for, error_fields):
    payload = {
        "subject": "",
        "priority": "meh",
        "category": "x",
        "assignee": foreign["agent"].pk,
        "requester_email": "bad",
    }
    response = api_for(manager).post("/api/v1/tickets", payload, format="json")
    assert response.status_code == 400
    assert error_fields(response) == {"subject", "priority", "category", "assignee", "requester_email"}


def test_list_excludes_soft_deleted_and_detail_is_404(location, manager, api_for):
    alive = factories.make_ticket(location, number=1)
    gone = factories.make_ticket(location, number=2, is_deleted=True, deleted_at=timezone.now())
    client = api_for(manager)
    assert [row["id"] for row in client.get("/api/v1/tickets").json()["results"]] == [alive.pk]
    assert client.get(f"/api/v1/tickets/{gone.pk}").status_code == 404
    assert client.patch(f"/api/v1/tickets/{gone.pk}", {"status": "open"}, format="json").status_code == 404


def test_filters_narrow_the_list(location, manager, agent, api_for):
    urgent = factories.make_ticket(
        location, number=1, subject="Login broken", priority="urgent", category="technical", assignee=agent
    )
    billing = factories.make_ticket(
        location, number=2, subject="Refund", status="pending", category="billing", requester_email="payer@example.com"
    )
    client = api_for(manager)

    def ids(**params):
        response = client.get("/api/v1/tickets", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="pending") == {billing.pk}
    assert ids(status=["pending", "open"]) == {billing.pk, urgent.pk}
    assert ids(priority="urgent") == {urgent.pk}
    assert ids(category="billing") == {billing.pk}
    assert ids(assignee=agent.pk) == {urgent.pk}
    assert ids(unassigned="true") == {billing.pk}
    assert ids(q="login") == {urgent.pk}
    assert ids(q="payer@") == {billing.pk}
    assert ids(q="#2") == {billing.pk}


def test_detail_counts_comments(location, manager, api_for):
    ticket = factories.make_ticket(location, number=1)
    Comment.objects.create(ticket=ticket, body="First", author=manager)
    body = api_for(manager).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert body["comment_count"] == 1
    assert body["number"] == 1


@pytest.mark.parametrize("method", ["put", "patch"])
def test_manager_updates_any_ticket(method, location, manager, agent, api_for):
    ticket = factories.make_ticket(location, number=1, subject="Old", assignee=agent)
    payload = {"subject": "New", "status": "resolved", "assignee": agent.pk}
    response = getattr(api_for(manager), method)(f"/api/v1/tickets/{ticket.pk}", payload, format="json")
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.status, ticket.assignee) == ("New", "resolved", agent)
    assert response.json()["assignee_name"] == "agent1"
    assert not TicketAssignment.objects.exists()


# --- The assignee changes only through the assignment service (capacity, availability, audit) ---


@pytest.mark.parametrize("method", ["patch", "put"])
def test_updates_naming_a_new_assignee_are_refused_and_cannot_overfill_an_agent(
    method, location, manager, agent, api_for
):
    agent.max_capacity = 3
    agent.save()
    tickets = [factories.make_ticket(location) for _ in range(6)]
    client = api_for(manager)
    for ticket in tickets:
        body = {"subject": ticket.subject, "assignee": agent.pk}
        response = getattr(client, method)(f"/api/v1/tickets/{ticket.pk}", body, format="json")
        assert response.status_code == 400, response.json()
        (error,) = response.json()["errors"]
        assert error["field"] == "assignee"
        assert "/api/v1/tickets/bulk-operations" in error["message"]
    assert load_of(agent).load == 0
    assert not TicketAssignment.objects.exists()


def test_unassigning_or_moving_a_ticket_through_the_record_api_is_refused(
    location, manager, agent, other_agent, api_for
):
    ticket = factories.make_ticket(location, assignee=agent)
    for assignee in (None, other_agent.pk):
        response = api_for(manager).patch(f"/api/v1/tickets/{ticket.pk}", {"assignee": assignee}, format="json")
        assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent


def test_create_with_an_assignee_goes_through_the_assignment_service(location, manager, agent, api_for):
    agent.max_capacity = 2
    agent.save()
    client = api_for(manager)
    body = {"subject": "New", "assignee": agent.pk}
    created = [client.post("/api/v1/tickets", body, format="json") for _ in range(3)]
    assert [r.status_code for r in created] == [201, 201, 400]
    (error,) = created[2].json()["errors"]
    assert error["field"] == "assignee"
    assert "capacity" in error["message"]
    assert Ticket.objects.count() == 2
    assert load_of(agent).load == 2
    rows = TicketAssignment.objects.order_by("pk")
    assert [(row.from_agent, row.to_agent, row.assigned_by) for row in rows] == [(None, agent, manager)] * 2


def test_create_with_an_offline_assignee_is_refused(location, manager, agent, api_for):
    agent.availability = "offline"
    agent.save()
    response = api_for(manager).post("/api/v1/tickets", {"subject": "A", "assignee": agent.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "assignee"
    assert not Ticket.objects.exists()


def test_an_agent_may_open_a_ticket_but_not_assign_it(location, agent, other_agent, api_for):
    client = api_for(agent.user)
    response = client.post("/api/v1/tickets", {"subject": "A", "assignee": other_agent.pk}, format="json")
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_agent_updates_own_and_unassigned_tickets_only(location, agent, other_agent, api_for):
    own = factories.make_ticket(location, number=1, assignee=agent)
    unassigned = factories.make_ticket(location, number=2)
    theirs = factories.make_ticket(location, number=3, assignee=other_agent)
    client = api_for(agent.user)
    assert client.patch(f"/api/v1/tickets/{own.pk}", {"status": "pending"}, format="json").status_code == 200
    assert client.patch(f"/api/v1/tickets/{unassigned.pk}", {"status": "pending"}, format="json").status_code == 200
    response = client.patch(f"/api/v1/tickets/{theirs.pk}", {"status": "pending"}, format="json")
    assert response.status_code == 403
    assert "assigned" in response.json()["detail"]
    assert Ticket.objects.get(pk=theirs.pk).status == "open"


def test_list_answers_comment_count_and_requester_email_as_documented(location, manager, api_for):
    factories.make_ticket(location, requester_email="")
    client = api_for(manager)
    (row,) = client.get("/api/v1/tickets").json()["results"]
    assert (row["comment_count"], row["requester_email"]) == (None, "")
    schemas = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]
    fields = schemas["TicketOutput"]["properties"]
    assert fields["comment_count"]["nullable"] is True
    assert "format" not in fields["requester_email"]
