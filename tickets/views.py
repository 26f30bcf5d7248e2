from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from operations.forms import type_choices
from tickets.forms import TicketFilterForm
from tickets.selectors import (
    DEFAULT_TICKET_SORT,
    TICKET_SORTS,
    operations_touching,
    ticket_comments,
    ticket_for,
    ticket_page,
)
from web.list_pages import ListPage

TICKETS = ListPage(
    app="tickets",
    noun="ticket",
    plural="tickets",
    form_class=TicketFilterForm,
    read_page=ticket_page,
    sorts=TICKET_SORTS,
    default_sort=DEFAULT_TICKET_SORT,
    columns={"number": ("-number", "number"), "created": ("-created", "created")},
)


@login_required
def ticket_list(request):
    return TICKETS.response(request, type_choices=type_choices("tickets", user=request.user, location=request.location))


@login_required
def ticket_detail(request, ticket_id: int):
    ticket = ticket_for(user=request.user, ticket_id=ticket_id)
    context = {
        "ticket": ticket,
        "comments": ticket_comments(ticket=ticket),
        "operation_items": operations_touching(ticket=ticket),
    }
    return render(request, "tickets/detail.html", context)
