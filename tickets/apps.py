from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self):
        from agents import work
        from tickets.models import CLOSED_STATUSES, Ticket, TicketAssignment

        work.register(
            work.WorkKind(
                name="tickets",
                noun="ticket",
                records=Ticket.objects.all,
                open_items=lambda: Ticket.objects.filter(is_deleted=False).exclude(status__in=CLOSED_STATUSES),
                owner_field="assignee",
                trail=TicketAssignment,
                trail_field="ticket",
            )
        )
