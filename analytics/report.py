"""Everything for one analytics page or API response, in one read-only snapshot."""

from analytics.campaigns import campaign_figures
from analytics.figures import (
    Scope,
    by_status,
    by_type,
    by_user,
    daily_trend,
    durations,
    grouped_counters,
    size_and_duration_percentiles,
    summary,
    time_saved,
    top_error_messages,
)
from analytics.sql import reporting_queries


def analytics(*, scope: Scope) -> dict:
    """Every figure of the scope: bulk operations and, beside them, call campaigns."""
    with reporting_queries():
        groups = grouped_counters(scope=scope)
        ranks = size_and_duration_percentiles(scope=scope)
        return {
            "period": {
                "start": scope.period.first_day.isoformat(),
                "end": scope.period.last_day.isoformat(),
                "days": len(scope.period.days),
                "timezone": str(scope.period.tz),
            },
            "summary": summary(scope=scope, groups=groups, ranks=ranks),
            "by_type": by_type(scope=scope, groups=groups),
            "by_user": by_user(scope=scope, groups=groups),
            "by_status": by_status(scope=scope, groups=groups),
            "durations": durations(scope=scope, groups=groups, ranks=ranks),
            "top_errors": top_error_messages(scope=scope),
            "daily_trend": daily_trend(scope=scope),
            "time_saved": time_saved(scope=scope, groups=groups),
            "campaigns": campaign_figures(scope=scope),
        }
