"""Keyset (cursor) pagination and honest counts for the list pages.

A page is found by seeking past the (sort key, id) of the row at its edge, so page 1 and
page 20,000 cost the same index range scan; OFFSET would read every skipped row. A sort may
start with a nullable column (score): its NULLs come after every value in both directions,
and are paged as a second segment so each query still walks one index in order.
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Field, Func, Model, Q, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan


@dataclass(frozen=True)
class SortOption:
    label: str
    fields: tuple[str, ...]  # the last one must be unique (the primary key)
    descending: bool = False
    nullable_first: bool = False  # the first field may be NULL; NULLs come last


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None
    at_start: bool  # the page begins with the first matching row

    @property
    def is_complete(self) -> bool:
        """The page holds every matching row, so its length is the exact count."""
        return self.at_start and self.next_cursor is None


@dataclass(frozen=True)
class ResultCount:
    """Exact when cheap to know; otherwise an estimate or a lower bound, labelled as such."""

    value: int
    exact: bool
    lower_bound: bool = False  # "more than value": the estimate fell below what was counted


def _to_json(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(sort_key: str, values: list) -> str:
    raw = json.dumps([sort_key, [_to_json(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort_key: str, sort: SortOption) -> list | None:
    """The values in a cursor made for this sort, or None if it is malformed or foreign."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, values = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        return None
    if key != sort_key or not isinstance(values, list) or len(values) != len(sort.fields):
        return None
    if any(not isinstance(v, str | int | None) or isinstance(v, bool) for v in values):
        return None
    if any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in values):
        return None  # beyond any integer column, and more than SQLite can bind
    if values[-1] is None or (values[0] is None and not sort.nullable_first):
        return None
    return values


class RowValue(Func):
    """A row value, (a, b, c): compared element by element, and an index range on PostgreSQL."""

    template = "(%(expressions)s)"
    output_field = Field()


def _seek(fields: tuple[str, ...], values: list, *, greater: bool) -> Q:
    """Rows strictly after (greater=True) or before the row with these values, in field order."""
    if len(fields) == 1:
        return Q(**{f"{fields[0]}__{'gt' if greater else 'lt'}": values[0]})
    lookup = GreaterThan if greater else LessThan
    return Q(lookup(RowValue(*fields), RowValue(*[Value(v) for v in values])))


def _typed(model, fields: tuple[str, ...], values: list) -> list | None:
    """The cursor's values as the fields' Python types, or None if one does not convert."""
    try:
        return [
            None if v is None else model._meta.get_field(f).to_python(v) for f, v in zip(fields, values, strict=True)
        ]
    except (ValidationError, TypeError, ValueError):
        return None


def _segments(sort: SortOption) -> list[tuple[Q, tuple[str, ...], int]]:
    """(condition, fields to order and seek by, index of the first of them in sort.fields)."""
    if not sort.nullable_first:
        return [(Q(), sort.fields, 0)]
    first = sort.fields[0]
    return [(Q(**{f"{first}__isnull": False}), sort.fields, 0), (Q(**{f"{first}__isnull": True}), sort.fields[1:], 1)]


def keyset_page(
    queryset: QuerySet, *, sort_key: str, sort: SortOption, after: str = "", before: str = "", per_page: int = 50
) -> Page:
    """One page of queryset in the order of sort, after or before a cursor (first page without)."""
    segments = _segments(sort)
    backward = bool(before) and not after
    values = decode_cursor(before if backward else after, sort_key=sort_key, sort=sort)
    if values is not None:
        values = _typed(queryset.model, sort.fields, values)
    if values is None:
        backward = False
    start = 0 if values is None else (1 if sort.nullable_first and values[0] is None else 0)
    order = range(start, -1, -1) if backward else range(start, len(segments))

    rows: list[Model] = []
    for i in order:
        condition, fields, offset = segments[i]
        forward_is_greater = not sort.descending
        greater = forward_is_greater != backward
        qs = queryset.filter(condition)
        if values is not None and i == start:
            qs = qs.filter(_seek(fields, values[offset:], greater=greater))
        prefix = "-" if sort.descending != backward else ""
        qs = qs.order_by(*[prefix + f for f in fields])
        rows.extend(qs[: per_page + 1 - len(rows)])
        if len(rows) > per_page:
            break

    has_more = len(rows) > per_page
    if backward and not has_more:
        # Paging back reached the start: show a full first page rather than a short one.
        return keyset_page(queryset, sort_key=sort_key, sort=sort, per_page=per_page)
    rows = rows[:per_page]
    if backward:
        rows.reverse()

    def cursor(row) -> str:
        return encode_cursor(sort_key, [getattr(row, f) for f in sort.fields])

    if backward:
        prev_cursor = cursor(rows[0]) if rows and has_more else None
        next_cursor = cursor(rows[-1]) if rows else None
    else:
        prev_cursor = cursor(rows[0]) if rows and values is not None else None
        next_cursor = cursor(rows[-1]) if rows and has_more else None
    return Page(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, at_start=values is None)


def page_count(queryset: QuerySet, page: Page) -> ResultCount:
    """How many rows match: free when the page holds them all, else count_matching()."""
    if page.is_complete:
        return ResultCount(len(page.rows), exact=True)
    return count_matching(queryset)


def count_matching(queryset: QuerySet, *, exact_up_to: int = 10_000) -> ResultCount:
    """Count exactly up to exact_up_to; beyond that, PostgreSQL's planner estimate.

    Counting a million rows on every page view is the slow part of a list; the bounded count
    reads at most exact_up_to + 1 index entries. On SQLite (the embedded default, small data)
    the count is always exact.
    """
    queryset = queryset.order_by()
    bounded = queryset[: exact_up_to + 1].count()
    if bounded <= exact_up_to:
        return ResultCount(bounded, exact=True)
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return ResultCount(queryset.count(), exact=True)
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate <= exact_up_to:
        return ResultCount(exact_up_to, exact=False, lower_bound=True)
    return ResultCount(_round_estimate(estimate), exact=False)


def _round_estimate(n: int) -> int:
    """Three significant digits: an estimate must not look more precise than it is."""
    digits = len(str(n))
    if digits <= 3:
        return n
    step = 10 ** (digits - 3)
    return round(n / step) * step


def list_urls(
    *,
    filter_query: str,
    sort: str,
    default_sort: str,
    page: Page | None,
    columns: dict,
    after: str = "",
    before: str = "",
) -> dict:
    """The URLs (query strings) of a list's sort headers, page links and current state, keeping the filters.

    columns maps a column to (the sort a first click chooses, the sort that reverses it).
    """

    def url(sort: str, **cursor) -> str:
        parts = [filter_query] if filter_query else []
        if sort != default_sort:
            parts.append(f"sort={sort}")
        parts += [f"{key}={value}" for key, value in cursor.items() if value]
        return "?" + "&".join(parts)

    headers = {}
    for column, (first, reverse) in columns.items():
        active = sort in (first, reverse)
        next_sort = reverse if sort == first else first
        direction = ("descending" if sort.startswith("-") else "ascending") if active else None
        headers[column] = {"url": url(next_sort), "direction": direction}
    return {
        "headers": headers,
        "current_url": url(sort, after=after, before=before),
        "first_url": url(sort),
        "next_url": url(sort, after=page.next_cursor) if page and page.next_cursor else None,
        "prev_url": url(sort, before=page.prev_cursor) if page and page.prev_cursor else None,
    }
