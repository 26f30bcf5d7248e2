from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import policy
from accounts.policy import Action
from leads.forms import LeadFilterForm
from leads.selectors import (
    DEFAULT_LEAD_SORT,
    LEAD_SORTS,
    assignment_history,
    call_history,
    lead_for,
    lead_page,
    stage_history,
)
from operations.forms import type_choices
from web.list_pages import ListPage

LEADS = ListPage(
    app="leads",
    noun="lead",
    plural="leads",
    form_class=LeadFilterForm,
    read_page=lead_page,
    sorts=LEAD_SORTS,
    default_sort=DEFAULT_LEAD_SORT,
    columns={"name": ("name", "-name"), "score": ("-score", "score"), "created": ("-created", "created")},
)


@login_required
def lead_list(request):
    return LEADS.response(
        request,
        type_choices=type_choices("leads", user=request.user, location=request.location),
        can_import=policy.allows(request.user, Action.IMPORT_LEADS, request.location),
    )


@login_required
def lead_detail(request, lead_id: int):
    lead = lead_for(user=request.user, lead_id=lead_id)
    context = {
        "lead": lead,
        "tags": lead.tags.all(),
        "stage_changes": stage_history(lead=lead),
        "assignments": assignment_history(lead=lead),
        "calls": call_history(lead=lead),
    }
    return render(request, "leads/detail.html", context)
