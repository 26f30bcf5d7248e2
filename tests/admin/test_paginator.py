"""The admin's paginator skips COUNT(*) only for an unfiltered big PostgreSQL table."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.admin import EstimatedCountPaginator
from leads.models import Lead
from tests import factories


class AlwaysEstimate(EstimatedCountPaginator):
    exact_below = 1


def counts_with_queries(queryset) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        count = AlwaysEstimate(queryset, 10).count
    return count, [query["sql"] for query in queries.captured_queries]


def test_filtered_lists_are_counted_exactly(location):
    for _ in range(3):
        factories.make_lead(location, stage="won")
    factories.make_lead(location, stage="new")
    count, sql = counts_with_queries(Lead.objects.filter(stage="won"))
    assert count == 3
    assert any("COUNT(" in statement.upper() for statement in sql)


def test_unfiltered_big_table_uses_the_planner_estimate_on_postgresql(location):
    for _ in range(4):
        factories.make_lead(location)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Lead._meta.db_table}")
    count, sql = counts_with_queries(Lead.objects.all())
    assert count == 4
    if connection.vendor == "postgresql":
        assert not any("COUNT(" in statement.upper() for statement in sql)
        assert any("reltuples" in statement for statement in sql)


def test_small_tables_are_counted_exactly(location):
    factories.make_lead(location)
    assert EstimatedCountPaginator(Lead.objects.all(), 10).count == 1
