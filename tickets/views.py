from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url

from accounts.pagination import Page, ResultCount, list_urls
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

SORTABLE_COLUMNS = {"number": ("-number", "number"), "created": ("-created", "created")}


@login_required
def ticket_list(request):
    location = request.location
    form = TicketFilterForm(request.GET or None, location=location)
    page: Page | None = None
    count: ResultCount | None = None
    sort = DEFAULT_TICKET_SORT
    if location is not None and (not form.is_bound or form.is_valid()):
        filters = form.cleaned_data if form.is_bound else {}
        sort = filters.get("sort") or sort
        page, count = ticket_page(
            location=location,
            filters=filters,
            sort=sort,
            after=filters.get("after", ""),
            before=filters.get("before", ""),
        )
    filter_query = form.filter_query() if form.is_bound else ""
    context = {
        "form": form,
        "page": page,
        "count": count,
        "sort": sort,
        "sort_label": TICKET_SORTS[sort].label,
        "filter_query": filter_query,
        "type_choices": type_choices("tickets"),
        "urls": list_urls(
            filter_query=filter_query,
            sort=sort,
            default_sort=DEFAULT_TICKET_SORT,
            page=page,
            columns=SORTABLE_COLUMNS,
            after=form.data.get("after", ""),
            before=form.data.get("before", ""),
        ),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "tickets/_results.html" if partial else "tickets/list.html", context)
    if partial:
        # The URL keeps the filter state, without the form's empty fields.
        push_url(response, request.path + context["urls"]["current_url"])
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def ticket_detail(request, ticket_id: int):
    ticket = ticket_for(user=request.user, ticket_id=ticket_id)
    context = {
        "ticket": ticket,
        "comments": ticket_comments(ticket=ticket),
        "operation_items": operations_touching(ticket=ticket),
    }
    return render(request, "tickets/detail.html", context)
