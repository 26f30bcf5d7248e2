from agents.models import Availability
from leads.assignment import assign_lead
from tests import factories
from tickets.models import TicketAssignment

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_agents_page_shows_load_capacity_utilisation_and_edit_forms_to_managers(
    location, manager, client_for, make_agents
):
    (agent,) = make_agents(1, max_capacity=4)
    agent.user.first_name = "Zed"
    agent.user.save()
    factories.make_lead(location, owner=agent)
    factories.make_ticket(location, assignee=agent)

    response = client_for(manager).get("/agents/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Zed" in body
    assert "1 leads · 1 tickets" in body
    assert 'data-width-percent="50"' in body
    assert f'hx-post="/agents/{agent.pk}/capacity/"' in body


def test_agents_page_is_read_only_for_agents(location, agent, client_for):
    body = client_for(agent.user).get("/agents/").content.decode()
    assert agent.user.username in body
    assert "capacity/" not in body


def test_agents_page_empty_state(manager, client_for):
    body = client_for(manager).get("/agents/").content.decode()
    assert "No agents" in body


def test_outsider_does_not_see_other_tenants_agents(location, outsider, client_for, make_agents):
    (agent,) = make_agents(1)
    body = client_for(outsider).get("/agents/").content.decode()
    assert agent.user.username not in body


def test_agents_page_filters_by_team_and_availability_with_htmx_partial(location, manager, client_for, make_agents):
    team = factories.make_team(location, "North")
    (north,) = make_agents(1, team=team)
    (away,) = make_agents(1, availability=Availability.AWAY)
    client = client_for(manager)

    response = client.get("/agents/", {"team": team.pk}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert north.user.username in body and away.user.username not in body
    body = client.get("/agents/", {"availability": "away"}).content.decode()
    assert away.user.username in body and north.user.username not in body


def test_manager_edits_capacity_in_place(location, manager, client_for, make_agents):
    (agent,) = make_agents(1)
    factories.make_lead(location, owner=agent)
    factories.make_lead(location, owner=agent)

    response = client_for(manager).post(
        f"/agents/{agent.pk}/capacity/", {"max_capacity": "1", "availability": "busy"}, **HTMX
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="agent-{agent.pk}">')
    assert "below the current load (2)" in body
    agent.refresh_from_db()
    assert (agent.max_capacity, agent.availability) == (1, "busy")


def test_invalid_capacity_shows_errors_and_changes_nothing(manager, client_for, make_agents):
    (agent,) = make_agents(1)
    response = client_for(manager).post(
        f"/agents/{agent.pk}/capacity/", {"max_capacity": "-3", "availability": "asleep"}, **HTMX
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    agent.refresh_from_db()
    assert (agent.max_capacity, agent.availability) == (50, "available")


def test_agents_and_outsiders_cannot_edit(location, agent, outsider, client_for):
    data = {"max_capacity": "5", "availability": "away"}
    assert client_for(agent.user).post(f"/agents/{agent.pk}/capacity/", data).status_code == 403
    assert client_for(outsider).post(f"/agents/{agent.pk}/capacity/", data).status_code == 404
    agent.refresh_from_db()
    assert agent.max_capacity == 50


def test_lead_assignment_trail_partial(location, manager, client_for, make_agents, outsider):
    (agent,) = make_agents(1)
    lead = factories.make_lead(location)
    assign_lead(lead=lead, agent_id=agent.pk, user=manager, notes="Knows the area")

    body = client_for(manager).get(f"/agents/leads/{lead.pk}/assignments/").content.decode()

    assert "Knows the area" in body and "manual" in body and agent.display_name in body
    assert client_for(outsider).get(f"/agents/leads/{lead.pk}/assignments/").status_code == 404


def test_ticket_assignment_trail_partial(location, manager, client_for, make_agents, outsider):
    (agent,) = make_agents(1)
    ticket = factories.make_ticket(location, assignee=agent)
    TicketAssignment.objects.create(ticket=ticket, to_agent=agent, strategy="manual", reason="Expert")
    empty = factories.make_ticket(location)
    client = client_for(manager)

    assert "Expert" in client.get(f"/agents/tickets/{ticket.pk}/assignments/").content.decode()
    assert "never been assigned" in client.get(f"/agents/tickets/{empty.pk}/assignments/").content.decode()
    assert client_for(outsider).get(f"/agents/tickets/{ticket.pk}/assignments/").status_code == 404


def test_pages_need_login(client, make_agents):
    (agent,) = make_agents(1)
    assert client.get("/agents/").status_code == 302
    assert client.post(f"/agents/{agent.pk}/capacity/", {"max_capacity": "1"}).status_code == 302


def test_ticket_page_loads_the_assignment_trail(location, manager, client_for):
    ticket = factories.make_ticket(location)
    body = client_for(manager).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'hx-get="/agents/tickets/{ticket.pk}/assignments/"' in body
