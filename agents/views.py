"""The agents page (load, capacity, utilisation, availability, performance) and assignment trails."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import policy
from accounts.policy import Action
from accounts.selectors import locations_for
from agents.capacity import attach_metrics, update_capacity
from agents.forms import AgentCapacityForm, AgentFilterForm
from agents.models import Agent, Availability
from agents.selectors import agents_for
from agents.work import KINDS
from web.pages import render_page


def _duration(delta) -> str:
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} d {hours % 24} h"


def _prepare(agents) -> list[Agent]:
    agents = attach_metrics(agents)
    for agent in agents:
        utilisation = agent.capacity.utilisation
        agent.bar_width = (
            100 if utilisation is None and agent.capacity.load else min(round((utilisation or 0) * 100), 100)
        )
        agent.response_display = _duration(agent.performance.median_first_response)
        agent.availability_choices = Availability.choices
    return agents


@login_required
def agent_list(request):
    location = request.location
    context = {"can_edit": False, "agents": [], "form": None}
    if location is not None:
        form = AgentFilterForm(request.GET or None, location=location)
        agents = Agent.objects.filter(location=location).select_related("user", "team").order_by("user__username")
        if form.is_valid():
            if form.cleaned_data["team"]:
                agents = agents.filter(team=form.cleaned_data["team"])
            if form.cleaned_data["availability"]:
                agents = agents.filter(availability=form.cleaned_data["availability"])
        else:
            agents = agents.none() if form.is_bound else agents
        agents = _prepare(agents)
        context.update(
            form=form,
            agents=agents,
            can_edit=policy.allows(request.user, Action.CAPACITY_CHANGE, location),
            summary={
                "agents": len(agents),
                "available": sum(a.availability == Availability.AVAILABLE for a in agents),
                "load": sum(a.capacity.load for a in agents),
                "capacity": sum(a.max_capacity for a in agents),
                "over": sum(a.capacity.over_capacity for a in agents),
            },
        )
    return render_page(request, "agents/list.html", "agents/_results.html", context)


@login_required
@require_POST
def agent_update(request, pk):
    """Change capacity and availability in place, as the policy allows; answers the row for HTMX."""
    agent = get_object_or_404(agents_for(request.user), pk=pk)
    form = AgentCapacityForm(request.POST)
    warnings = []
    if form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if value != getattr(agent, name)}
        if "max_capacity" in changes or not changes:
            policy.require(request.user, Action.CAPACITY_CHANGE, agent.location)
        if "availability" in changes:
            policy.require(request.user, Action.AVAILABILITY_CHANGE, agent.location, owner_id=agent.user_id)
        warnings = update_capacity(agent=agent, **(changes or form.cleaned_data))
    else:
        policy.require(request.user, Action.CAPACITY_CHANGE, agent.location)
    if not request.htmx:
        return redirect("agents:list")
    (agent,) = _prepare([agent])
    return render(
        request,
        "agents/_row.html",
        {
            "agent": agent,
            "can_edit": policy.allows(request.user, Action.CAPACITY_CHANGE, agent.location),
            "row_form": form,
            "warnings": warnings,
        },
    )


@login_required
def assignment_trail(request, pk, kind):
    """The assignment trail of one record of a registered work kind ("leads", "tickets")."""
    work = KINDS.get(kind)
    if work is None:
        raise Http404
    record = get_object_or_404(work.records().filter(location__in=locations_for(request.user)), pk=pk)
    rows = work.trail.objects.filter(**{work.trail_field: record}).select_related(
        "from_agent__user", "to_agent__user", "assigned_by", "operation"
    )[:100]
    return render(request, "agents/_assignment_rows.html", {"rows": rows, "noun": work.noun})
