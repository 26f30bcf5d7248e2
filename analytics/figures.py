"""Analytics of bulk operations (seed 000's and 001's metrics), all from database aggregation.

Every figure is computed by the database over the operations of one location created in a
period: counters on BulkOperation carry the per-operation item totals, so only the most
common error messages look past the operations table, and for finished operations they
read OperationErrorCount, a rollup the engine writes when an operation reaches a final
state. An empty period gives zeros and None (shown as a dash), never made-up numbers.

Percentiles follow PERCENTILE_CONT exactly on both databases (see analytics.sql). The figures
of one page or API response together: analytics.report.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BigIntegerField, Case, Count, F, FloatField, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate
from django.utils import timezone

from analytics.models import (
    DEFAULT_SECONDS_PER_ITEM,
    DEFAULT_SECONDS_PER_OPERATION,
    FALLBACK_SECONDS_PER_ITEM,
    ManualEffortEstimate,
    OperationErrorCount,
)
from analytics.sql import DurationMicroseconds, percentiles
from operations.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    BulkOperation,
    BulkOperationItem,
    ItemStatus,
    OperationStatus,
)
from operations.registry import get_type, targets, types_for

PRESET_DAYS = (7, 30, 90)
MAX_PERIOD_DAYS = 366
TOP_ERRORS = 5
RECENT_LIMIT = 10


# --- Scope: which operations the figures cover --------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days in the location's time zone, first_day to last_day inclusive."""

    first_day: date
    last_day: date
    tz: ZoneInfo
    preset_days: int | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after last_day."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


def location_timezone(location) -> ZoneInfo:
    try:
        return ZoneInfo(location.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_for(*, location, days: int | None = None, start: date | None = None, end: date | None = None) -> Period:
    """The last `days` days up to today, or the date range start..end (inputs already validated)."""
    tz = location_timezone(location)
    if start is not None and end is not None:
        return Period(first_day=start, last_day=end, tz=tz)
    days = days or 30
    today = timezone.now().astimezone(tz).date()
    return Period(first_day=today - timedelta(days=days - 1), last_day=today, tz=tz, preset_days=days)


@dataclass(frozen=True)
class Scope:
    location: object
    period: Period
    user_id: int | None = None
    target: str | None = None
    operation_type: str | None = None


def operations_in(scope: Scope) -> QuerySet[BulkOperation]:
    """The operations the figures count: created in the period, in the location, filtered."""
    queryset = BulkOperation.objects.filter(
        location=scope.location, created_at__gte=scope.period.start, created_at__lt=scope.period.end
    )
    if scope.user_id is not None:
        queryset = queryset.filter(created_by_id=scope.user_id)
    if scope.target:
        queryset = queryset.filter(target=scope.target)
    if scope.operation_type:
        queryset = queryset.filter(operation_type=scope.operation_type)
    return queryset.order_by()


# --- Figures -------------------------------------------------------------------------------
#
# One GROUP BY (status, target, operation type) query sums the counters of the period; the
# figure groups below add up its few grouped rows (at most statuses x types), never the
# operations themselves. report.analytics() runs it once for all of them.

MEASURED = Q(status=OperationStatus.COMPLETED, started_at__isnull=False, completed_at__isnull=False)
# The operations time saved counts: finished ones that changed records, undo runs left out; one
# counted per operation (an export) only when it completed.
SAVES_TIME = Q(undo_of__isnull=True, successful__gt=0, status__in=FINAL_STATUSES) & (
    ~Q(operation_type__in=list(DEFAULT_SECONDS_PER_OPERATION)) | Q(status=OperationStatus.COMPLETED)
)
# A successful operation: completed with no failed record. Completed with failures (an
# operation in which every record failed included, which the engine also marks completed)
# is its own figure.
CLEAN = Q(failed=0)


def grouped_counters(*, scope: Scope, efforts: dict | None = None) -> list[dict]:
    efforts = effort_estimates(location=scope.location) if efforts is None else efforts
    zero = Value(0.0, output_field=FloatField())
    return list(
        operations_in(scope)
        .values("status", "target", "operation_type", "created_by")
        .annotate(
            n_operations=Count("pk"),
            n_clean=Count("pk", filter=CLEAN),
            sum_total=Sum("total"),
            sum_processed=Sum("processed"),
            sum_successful=Sum("successful"),
            sum_failed=Sum("failed"),
            sum_skipped=Sum("skipped"),
            n_measured=Count("pk", filter=MEASURED),
            sum_measured_processed=Coalesce(Sum("processed", filter=MEASURED), 0),
            sum_microseconds=Coalesce(Sum(DurationMicroseconds(), filter=MEASURED), 0),
            # Time saved (see time_saved); µs summed as float8, which PostgreSQL adds far faster than numeric.
            n_saving=Count("pk", filter=SAVES_TIME),
            sum_saving_records=Coalesce(Sum("successful", filter=SAVES_TIME), 0),
            sum_run_us=Coalesce(Sum(Cast(_run_microseconds(), FloatField()), filter=SAVES_TIME), zero),
            sum_saved_us=Coalesce(Sum(Cast(_saved_microseconds(efforts), FloatField()), filter=SAVES_TIME), zero),
        )
        .order_by()
    )


def _total(rows, field: str, **where) -> int:
    return sum(row[field] for row in rows if all(row[key] in value for key, value in where.items()))


def rate(part, whole) -> float | None:
    """part / whole in percent, rounded to 2 decimals; None when there is nothing to divide."""
    return round(100 * part / whole, 2) if whole else None


def _seconds(microseconds) -> float | None:
    return None if microseconds is None else round(microseconds / 1_000_000, 3)


def size_and_duration_percentiles(*, scope: Scope) -> dict[str, float | None]:
    """Median size of the operations; median, p95 and p99 run time of the measured ones (µs)."""
    duration = DurationMicroseconds()
    return percentiles(
        operations_in(scope),
        {
            "median_size": (F("total"), 0.5),
            "p50": (duration, 0.5),
            "p95": (duration, 0.95),
            "p99": (duration, 0.99),
        },
        group_filter={"p50": MEASURED, "p95": MEASURED, "p99": MEASURED},
    )


def _operation_outcomes(groups) -> dict:
    """Finished, completed, successful (completed, no failed record) and completed-with-failures operations."""
    final = _total(groups, "n_operations", status=FINAL_STATUSES)
    completed = _total(groups, "n_operations", status=(OperationStatus.COMPLETED,))
    successful = _total(groups, "n_clean", status=(OperationStatus.COMPLETED,))
    return {
        "finished_operations": final,
        "completed_operations": completed,
        "successful_operations": successful,
        "completed_with_failures": completed - successful,
        # Successful among the operations that reached a final state (completed, failed, cancelled).
        "operation_success_rate": rate(successful, final),
    }


def summary(*, scope: Scope, groups: list[dict] | None = None, ranks: dict | None = None) -> dict:
    """Totals: operations, success rates (operations and items), records processed, sizes."""
    groups = grouped_counters(scope=scope) if groups is None else groups
    ranks = size_and_duration_percentiles(scope=scope) if ranks is None else ranks
    operations = _total(groups, "n_operations")
    selected, processed = _total(groups, "sum_total"), _total(groups, "sum_processed")
    successful, failed = _total(groups, "sum_successful"), _total(groups, "sum_failed")
    return {
        "total_operations": operations,
        **_operation_outcomes(groups),
        "records_selected": selected,
        "records_processed": processed,
        "records_succeeded": successful,
        "records_failed": failed,
        "records_skipped": _total(groups, "sum_skipped"),
        "item_success_rate": rate(successful, processed),
        "item_error_rate": rate(failed, processed),
        "average_size": round(selected / operations, 2) if operations else None,
        "median_size": ranks["median_size"],
    }


def by_status(*, scope: Scope, groups: list[dict] | None = None) -> list[dict]:
    groups = grouped_counters(scope=scope) if groups is None else groups
    return [
        {"status": value, "label": label, "operations": _total(groups, "n_operations", status=(value,))}
        for value, label in OperationStatus.choices
    ]


def type_label(target: str, key: str) -> str:
    try:
        return get_type(target, key).label
    except LookupError:
        return key.replace("_", " ").capitalize()


def by_type(*, scope: Scope, groups: list[dict] | None = None) -> list[dict]:
    """Per operation type: operations, records processed/succeeded/failed and the error rate."""
    groups = grouped_counters(scope=scope) if groups is None else groups
    per_type = defaultdict(list)
    for row in groups:
        per_type[(row["target"], row["operation_type"])].append(row)
    rows = []
    for (target, key), mine in sorted(per_type.items()):
        processed, failed = _total(mine, "sum_processed"), _total(mine, "sum_failed")
        rows.append(
            {
                "target": target,
                "operation_type": key,
                "label": type_label(target, key),
                "operations": _total(mine, "n_operations"),
                "successful_operations": _total(mine, "n_clean", status=(OperationStatus.COMPLETED,)),
                "failed_operations": _total(mine, "n_operations", status=(OperationStatus.FAILED,)),
                "records_processed": processed,
                "records_succeeded": _total(mine, "sum_successful"),
                "records_failed": failed,
                "error_rate": rate(failed, processed),
            }
        )
    return sorted(rows, key=lambda row: -row["operations"])


def durations(*, scope: Scope, groups: list[dict] | None = None, ranks: dict | None = None) -> dict:
    """Run time (started -> completed) of the completed operations, and their throughput."""
    groups = grouped_counters(scope=scope) if groups is None else groups
    ranks = size_and_duration_percentiles(scope=scope) if ranks is None else ranks
    measured, total_us = _total(groups, "n_measured"), _total(groups, "sum_microseconds")
    return {
        "measured_operations": measured,
        "average_seconds": _seconds(total_us / measured) if measured else None,
        "median_seconds": _seconds(ranks["p50"]),
        "p95_seconds": _seconds(ranks["p95"]),
        "p99_seconds": _seconds(ranks["p99"]),
        # Records processed per second of run time, over all completed operations together.
        "items_per_second": round(_total(groups, "sum_measured_processed") * 1_000_000 / total_us, 2)
        if total_us > 0
        else None,
    }


def _day_of_operation(scope: Scope):
    """Which day of the period an operation was created on, as a database expression.

    PostgreSQL: width_bucket over the days' first instants (found once, in the location's
    time zone) costs a binary search per row instead of a time-zone conversion.
    """
    if connection.vendor == "postgresql":
        starts = [datetime.combine(day, time.min, tzinfo=scope.period.tz) for day in scope.period.days]
        table = connection.ops.quote_name(BulkOperation._meta.db_table)
        # The table name comes from the model and the instants are bound parameters.
        return RawSQL(f'width_bucket({table}."created_at", %s::timestamptz[])', (starts,), IntegerField())  # noqa: S611
    return TruncDate("created_at", tzinfo=scope.period.tz)


def daily_trend(*, scope: Scope) -> list[dict]:
    """Operations created and records they selected, per day of the period (zeros included)."""
    rows = (
        operations_in(scope)
        .annotate(day=_day_of_operation(scope))
        .values("day")
        .annotate(operations=Count("pk"), selected=Sum("total"), processed=Sum("processed"))
        .order_by()
    )
    days = scope.period.days
    by_day = {}
    for row in rows:
        day = days[row["day"] - 1] if isinstance(row["day"], int) else row["day"]
        by_day[day] = row
    return [
        {
            "date": day.isoformat(),
            "operations": by_day.get(day, {}).get("operations", 0),
            "records": by_day.get(day, {}).get("selected") or 0,
            "records_processed": by_day.get(day, {}).get("processed") or 0,
        }
        for day in days
    ]


def top_error_messages(*, scope: Scope, limit: int = TOP_ERRORS) -> list[dict]:
    """The most common error messages of failed records, per operation type.

    Finished operations are read from their OperationErrorCount rollup (the engine writes
    it when an operation reaches a final state; migration 0003 backfilled older ones),
    operations still under way from their failed items.
    """
    rollup = OperationErrorCount.objects.filter(
        location=scope.location,
        operation_created_at__gte=scope.period.start,
        operation_created_at__lt=scope.period.end,
    )
    if scope.user_id is not None:
        rollup = rollup.filter(created_by_id=scope.user_id)
    if scope.target:
        rollup = rollup.filter(target=scope.target)
    if scope.operation_type:
        rollup = rollup.filter(operation_type=scope.operation_type)
    from_rollup = (
        rollup.order_by()
        .values("target", "operation_type", text=F("message"))
        .annotate(n=Sum("count"))
        .values_list("target", "operation_type", "text", "n")
    )
    under_way = operations_in(scope).filter(status__in=ACTIVE_STATUSES, failed__gt=0)
    from_items = (
        BulkOperationItem.objects.filter(operation__in=under_way.values("pk"), status=ItemStatus.FAILED)
        .order_by()
        .values(target=F("operation__target"), operation_type=F("operation__operation_type"), text=F("error_message"))
        .annotate(n=Count("pk"))
        .values_list("target", "operation_type", "text", "n")
    )
    rollup_sql, rollup_params = from_rollup.query.sql_with_params()
    items_sql, items_params = from_items.query.sql_with_params()
    sql = (
        "SELECT target, operation_type, text, SUM(n) AS n "
        f"FROM ({rollup_sql} UNION ALL {items_sql}) AS errors "
        "GROUP BY target, operation_type, text ORDER BY n DESC, text, target, operation_type LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rollup_params, *items_params, limit])
        rows = cursor.fetchall()
    return [
        {
            "target": target,
            "operation_type": key,
            "label": type_label(target, key),
            "message": text or "(no message)",
            "count": int(count),
        }
        for target, key, text, count in rows
    ]


@dataclass(frozen=True)
class Effort:
    """The manual effort one type's work takes by hand: seconds per record, or per operation."""

    seconds: int
    per: str  # "record" | "operation"
    assumption: str  # "configured" | "default"


def effort_estimates(*, location) -> dict[tuple[str, str], Effort]:
    """The manual effort of every registered type here: the location's estimate, else the default."""
    configured = {
        (row.target, row.operation_type): row.seconds_per_item
        for row in ManualEffortEstimate.objects.filter(location=location)
    }
    keys = {(target.key, op_type.key) for target in targets() for op_type in types_for(target.key)} | set(configured)
    efforts = {}
    for target, key in keys:
        per = "operation" if key in DEFAULT_SECONDS_PER_OPERATION else "record"
        if (target, key) in configured:
            efforts[(target, key)] = Effort(configured[(target, key)], per, "configured")
        else:
            defaults = DEFAULT_SECONDS_PER_OPERATION if per == "operation" else DEFAULT_SECONDS_PER_ITEM
            efforts[(target, key)] = Effort(defaults.get(key, FALLBACK_SECONDS_PER_ITEM), per, "default")
    return efforts


def _manual_microseconds(efforts: dict[tuple[str, str], Effort]) -> Case:
    """An operation's manual effort in µs: succeeded records x seconds, or seconds once per operation."""
    succeeded = Cast("successful", BigIntegerField())

    def amount(seconds: int, per: str):
        each = Value(seconds * 1_000_000, output_field=BigIntegerField())
        return each if per == "operation" else succeeded * each

    return Case(
        *(
            When(target=target, operation_type=key, then=amount(effort.seconds, effort.per))
            for (target, key), effort in sorted(efforts.items())
        ),
        default=amount(FALLBACK_SECONDS_PER_ITEM, "record"),
        output_field=BigIntegerField(),
    )


def _run_microseconds():
    """An operation's actual run time in µs: started -> completed (or cancelled)."""
    zero = Value(0, output_field=BigIntegerField())
    return Coalesce(DurationMicroseconds(end=Coalesce("completed_at", "cancelled_at")), zero)


def _saved_microseconds(efforts: dict[tuple[str, str], Effort]):
    """An operation's time saved in µs: its manual effort minus its run time, never below zero."""
    zero = Value(0, output_field=BigIntegerField())
    return Greatest(_manual_microseconds(efforts) - _run_microseconds(), zero, output_field=BigIntegerField())


def time_saved(*, scope: Scope, groups: list[dict] | None = None) -> dict:
    """Seed 001's time saved: manual effort by type minus the operations' actual run time.

    Manual effort is succeeded records x seconds per record (per export for exports: seed
    000's 15 minutes), a location's estimate else the default; undo runs are left out; an
    operation's run time is subtracted from its own manual effort, never below zero.
    """
    efforts = effort_estimates(location=scope.location)
    groups = grouped_counters(scope=scope, efforts=efforts) if groups is None else groups
    per_type = defaultdict(list)
    for row in groups:
        if row["n_saving"]:
            per_type[(row["target"], row["operation_type"])].append(row)
    rows = []
    for (target, key), mine in per_type.items():
        effort = efforts.get((target, key)) or Effort(FALLBACK_SECONDS_PER_ITEM, "record", "default")
        operations, records = _total(mine, "n_saving"), _total(mine, "sum_saving_records")
        rows.append(
            {
                "target": target,
                "operation_type": key,
                "label": type_label(target, key),
                "operations": operations,
                "records_succeeded": records,
                "per": effort.per,
                "manual_seconds_each": effort.seconds,
                "assumption": effort.assumption,
                "manual_seconds": float(effort.seconds * (operations if effort.per == "operation" else records)),
                "run_seconds": _seconds(_total(mine, "sum_run_us")),
                "seconds_saved": _seconds(_total(mine, "sum_saved_us")),
            }
        )
    rows.sort(key=lambda row: (-row["seconds_saved"], row["label"]))
    total = _seconds(_total(groups, "sum_saved_us"))
    return {"total_seconds": total, "total_hours": round(total / 3600, 2), "by_type": rows}


def by_user(*, scope: Scope, groups: list[dict] | None = None) -> list[dict]:
    """Per user who created operations in the scope: operations, records, success rate, time saved."""
    groups = grouped_counters(scope=scope) if groups is None else groups
    user_ids = {row["created_by"] for row in groups}
    names = {
        user.pk: user.get_full_name() or user.username for user in get_user_model().objects.filter(pk__in=user_ids)
    }
    rows = []
    for user_id in user_ids:
        mine = [row for row in groups if row["created_by"] == user_id]
        processed, succeeded = _total(mine, "sum_processed"), _total(mine, "sum_successful")
        rows.append(
            {
                "user": user_id,
                "name": names.get(user_id, f"User {user_id}"),
                "operations": _total(mine, "n_operations"),
                **_operation_outcomes(mine),
                "records_processed": processed,
                "records_succeeded": succeeded,
                "records_failed": _total(mine, "sum_failed"),
                "item_success_rate": rate(succeeded, processed),
                "seconds_saved": _seconds(_total(mine, "sum_saved_us")),
            }
        )
    return sorted(rows, key=lambda row: (-row["operations"], row["name"]))


def recent_operations(*, scope: Scope, limit: int = RECENT_LIMIT) -> QuerySet[BulkOperation]:
    return operations_in(scope).select_related("created_by").order_by("-created_at")[:limit]


def member_choices(*, location) -> list[tuple[int, str]]:
    """The location's members, for the per-user filter."""
    users = get_user_model().objects.filter(memberships__location=location).order_by("username")
    return [(user.pk, user.get_full_name() or user.username) for user in users]


def operation_type_choices() -> list[tuple[str, str]]:
    """("target.key", "Target: label") for every registered operation type."""
    return [
        (f"{target.key}.{op_type.key}", f"{target.label}: {op_type.label}")
        for target in targets()
        for op_type in types_for(target.key)
    ]


def running_operations(*, location, limit: int = RECENT_LIMIT) -> QuerySet[BulkOperation]:
    """Operations pending or in progress now, oldest first (the dashboard's live list)."""
    return (
        BulkOperation.objects.filter(location=location, status__in=ACTIVE_STATUSES)
        .select_related("created_by")
        .order_by("created_at")[:limit]
    )
