"""The ticket `assign` bulk operation follows the capacity rules and writes the audit trail."""

from agents.models import Availability
from operations import engine
from operations.models import ItemStatus, OperationStatus
from tests import factories
from tickets.models import Ticket, TicketAssignment


def test_ticket_assign_stops_at_capacity_counting_leads_too(location, manager, make_agents):
    (agent,) = make_agents(1, max_capacity=3)
    factories.make_lead(location, owner=agent)
    tickets = [factories.make_ticket(location) for _ in range(4)]

    operation = factories.run_to_end(
        factories.make_operation(
            manager, location, [t.pk for t in tickets], operation_type="assign", params={"agent_id": agent.pk}
        )
    )

    assert operation.status == OperationStatus.COMPLETED
    assert (operation.successful, operation.failed) == (2, 2)
    errors = set(operation.items.filter(status=ItemStatus.FAILED).values_list("error_message", flat=True))
    assert errors == {f"{agent.display_name} is at capacity (3/3)."}
    assert Ticket.objects.filter(assignee=agent).count() == 2
    rows = TicketAssignment.objects.filter(operation=operation)
    assert sorted(rows.values_list("ticket_id", flat=True)) == sorted(
        Ticket.objects.filter(assignee=agent).values_list("pk", flat=True)
    )
    assert {(r.to_agent_id, r.assigned_by_id, r.strategy) for r in rows} == {(agent.pk, manager.pk, "manual")}


def test_ticket_assign_to_an_offline_agent_fails_every_ticket(location, manager, make_agents):
    (agent,) = make_agents(1, availability=Availability.OFFLINE)
    ticket = factories.make_ticket(location)
    operation = factories.run_to_end(
        factories.make_operation(manager, location, [ticket.pk], operation_type="assign", params={"agent_id": agent.pk})
    )
    assert operation.failed == 1
    assert "offline" in operation.items.get().error_message
    assert TicketAssignment.objects.count() == 0


def test_ticket_assign_undo_restores_previous_assignees_and_audits_it(location, manager, make_agents):
    old, new = make_agents(2)
    ticket = factories.make_ticket(location, assignee=old)
    operation = factories.run_to_end(
        factories.make_operation(manager, location, [ticket.pk], operation_type="assign", params={"agent_id": new.pk})
    )
    ticket.refresh_from_db()
    assert ticket.assignee == new

    undo = engine.undo_operation(operation=operation, user=manager)
    engine.run_operation(undo.pk)

    ticket.refresh_from_db()
    assert ticket.assignee == old
    trail = list(TicketAssignment.objects.filter(ticket=ticket).order_by("pk").values_list("from_agent", "to_agent"))
    assert trail == [(old.pk, new.pk), (new.pk, old.pk)]


def test_ticket_unassign_is_audited(location, manager, make_agents):
    (agent,) = make_agents(1)
    ticket = factories.make_ticket(location, assignee=agent)
    operation = factories.run_to_end(
        factories.make_operation(manager, location, [ticket.pk], operation_type="assign", params={"agent_id": None})
    )
    assert operation.successful == 1
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert TicketAssignment.objects.get().from_agent == agent
