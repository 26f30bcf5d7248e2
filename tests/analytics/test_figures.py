"""Every figure of the known history (tests/analytics/conftest.py), worked out by hand."""

from datetime import timedelta

import pytest
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Role
from analytics import figures, report, rollups
from analytics.campaigns import campaign_figures
from tests import factories


def scope_for(location, **kwargs):
    days = kwargs.pop("days", 30)
    return figures.Scope(location=location, period=figures.period_for(location=location, days=days), **kwargs)


def test_summary_counts_operations_and_records_of_the_period(history, location):
    summary = figures.summary(scope=scope_for(location))
    # Which operations succeeded: test_honest_figures, over operations the engine ran.
    for key in ("finished_operations", "completed_operations", "successful_operations", "completed_with_failures"):
        summary.pop(key)
    summary.pop("operation_success_rate")
    assert summary == {
        "total_operations": 14,
        "records_selected": 2115,
        "records_processed": 1530,
        "records_succeeded": 1488,
        "records_failed": 37,
        "records_skipped": 5,
        "item_success_rate": 97.25,  # 1488 / 1530
        "item_error_rate": 2.42,  # 37 / 1530
        "average_size": 151.07,  # 2115 / 14
        "median_size": 55.0,  # sizes sorted, rank 6.5 between 50 and 60
    }


def test_durations_are_exact_percentiles_of_completed_operations(history, location):
    # Run times 2, 4, 4, 6, 10, 12, 15, 20, 30, 60 s: ranks 4.5, 8.55 and 8.91 of 0..9.
    assert figures.durations(scope=scope_for(location)) == {
        "measured_operations": 10,
        "average_seconds": 16.3,
        "median_seconds": 11.0,
        "p95_seconds": 46.5,
        "p99_seconds": 57.3,
        "items_per_second": 6.07,  # 990 records in 163 s
    }


def test_percentiles_interpolate_between_ranks_like_percentile_cont(location, admin_user):
    from operations.models import BulkOperation

    for total in (1, 2, 3, 4, 100):
        BulkOperation.objects.create(location=location, created_by=admin_user, target="tickets", total=total)
    specs = {f"p{p}": (F("total"), p) for p in (0.0, 0.25, 0.5, 0.9, 1.0)}
    result = figures.percentiles(BulkOperation.objects.all(), specs, group_filter={"p1.0": Q(total__lt=100)})
    # n = 5, rank = p * 4: 0 -> 1; 1 -> 2; 2 -> 3; 3.6 -> 4 + 0.6 * 96; p1.0 only over totals < 100 -> 4.
    assert result == {"p0.0": 1.0, "p0.25": 2.0, "p0.5": 3.0, "p0.9": pytest.approx(61.6, abs=1e-9), "p1.0": 4.0}


def test_by_status_lists_every_status_with_zeros(history, location):
    rows = {row["status"]: row["operations"] for row in figures.by_status(scope=scope_for(location))}
    assert rows == {
        "draft": 1,
        "scheduled": 0,
        "pending": 0,
        "in_progress": 1,
        "completed": 10,
        "cancelled": 1,
        "failed": 1,
    }


def test_by_type_gives_records_and_error_rate_per_type(history, location):
    rows = [
        tuple(
            r[key]
            for key in (
                "operation_type",
                "operations",
                "failed_operations",
                "records_processed",
                "records_succeeded",
                "records_failed",
                "error_rate",
            )
        )
        for r in figures.by_type(scope=scope_for(location))
    ]
    assert rows == [
        ("update_status", 9, 1, 1010, 970, 35, 3.47),
        ("assign", 3, 0, 470, 470, 0, 0.0),
        ("add_comment", 2, 0, 50, 48, 2, 4.0),
    ]


def test_top_errors_merge_rollups_with_items_of_running_operations(history, location):
    rows = [
        (r["operation_type"], r["message"], r["count"]) for r in figures.top_error_messages(scope=scope_for(location))
    ]
    assert rows == [
        ("update_status", "Record not found", 21),  # 6 + 5 rolled up, 10 of the running operation
        ("update_status", "Unexpected error: boom", 10),
        ("update_status", "Insufficient permissions to update record", 4),
        ("add_comment", "Comment too long", 2),
    ]


def test_daily_trend_has_every_day_of_the_period(history, location):
    trend = figures.daily_trend(scope=scope_for(location))
    today = timezone.now().date()
    assert len(trend) == 30
    assert trend[0]["date"] == (today - timedelta(days=29)).isoformat()
    assert trend[-1]["date"] == today.isoformat()
    busy = {row["date"]: (row["operations"], row["records"]) for row in trend if row["operations"]}
    assert busy == {
        (today - timedelta(days=29)).isoformat(): (4, 1125),
        (today - timedelta(days=1)).isoformat(): (5, 600),
        today.isoformat(): (5, 390),
    }
    assert sum(row["operations"] for row in trend) == 14


def test_filters_by_user_and_by_operation_type(history, location, manager):
    by_manager = figures.summary(scope=scope_for(location, user_id=manager.pk))
    assert (by_manager["total_operations"], by_manager["records_processed"]) == (1, 400)
    comments = figures.summary(scope=scope_for(location, target="tickets", operation_type="add_comment"))
    assert (comments["total_operations"], comments["records_succeeded"], comments["records_failed"]) == (2, 48, 2)


def test_period_of_seven_and_ninety_days(history, location):
    assert figures.summary(scope=scope_for(location, days=7))["total_operations"] == 10
    assert figures.summary(scope=scope_for(location, days=90))["total_operations"] == 15


def test_date_range_covers_whole_days(history, location):
    today = timezone.now().date()
    period = figures.period_for(location=location, start=today - timedelta(days=1), end=today - timedelta(days=1))
    result = figures.summary(scope=figures.Scope(location=location, period=period))
    assert (result["total_operations"], result["records_selected"]) == (5, 600)


def test_other_tenants_operations_are_never_counted(history, location, other_location):
    mine = report.analytics(scope=scope_for(location))
    assert "Secret" not in [row["message"] for row in mine["top_errors"]]
    theirs = figures.summary(scope=scope_for(other_location))
    assert (theirs["total_operations"], theirs["records_selected"]) == (1, 999)


def test_empty_location_gives_zeros_and_no_made_up_figures(db):
    location = factories.make_location("Empty")
    factories.make_user(location=location, role=Role.ADMIN)
    result = report.analytics(scope=scope_for(location))
    assert result["summary"] == {
        "total_operations": 0,
        "finished_operations": 0,
        "completed_operations": 0,
        "successful_operations": 0,
        "completed_with_failures": 0,
        "operation_success_rate": None,
        "records_selected": 0,
        "records_processed": 0,
        "records_succeeded": 0,
        "records_failed": 0,
        "records_skipped": 0,
        "item_success_rate": None,
        "item_error_rate": None,
        "average_size": None,
        "median_size": None,
    }
    assert result["durations"] == {
        "measured_operations": 0,
        "average_seconds": None,
        "median_seconds": None,
        "p95_seconds": None,
        "p99_seconds": None,
        "items_per_second": None,
    }
    assert result["by_type"] == [] and result["top_errors"] == []
    assert {row["operations"] for row in result["by_status"]} == {0}
    assert len(result["daily_trend"]) == 30 and {row["operations"] for row in result["daily_trend"]} == {0}
    assert result["time_saved"] == {"total_seconds": 0.0, "total_hours": 0.0, "by_type": []}
    assert result["by_user"] == []
    assert result["campaigns"]["calls_placed"] == 0 and result["campaigns"]["answer_rate"] is None


def test_record_error_counts_rolls_up_failed_items_once(history, location):
    operation = history["completed"][1]
    rollups.record_error_counts(operation.pk)
    rollups.record_error_counts(operation.pk)
    assert sorted(operation.error_counts.values_list("message", "count")) == [
        ("Insufficient permissions to update record", 4),
        ("Record not found", 6),
    ]


def test_campaign_figures_count_calls_answers_and_outcomes_per_day(location, other_location, admin_user):
    from campaigns.models import Call, Campaign, CampaignContact

    def calls(loc, statuses):
        campaign = Campaign.objects.create(location=loc, name="Spring", created_by=admin_user)
        contact = CampaignContact.objects.create(campaign=campaign, phone="+14155550100")
        for attempt, (status, duration) in enumerate(statuses, start=1):
            Call.objects.create(
                campaign=campaign,
                contact=contact,
                attempt=attempt,
                backend="fake",
                status=status,
                duration_seconds=duration,
            )
        return campaign

    calls(location, [("completed", 60), ("completed", 90), ("no-answer", None), ("busy", None), ("in-progress", None)])
    calls(other_location, [("completed", 1000)])
    old = calls(location, [("completed", 5)])
    Call.objects.filter(campaign=old).update(created_at=timezone.now() - timedelta(days=45))

    figures = campaign_figures(scope=scope_for(location))
    assert (figures["calls_placed"], figures["calls_ended"], figures["calls_answered"]) == (5, 4, 2)
    assert figures["answer_rate"] == 50.0
    assert figures["average_call_seconds"] == 75.0
    today = figures["outcomes_by_day"][-1]
    assert today == {
        "date": timezone.now().date().isoformat(),
        "completed": 2,
        "busy": 1,
        "no-answer": 1,
        "failed": 0,
        "canceled": 0,
    }
    assert sum(day["completed"] for day in figures["outcomes_by_day"]) == 2


def test_top_errors_follow_the_user_and_type_filters(history, location, manager):
    assert figures.top_error_messages(scope=scope_for(location, user_id=manager.pk)) == []
    comments = figures.top_error_messages(scope=scope_for(location, target="tickets", operation_type="add_comment"))
    assert [(row["message"], row["count"]) for row in comments] == [("Comment too long", 2)]
    week = figures.top_error_messages(scope=scope_for(location, days=7))
    assert ("Unexpected error: boom", 10) not in [(row["message"], row["count"]) for row in week]  # 29 days ago
