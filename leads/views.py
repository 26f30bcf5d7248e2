from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url

from accounts.pagination import Page, ResultCount, list_urls
from leads.forms import LeadFilterForm
from leads.selectors import DEFAULT_LEAD_SORT, LEAD_SORTS, assignment_history, lead_for, lead_page, stage_history

# Clickable column headers: the sort a first click chooses, and the one that reverses it.
SORTABLE_COLUMNS = {"name": ("name", "-name"), "score": ("-score", "score"), "created": ("-created", "created")}


@login_required
def lead_list(request):
    location = request.location
    form = LeadFilterForm(request.GET or None, location=location)
    page: Page | None = None
    count: ResultCount | None = None
    sort = DEFAULT_LEAD_SORT
    if location is not None and (not form.is_bound or form.is_valid()):
        filters = form.cleaned_data if form.is_bound else {}
        sort = filters.get("sort") or sort
        page, count = lead_page(
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
        "sort_label": LEAD_SORTS[sort].label,
        "filter_query": filter_query,
        "urls": list_urls(
            filter_query=filter_query,
            sort=sort,
            default_sort=DEFAULT_LEAD_SORT,
            page=page,
            columns=SORTABLE_COLUMNS,
            after=form.data.get("after", ""),
            before=form.data.get("before", ""),
        ),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "leads/_results.html" if partial else "leads/list.html", context)
    if partial:
        # The URL keeps the filter state, without the form's empty fields.
        push_url(response, request.path + context["urls"]["current_url"])
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def lead_detail(request, lead_id: int):
    lead = lead_for(user=request.user, lead_id=lead_id)
    context = {
        "lead": lead,
        "tags": lead.tags.all(),
        "stage_changes": stage_history(lead=lead),
        "assignments": assignment_history(lead=lead),
    }
    return render(request, "leads/detail.html", context)
