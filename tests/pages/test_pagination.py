"""Keyset pagination walks every row exactly once, in order, both ways, for every sort."""

import pytest
from django.db import connection

from leads.models import Lead
from leads.selectors import LEAD_SORTS
from tests import factories
from web.pagination import count_matching, decode_cursor, encode_cursor, keyset_page


@pytest.fixture
def leads(location):
    """Seven leads with duplicate names and scores and two unscored, so ties and NULLs are paged."""
    rows = [("Ann", "Lee", 50), ("Bob", "Lee", 50), ("Cat", "Ray", None), ("Dan", "Ash", 90),
            ("Eve", "Ray", 10), ("Fay", "Lee", None), ("Gus", "Zed", 50)]  # fmt: skip
    return [factories.make_lead(location, first_name=f, last_name=last, score=s) for f, last, s in rows]


def walk_forward(qs, sort_key, per_page):
    pages, after = [], ""
    while True:
        page = keyset_page(qs, sort_key=sort_key, sort=LEAD_SORTS[sort_key], after=after, per_page=per_page)
        pages.append([lead.pk for lead in page.rows])
        if not page.next_cursor:
            return pages, page
        after = page.next_cursor


def expected_order(leads, sort_key):
    sort = LEAD_SORTS[sort_key]

    def key(lead):
        values = [getattr(lead, f) for f in sort.fields]
        return values

    with_values = [lead for lead in leads if getattr(lead, sort.fields[0]) is not None]
    nulls = [lead for lead in leads if getattr(lead, sort.fields[0]) is None]
    ordered = sorted(with_values, key=key, reverse=sort.descending)
    ordered += sorted(nulls, key=lambda lead: [getattr(lead, f) for f in sort.fields[1:]], reverse=sort.descending)
    return [lead.pk for lead in ordered]


@pytest.mark.parametrize("sort_key", list(LEAD_SORTS))
@pytest.mark.parametrize("per_page", [2, 3])
def test_forward_walk_visits_every_row_once_in_sort_order(leads, location, sort_key, per_page):
    qs = Lead.objects.filter(location=location)
    pages, _ = walk_forward(qs, sort_key, per_page)
    assert [pk for page in pages for pk in page] == expected_order(leads, sort_key)
    assert all(len(page) == per_page for page in pages[:-1])


@pytest.mark.parametrize("sort_key", list(LEAD_SORTS))
def test_backward_walk_returns_the_same_pages(leads, location, sort_key):
    qs = Lead.objects.filter(location=location)
    pages, last = walk_forward(qs, sort_key, 2)
    seen = [[lead.pk for lead in last.rows]]
    page = last
    while page.prev_cursor:
        page = keyset_page(qs, sort_key=sort_key, sort=LEAD_SORTS[sort_key], before=page.prev_cursor, per_page=2)
        seen.insert(0, [lead.pk for lead in page.rows])
    assert seen == pages
    assert page.at_start


def test_cursor_of_another_sort_or_garbage_is_ignored(leads, location):
    qs = Lead.objects.filter(location=location)
    cursor = encode_cursor("name", ["Lee", "Ann", leads[0].pk])
    assert decode_cursor(cursor, sort_key="-created", sort=LEAD_SORTS["-created"]) is None
    for bad in ("%%%", "e30", encode_cursor("name", [True, "x", 1]), encode_cursor("name", ["a", "b", None])):
        assert decode_cursor(bad, sort_key="name", sort=LEAD_SORTS["name"]) is None
    page = keyset_page(qs, sort_key="-created", sort=LEAD_SORTS["-created"], after=cursor, per_page=3)
    assert page.at_start
    assert [lead.pk for lead in page.rows] == expected_order(leads, "-created")[:3]


def test_count_is_exact_up_to_the_cap_and_labelled_beyond_it(leads, location):
    qs = Lead.objects.filter(location=location)
    assert count_matching(qs, exact_up_to=7).value == 7
    assert count_matching(qs, exact_up_to=7).exact
    beyond = count_matching(qs, exact_up_to=3)
    if connection.vendor == "postgresql":
        assert not beyond.exact  # an estimate or "more than 3", never presented as exact
        assert beyond.value > 3 or beyond.lower_bound
    else:
        assert beyond.exact
        assert beyond.value == 7


@pytest.mark.parametrize(
    "values", [[5, 1], ["not a date", 1], ["2026-01-01T00:00:00+00:00", "x"], ["2026-01-01T00:00:00+00:00", 10**30]]
)
def test_cursor_with_values_of_the_wrong_type_shows_the_first_page(leads, location, values):
    qs = Lead.objects.filter(location=location)
    cursor = encode_cursor("-created", values)
    page = keyset_page(qs, sort_key="-created", sort=LEAD_SORTS["-created"], after=cursor, per_page=3)
    assert page.at_start
    assert [lead.pk for lead in page.rows] == expected_order(leads, "-created")[:3]
