"""Assigning one ticket to an agent, with the rules of leads/assignment.py.

The ticket is locked first, then the agents (pk order, accounts.capacity.lock_agents), and the
agent's load is read only after that: two assigners can never both fill an agent's last slot.
An away or offline agent takes no new work. Every change writes a TicketAssignment row in the
same transaction. (The bulk `assign` type in tickets/operation_types.py does the same per chunk.)
"""

from django.db import transaction

from accounts.capacity import DIRECT_AVAILABILITIES, full_message, loads_for, lock_agents, unavailable_message
from tickets.models import Ticket, TicketAssignment


class TicketAssignmentError(Exception):
    """An assignment that the rules refuse; `code` says which rule."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def assign_ticket(*, ticket: Ticket, agent_id: int, user, reason: str) -> TicketAssignment:
    """Give a ticket to one agent, who must be available or busy and under capacity."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        agents = {a.pk: a for a in lock_agents({agent_id, ticket.assignee_id} - {None})}
        agent = agents.get(agent_id)
        if agent is None or agent.location_id != ticket.location_id:
            raise TicketAssignmentError("No such agent in this ticket's location.", "agent")
        if ticket.assignee_id == agent.pk:
            raise TicketAssignmentError(f"This ticket is already assigned to {agent.display_name}.", "same_agent")
        if agent.availability not in DIRECT_AVAILABILITIES:
            raise TicketAssignmentError(unavailable_message(agent), "unavailable")
        load = loads_for([agent.pk])[agent.pk]
        if not load.has_room:
            raise TicketAssignmentError(full_message(agent, load), "full")
        previous = ticket.assignee_id
        ticket.assignee = agent
        ticket.save(update_fields=["assignee", "updated_at"])
        return TicketAssignment.objects.create(
            ticket=ticket,
            from_agent_id=previous,
            to_agent=agent,
            reason=reason[:500],
            strategy="manual",
            assigned_by=user,
        )
