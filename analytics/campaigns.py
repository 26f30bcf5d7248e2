"""Call-campaign figures beside the bulk-operation analytics: calls, answers, talk time, outcomes."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from analytics.figures import Scope, rate
from campaigns.models import TERMINAL_CALL_STATUSES, Call, CallStatus


def campaign_figures(*, scope: Scope) -> dict:
    """Calls placed in the period, answer rate, average talk time and outcomes per day.

    The user filter selects the campaigns that user created; operation filters do not apply.
    """
    calls = Call.objects.filter(
        campaign__location=scope.location, created_at__gte=scope.period.start, created_at__lt=scope.period.end
    ).order_by()
    if scope.user_id is not None:
        calls = calls.filter(campaign__created_by_id=scope.user_id)
    row = calls.aggregate(
        placed=Count("pk"),
        ended=Count("pk", filter=Q(status__in=TERMINAL_CALL_STATUSES)),
        answered=Count("pk", filter=Q(status=CallStatus.COMPLETED)),
        talk_seconds=Sum("duration_seconds", filter=Q(status=CallStatus.COMPLETED)),
        timed=Count("duration_seconds", filter=Q(status=CallStatus.COMPLETED)),
    )
    outcome_rows = (
        calls.filter(status__in=TERMINAL_CALL_STATUSES)
        .annotate(day=TruncDate("created_at", tzinfo=scope.period.tz))
        .values_list("day", "status")
        .annotate(n=Count("pk"))
    )
    counts = {(day, status): n for day, status, n in outcome_rows}
    outcomes = [value for value in CallStatus.values if value in TERMINAL_CALL_STATUSES]
    return {
        "calls_placed": row["placed"],
        "calls_ended": row["ended"],
        "calls_answered": row["answered"],
        # Answered (completed) among the calls that ended.
        "answer_rate": rate(row["answered"], row["ended"]),
        "average_call_seconds": round(row["talk_seconds"] / row["timed"], 1) if row["timed"] else None,
        "outcomes": [
            {
                "status": value,
                "label": CallStatus(value).label,
                "calls": sum(n for (_, status), n in counts.items() if status == value),
            }
            for value in outcomes
        ],
        "outcomes_by_day": [
            {"date": day.isoformat(), **{value: counts.get((day, value), 0) for value in outcomes}}
            for day in scope.period.days
        ],
    }
