"""The dashboard (the home page), the analytics page (period picker and filters updating in
place) and the dashboard's partials."""

from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import render

from accounts import policy
from accounts.policy import Action
from agents.selectors import agent_counts
from analytics import figures, report
from analytics.api import AnalyticsQueryInput
from leads.selectors import lead_counts
from operations.models import OperationStatus
from tickets.selectors import ticket_counts
from web.pages import render_page


def _query_from_page(params: QueryDict) -> dict:
    """The page's picker (period = 7 | 30 | 90 | range) as the API's query (days or start/end)."""
    query = {key: params[key] for key in ("user", "operation_type") if params.get(key)}
    period = params.get("period") or params.get("days") or "30"
    if period == "range":
        query |= {"start": params.get("start", ""), "end": params.get("end", "")}
    else:
        query["days"] = period
    return query


def _chart_data(shown: dict) -> dict:
    campaigns = shown["campaigns"]
    return {
        "period": {"start": shown["period"]["start"], "end": shown["period"]["end"]},
        "byType": {
            "labels": [row["label"] for row in shown["by_type"]],
            "operations": [row["operations"] for row in shown["by_type"]],
        },
        "byStatus": {
            "statuses": [row["status"] for row in shown["by_status"] if row["operations"]],
            "labels": [row["label"] for row in shown["by_status"] if row["operations"]],
            "operations": [row["operations"] for row in shown["by_status"] if row["operations"]],
        },
        "trend": {
            "labels": [row["date"] for row in shown["daily_trend"]],
            "operations": [row["operations"] for row in shown["daily_trend"]],
            "records": [row["records_processed"] for row in shown["daily_trend"]],
        },
        "calls": {
            "labels": [row["date"] for row in campaigns["outcomes_by_day"]],
            "series": [
                {"label": outcome["label"], "data": [row[outcome["status"]] for row in campaigns["outcomes_by_day"]]}
                for outcome in campaigns["outcomes"]
            ],
        },
    }


def _with_type_labels(operations) -> list:
    operations = list(operations)
    for operation in operations:
        operation.type_label = figures.type_label(operation.target, operation.operation_type)
    return operations


@login_required
def dashboard(request):
    """Leads, tickets and agents of the current location at a glance; the analytics cards load after."""
    location = request.location
    context = {"location": location}
    if location is not None:
        context |= {
            "leads": lead_counts(location=location),
            "tickets": ticket_counts(location=location),
            "agents": agent_counts(location=location),
        }
    return render(request, "analytics/dashboard.html", context)


@login_required
def index(request):
    location = request.location
    context = {"location": location, "presets": figures.PRESET_DAYS}
    if location is None:
        return render(request, "analytics/index.html", context)
    policy.require(request.user, Action.ANALYTICS_VIEW, location)
    query = AnalyticsQueryInput(data=_query_from_page(request.GET), context={"location": location})
    if query.is_valid():
        scope = query.scope()
    else:
        scope = figures.Scope(location=location, period=figures.period_for(location=location, days=30))
    shown = report.analytics(scope=scope)
    context |= {
        "errors": query.errors,
        "scope": scope,
        "selected_period": "range" if scope.period.preset_days is None else str(scope.period.preset_days),
        "selected_user": scope.user_id,
        "selected_type": f"{scope.target}.{scope.operation_type}" if scope.operation_type else "",
        "members": figures.member_choices(location=location),
        "operation_types": figures.operation_type_choices(),
        "figures": shown,
        "chart_data": _chart_data(shown),
        "recent": _with_type_labels(figures.recent_operations(scope=scope)),
        "empty": shown["summary"]["total_operations"] == 0,
    }
    return render_page(request, "analytics/index.html", "analytics/_body.html", context)


@login_required
def dashboard_cards(request):
    """Key figures of the last 30 days, for the dashboard (loaded and refreshed by HTMX)."""
    location = request.location
    context = {"location": location}
    if location is not None:
        policy.require(request.user, Action.ANALYTICS_VIEW, location)
        scope = figures.Scope(location=location, period=figures.period_for(location=location, days=30))
        groups = figures.grouped_counters(scope=scope)
        ranks = figures.size_and_duration_percentiles(scope=scope)
        context |= {
            "summary": figures.summary(scope=scope, groups=groups, ranks=ranks),
            "durations": figures.durations(scope=scope, groups=groups, ranks=ranks),
            "time_saved": figures.time_saved(scope=scope, groups=groups),
        }
    return render(request, "analytics/_dashboard_cards.html", context)


@login_required
def running(request):
    """The operations pending or in progress now (the dashboard polls this)."""
    location = request.location
    operations = _with_type_labels(figures.running_operations(location=location)) if location is not None else []
    if location is not None and not policy.allows(request.user, Action.OPERATION_VIEW_ALL, location):
        operations = [operation for operation in operations if operation.created_by_id == request.user.pk]
    return render(
        request,
        "analytics/_running.html",
        {"operations": operations, "in_progress": OperationStatus.IN_PROGRESS},
    )
