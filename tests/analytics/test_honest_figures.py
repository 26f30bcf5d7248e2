"""Issue 13's honest analytics, over operations the engine really ran (tests/analytics/conftest.py `ran`).

Successful = completed with no failed record; time saved = per operation, the work by hand
(per record, per export for exports) minus its run time, never below zero, undo runs left out.
"""

import pytest
from django.urls import reverse

from analytics import figures, report
from analytics.models import ManualEffortEstimate
from analytics.templatetags.durations import duration
from operations.models import OperationStatus
from tests import factories
from tests.analytics.conftest import run_seconds


def scope_for(location, **kwargs):
    return figures.Scope(location=location, period=figures.period_for(location=location, days=30), **kwargs)


def saved(manual_seconds: float, operation) -> float:
    """One operation's time saved, by hand: manual effort minus its run time, never below zero."""
    return max(0.0, manual_seconds - run_seconds(operation))


def test_the_engine_marks_an_operation_in_which_every_record_failed_completed(ran):
    all_failed = ran["all_failed"]
    assert (all_failed.status, all_failed.total, all_failed.failed, all_failed.successful) == (
        OperationStatus.COMPLETED,
        2,
        2,
        0,
    )
    assert ran["partly"].status == OperationStatus.COMPLETED and ran["partly"].failed == 1


def test_success_counts_only_operations_completed_with_no_failed_record(ran, location):
    summary = figures.summary(scope=scope_for(location))
    # clean, partly, undo, draft, all_failed, export, cancelled
    assert summary["total_operations"] == 7
    assert summary["finished_operations"] == 6  # all but the draft
    assert summary["completed_operations"] == 5  # clean, partly, undo, all_failed, export
    assert summary["successful_operations"] == 3  # clean, undo, export
    assert summary["completed_with_failures"] == 2  # partly, all_failed
    assert summary["operation_success_rate"] == 50.0  # 3 of 6
    # records: clean 3 + partly 3 + undo 3 + all_failed 2 + export 4 (+ 0 of the cancelled one)
    assert (summary["records_processed"], summary["records_succeeded"], summary["records_failed"]) == (15, 12, 3)


def test_the_error_rollup_counts_every_failure_of_operations_completed_with_failures(ran, location):
    assert list(ran["all_failed"].error_counts.values_list("message", "count")) == [("Ticket not found", 2)]
    assert list(ran["partly"].error_counts.values_list("message", "count")) == [("Ticket not found", 1)]
    assert not ran["clean"].error_counts.exists() and not ran["export"].error_counts.exists()
    rows = [(r["operation_type"], r["count"]) for r in figures.top_error_messages(scope=scope_for(location))]
    assert rows == [("update_priority", 2), ("update_status", 1)]  # as many as records_failed: 3


def test_by_type_counts_successful_operations(ran, location):
    rows = {row["operation_type"]: row for row in figures.by_type(scope=scope_for(location))}
    assert rows["update_status"]["operations"] == 4  # clean, partly, undo, draft
    assert rows["update_status"]["successful_operations"] == 2  # clean, undo
    assert rows["update_priority"]["successful_operations"] == 0  # all_failed
    assert rows["export"]["successful_operations"] == 1


def test_time_saved_per_record_per_export_minus_run_time_without_undo(ran, location):
    clean, partly, export = ran["clean"], ran["partly"], ran["export"]
    result = figures.time_saved(scope=scope_for(location))
    rows = {row["operation_type"]: row for row in result["by_type"]}

    # Tickets' status by hand: 20 s a record (default); the undo of `clean` and the operations
    # that changed nothing (all_failed, cancelled) are not counted.
    status = rows.pop("update_status")
    assert (status["operations"], status["records_succeeded"], status["per"], status["manual_seconds_each"]) == (
        2,
        5,
        "record",
        20,
    )
    assert status["manual_seconds"] == 100.0
    assert status["run_seconds"] == pytest.approx(run_seconds(clean) + run_seconds(partly), abs=0.002)
    assert status["seconds_saved"] == pytest.approx(saved(3 * 20, clean) + saved(2 * 20, partly), abs=0.002)
    # An export is 15 minutes by hand however many leads it holds (seed 000).
    exported = rows.pop("export")
    assert (exported["operations"], exported["records_succeeded"], exported["per"]) == (1, 4, "operation")
    assert exported["manual_seconds"] == 900.0
    assert exported["seconds_saved"] == pytest.approx(saved(900, export), abs=0.001)
    assert rows == {}
    expected = saved(60, clean) + saved(40, partly) + saved(900, export)
    assert result["total_seconds"] == pytest.approx(expected, abs=0.003)
    assert result["total_seconds"] < 1000  # not 12 records x anything, not the undo's 3 records
    assert result["total_hours"] == round(result["total_seconds"] / 3600, 2)


def test_an_operations_run_time_never_makes_its_saving_negative(location, manager):
    ManualEffortEstimate.objects.create(
        location=location, target="tickets", operation_type="update_status", seconds_per_item=0
    )
    ticket = factories.make_ticket(location)
    operation = factories.run_to_end(factories.make_operation(manager, location, [ticket.pk]))
    assert run_seconds(operation) > 0

    result = figures.time_saved(scope=scope_for(location))
    (row,) = result["by_type"]
    assert (row["assumption"], row["manual_seconds"], row["seconds_saved"]) == ("configured", 0.0, 0.0)
    assert row["run_seconds"] > 0
    assert result["total_seconds"] == 0.0


def test_a_configured_estimate_for_exports_counts_per_export(ran, location):
    ManualEffortEstimate.objects.create(location=location, target="leads", operation_type="export", seconds_per_item=60)
    rows = {row["operation_type"]: row for row in figures.time_saved(scope=scope_for(location))["by_type"]}
    assert (rows["export"]["assumption"], rows["export"]["manual_seconds"]) == ("configured", 60.0)
    assert rows["export"]["seconds_saved"] == pytest.approx(saved(60, ran["export"]), abs=0.001)


def test_by_user_gives_operations_records_success_rate_and_time_saved(ran, location, admin_user, manager):
    rows = {row["user"]: row for row in figures.by_user(scope=scope_for(location))}
    assert set(rows) == {admin_user.pk, manager.pk}
    admin = rows[admin_user.pk]
    # admin_user: clean, partly, undo (finished) and the draft
    assert (admin["operations"], admin["finished_operations"], admin["successful_operations"]) == (4, 3, 2)
    assert (admin["completed_with_failures"], admin["records_processed"], admin["records_failed"]) == (1, 9, 1)
    assert admin["operation_success_rate"] == 66.67
    assert admin["seconds_saved"] == pytest.approx(saved(60, ran["clean"]) + saved(40, ran["partly"]), abs=0.002)
    theirs = rows[manager.pk]
    # manager: all_failed, export, cancelled
    assert (theirs["operations"], theirs["finished_operations"], theirs["successful_operations"]) == (3, 3, 1)
    assert (theirs["completed_with_failures"], theirs["records_processed"], theirs["records_failed"]) == (1, 6, 2)
    assert theirs["operation_success_rate"] == 33.33
    assert theirs["seconds_saved"] == pytest.approx(saved(900, ran["export"]), abs=0.001)
    assert theirs["name"] == manager.username


def test_durations_of_sub_second_runs_keep_their_milliseconds(ran, location):
    measured = [ran[name] for name in ("clean", "partly", "undo", "all_failed", "export")]
    average = sum(run_seconds(op) for op in measured) / len(measured)
    result = figures.durations(scope=scope_for(location))
    assert result["measured_operations"] == 5
    assert result["average_seconds"] == pytest.approx(average, abs=0.0015)
    assert 0 < result["average_seconds"] < 1
    assert duration(result["average_seconds"]) == f"{round(result['average_seconds'] * 1000)} ms"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "\u2013"),
        (0, "0 s"),
        (0.0004, "0 ms"),
        (0.012, "12 ms"),
        (0.9994, "999 ms"),
        (0.9996, "1.0 s"),
        (12.34, "12.3 s"),
        (200, "3 min 20 s"),
        (39260, "10 h 54 min"),
    ],
)
def test_durations_are_shown_in_the_unit_that_fits(seconds, shown):
    assert duration(seconds) == shown


def test_page_shows_the_definition_the_split_and_the_users(ran, location, admin_user, manager, client_for):
    html = client_for(admin_user).get(reverse("analytics:index")).content.decode()
    assert 'data-metric="operation_success_rate">50.0%<' in html
    assert 'data-metric="successful_operations">3<' in html
    assert 'data-metric="completed_with_failures">2<' in html
    assert "Successful means completed with no failed record." in html
    shown = report.analytics(scope=scope_for(location))
    assert f'data-metric="average_seconds">{duration(shown["durations"]["average_seconds"])}<' in html
    assert " ms<" in html  # sub-second runs, not "0.0 s"
    assert f'data-metric="time_saved">{duration(shown["time_saved"]["total_seconds"])}<' in html
    assert "900 s per export" in html and "20 s per record" in html
    assert f'<tr data-user="{admin_user.pk}">' in html and f'<tr data-user="{manager.pk}">' in html
    assert "66.67%" in html and "33.33%" in html


def test_api_gives_the_same_figures_with_the_definition_in_its_schema(ran, location, admin_user, api_for):
    client = api_for(admin_user)
    body = client.get("/api/v1/bulk-operations/analytics").json()
    expected = report.analytics(scope=scope_for(location))
    assert body["summary"]["successful_operations"] == 3
    assert body["summary"]["completed_with_failures"] == 2
    assert body["by_user"] == expected["by_user"]
    assert body["time_saved"] == expected["time_saved"]
    assert body["durations"]["average_seconds"] == expected["durations"]["average_seconds"]
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    assert (
        "completed with no failed record"
        in schema["SummaryOutput"]["properties"]["successful_operations"]["description"]
    )
    assert "minus its actual run time" in schema["TimeSavedOutput"]["properties"]["total_seconds"]["description"]
    assert "to the millisecond" in schema["DurationsOutput"]["properties"]["average_seconds"]["description"]
