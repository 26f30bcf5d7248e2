"""Assigning one ticket to an agent, with the rules of leads/assignment.py.

The ticket is locked first, then the agents (pk order, agents.capacity.lock_agents), and the
agent's load is read only after that: two assigners can never both fill an agent's last slot.
An away or offline agent takes no new work. Every change writes a TicketAssignment row in the
same transaction. (The bulk `assign` type in tickets/operation_types.py does the same per chunk.)
"""

from django.db import transaction

from agents.capacity import direct_assignee
from tickets.models import Ticket, TicketAssignment


def assign_ticket(*, ticket: Ticket, agent_id: int, user, reason: str) -> TicketAssignment:
    """Give a ticket to one agent, who must be available or busy and under capacity."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        agent = direct_assignee(
            agent_id=agent_id, current_id=ticket.assignee_id, location_id=ticket.location_id, noun="ticket"
        )
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
