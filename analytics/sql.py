"""Database expressions of the analytics: exact durations and percentiles on PostgreSQL and SQLite.

Percentiles are PERCENTILE_CONT's definition (linear interpolation between the two nearest
ranks, rank h = p * (n - 1) counted from 0): PostgreSQL computes them with PERCENTILE_CONT;
SQLite fetches the two rows around h with ORDER BY ... LIMIT/OFFSET and interpolates with
the same floating-point steps, so both databases give the same figures.
"""

import math
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Aggregate, BigIntegerField, F, FloatField, Func, Q, QuerySet


class DurationMicroseconds(Func):
    """end - start in whole microseconds (an integer on both backends); end a field name or an expression."""

    output_field = BigIntegerField()
    arg_joiner = ", "

    def __init__(self, end="completed_at", start="started_at"):
        super().__init__(F(end) if isinstance(end, str) else end, F(start))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="django_timestamp_diff(%(expressions)s)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        # date_part is double precision (EXTRACT is numeric, slower); rounding restores whole µs.
        template = "CAST(ROUND(date_part('epoch', %(expressions)s) * 1000000) AS bigint)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)


class PercentileCont(Aggregate):
    """PostgreSQL's PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY CAST(%(expressions)s AS double precision))"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentiles(
    queryset: QuerySet, specs: dict[str, tuple], *, group_filter: dict[str, Q] | None = None
) -> dict[str, float | None]:
    """PERCENTILE_CONT figures over `queryset`: specs {name: (expression, fraction)}.

    group_filter {name: Q} restricts one figure to some of the rows. PostgreSQL computes all
    of them in one query; SQLite fetches the two rows around each rank.
    """
    group_filter = group_filter or {}
    if connection.vendor == "postgresql":
        return queryset.aggregate(
            **{
                name: PercentileCont(expression, fraction, filter=group_filter.get(name))
                for name, (expression, fraction) in specs.items()
            }
        )
    result: dict[str, float | None] = {}
    for name, (expression, fraction) in specs.items():
        rows = queryset.filter(group_filter[name]) if name in group_filter else queryset
        ordered = (
            rows.annotate(_value=expression)
            .filter(_value__isnull=False)
            .order_by("_value")
            .values_list("_value", flat=True)
        )
        count = ordered.count()
        if not count:
            result[name] = None
            continue
        # The same steps as PostgreSQL's percentile_cont_final_common and float8_lerp.
        rank = fraction * (count - 1)
        first_row, second_row = math.floor(rank), math.ceil(rank)
        pair = [float(value) for value in ordered[first_row : second_row + 1]]
        low, high = pair[0], pair[-1]
        result[name] = low + (rank - first_row) * (high - low)
    return result


@contextmanager
def reporting_queries():
    """On PostgreSQL, for this transaction only: no JIT and no parallel workers (on scans of a
    location's operations both cost more to start than they save) and enough work_mem for
    the percentile sorts to stay in memory. Elsewhere nothing: on SQLite a transaction would
    be IMMEDIATE and hold off the workers' writes while the figures are read."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '32MB'"
            )
        yield
