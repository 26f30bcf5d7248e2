import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Classification, Lead, Stage
from leads.selectors import LEADS_PER_PAGE
from tests import factories

URL = reverse("leads:list")


def names(response) -> list[str]:
    return [lead.first_name for lead in response.context["page"].rows]


@pytest.fixture
def leads(location):
    """Five leads of Demo Realty with distinct stages, scores, owners, teams and tags."""
    owner = factories.make_agent(location)
    team = factories.make_team(location, "Closers")
    vip = factories.make_tag(location, "vip")
    made = {
        "Ann": factories.make_lead(
            location,
            first_name="Ann",
            last_name="Adams",
            stage=Stage.QUALIFIED,
            score=80,
            classification=Classification.HOT,
            owner=owner,
            team=team,
        ),
        "Bob": factories.make_lead(
            location,
            first_name="Bob",
            last_name="Baker",
            stage=Stage.QUALIFIED,
            score=40,
            classification=Classification.WARM,
            phone="+14155550123",
        ),
        "Cat": factories.make_lead(location, first_name="Cat", last_name="Cole", stage=Stage.NEW, score=65),
        "Dan": factories.make_lead(location, first_name="Dan", last_name="Dunn", stage=Stage.WON, score=None),
        "Eve": factories.make_lead(
            location, first_name="Eve", last_name="Evans", stage=Stage.LOST, score=95, email="eve@example.com"
        ),
    }
    made["Ann"].tags.add(vip)
    made["Eve"].tags.add(vip)
    return made | {"owner": owner, "team": team, "vip": vip}


def test_list_shows_the_locations_leads_newest_first(leads, admin_user, client_for):
    response = client_for(admin_user).get(URL)
    assert response.status_code == 200
    assert names(response) == ["Eve", "Dan", "Cat", "Bob", "Ann"]
    assert response.context["count"].value == 5
    assert response.context["count"].exact


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=qualified", {"Ann", "Bob"}),
        ("score_min=60", {"Ann", "Cat", "Eve"}),
        ("score_min=60&score_max=90", {"Ann", "Cat"}),
        ("classification=warm", {"Bob"}),
        ("q=bak", {"Bob"}),
        ("q=ann+adams", {"Ann"}),
        ("q=5550123", {"Bob"}),
        ("q=EVE%40Example.com", {"Eve"}),  # a whole address: exact, case folded
        ("q=eve%40exam", {"Eve"}),
        ("stage=qualified&score_min=60", {"Ann"}),
    ],
)
def test_filters_narrow_the_list(leads, admin_user, client_for, query, expected):
    response = client_for(admin_user).get(f"{URL}?{query}")
    assert set(names(response)) == expected
    assert response.context["count"].value == len(expected)


def test_filters_by_tag_owner_and_team(leads, admin_user, client_for):
    client = client_for(admin_user)
    assert set(names(client.get(f"{URL}?tag={leads['vip'].pk}"))) == {"Ann", "Eve"}
    assert set(names(client.get(f"{URL}?owner={leads['owner'].pk}"))) == {"Ann"}
    assert set(names(client.get(f"{URL}?team={leads['team'].pk}"))) == {"Ann"}


def test_filters_by_created_range_inclusive(leads, admin_user, client_for):
    today = timezone.localdate()
    Lead.objects.filter(pk=leads["Ann"].pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    client = client_for(admin_user)
    old_day = (today - datetime.timedelta(days=10)).isoformat()
    assert names(client.get(f"{URL}?created_to={old_day}")) == ["Ann"]
    assert "Ann" not in names(client.get(f"{URL}?created_from={today.isoformat()}"))
    assert len(names(client.get(f"{URL}?created_from={old_day}&created_to={today.isoformat()}"))) == 5


@pytest.mark.parametrize(
    "query", ["score_min=90&score_max=10", "score_min=abc", "stage=bogus", "created_from=2024-13-01"]
)
def test_invalid_filters_show_errors_and_no_rows(leads, admin_user, client_for, query):
    response = client_for(admin_user).get(f"{URL}?{query}")
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Some filters are not valid" in response.content.decode()


def test_another_tenants_tag_is_not_a_valid_filter(leads, other_location, admin_user, client_for):
    foreign_tag = factories.make_tag(other_location, "vip")
    response = client_for(admin_user).get(f"{URL}?tag={foreign_tag.pk}")
    assert response.context["page"] is None
    assert "tag" in response.context["form"].errors


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ann", "Bob", "Cat", "Dan", "Eve"]),
        ("-name", ["Eve", "Dan", "Cat", "Bob", "Ann"]),
        ("-score", ["Eve", "Ann", "Cat", "Bob", "Dan"]),  # unscored last
        ("score", ["Bob", "Cat", "Ann", "Eve", "Dan"]),  # unscored last here too
        ("created", ["Ann", "Bob", "Cat", "Dan", "Eve"]),
    ],
)
def test_sorting_by_column(leads, admin_user, client_for, sort, expected):
    assert names(client_for(admin_user).get(f"{URL}?sort={sort}")) == expected


def test_unknown_sort_is_rejected_not_passed_to_the_database(leads, admin_user, client_for):
    response = client_for(admin_user).get(f"{URL}?sort=password")
    assert response.context["page"] is None
    assert "sort" in response.context["form"].errors


def test_sort_headers_toggle_and_keep_filters(leads, admin_user, client_for):
    html = client_for(admin_user).get(f"{URL}?stage=qualified&sort=name").content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?stage=qualified&amp;sort=-name" in html  # clicking Name again reverses
    assert "?stage=qualified&amp;sort=-score" in html


def test_pages_walk_every_lead_once_and_back(location, admin_user, client_for):
    for i in range(LEADS_PER_PAGE + 3):
        factories.make_lead(location, first_name=f"L{i:03d}")
    client = client_for(admin_user)
    first = client.get(URL)
    assert len(first.context["page"].rows) == LEADS_PER_PAGE
    assert first.context["urls"]["prev_url"] is None
    next_url = first.context["urls"]["next_url"]
    second = client.get(URL + next_url)
    assert len(second.context["page"].rows) == 3
    assert second.context["urls"]["next_url"] is None
    seen = names(first) + names(second)
    assert sorted(seen) == sorted(f"L{i:03d}" for i in range(LEADS_PER_PAGE + 3))
    back = client.get(URL + second.context["urls"]["prev_url"])
    assert names(back) == names(first)
    # A count over more than one page is still exact at this size.
    assert second.context["count"].value == LEADS_PER_PAGE + 3


def test_a_garbled_cursor_shows_the_first_page(leads, admin_user, client_for):
    response = client_for(admin_user).get(f"{URL}?after=not-a-cursor")
    assert response.status_code == 200
    assert names(response) == ["Eve", "Dan", "Cat", "Bob", "Ann"]


def test_htmx_request_gets_only_the_results_partial(leads, admin_user, client_for):
    response = client_for(admin_user).get(f"{URL}?stage=qualified", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert set(names(response)) == {"Ann", "Bob"}
    assert "HX-Request" in response["Vary"]


def test_full_page_form_pushes_filter_state_into_the_url(leads, admin_user, client_for):
    html = client_for(admin_user).get(f"{URL}?stage=qualified&q=a").content.decode()
    assert 'hx-push-url="true"' in html
    assert re.search(r'<option value="qualified" selected>', html)
    assert 'value="a"' in html  # the search box keeps its value


def test_selection_bar_offers_all_matching_when_more_than_a_page(location, admin_user, client_for):
    for _ in range(LEADS_PER_PAGE + 7):
        factories.make_lead(location, stage=Stage.CONTACTED)
    factories.make_lead(location, stage=Stage.NEW)
    html = " ".join(client_for(admin_user).get(f"{URL}?stage=contacted").content.decode().split())
    assert f"All {LEADS_PER_PAGE} on this page are selected." in html
    assert f"Select all {LEADS_PER_PAGE + 7} matching this filter" in html
    assert 'name="filter_query" value="stage=contacted"' in html
    assert html.count('form="bulk-form" data-select-row') == LEADS_PER_PAGE
    assert 'id="bulk-form"' in html


def test_selection_bar_has_no_all_matching_offer_when_one_page_holds_all(leads, admin_user, client_for):
    html = client_for(admin_user).get(URL).content.decode()
    assert 'id="bulk-form"' in html
    assert "matching this filter" not in html


def test_empty_location_shows_an_empty_state(admin_user, client_for):
    response = client_for(admin_user).get(URL)
    assert response.context["count"].value == 0
    assert "has no leads yet" in response.content.decode()


def test_outsider_sees_none_of_demo_realtys_leads(leads, outsider, other_lead, client_for):
    response = client_for(outsider).get(URL)
    html = response.content.decode()
    assert names(response) == ["Secret"]
    for name in ("Ann", "Bob", "Cat", "Dan", "Eve"):
        assert f">{name} " not in html
    # Filtering by Demo Realty's owner or tag does not reach its leads either.
    assert client_for(outsider).get(f"{URL}?owner={leads['owner'].pk}").context["page"] is None
    assert client_for(outsider).get(f"{URL}?tag={leads['vip'].pk}").context["page"] is None


def test_htmx_response_pushes_the_canonical_url_without_empty_fields(leads, admin_user, client_for):
    response = client_for(admin_user).get(
        f"{URL}?q=&stage=qualified&score_min=&tag=&sort=-created", HTTP_HX_REQUEST="true"
    )
    assert response["HX-Push-Url"] == f"{URL}?stage=qualified"
    response = client_for(admin_user).get(f"{URL}?stage=qualified&sort=name", HTTP_HX_REQUEST="true")
    assert response["HX-Push-Url"] == f"{URL}?stage=qualified&sort=name"


@pytest.mark.parametrize("query", ["created_to=9999-12-31", "created_from=0001-01-01", "q=%00", "after=" + "x" * 600])
def test_extreme_input_is_never_a_server_error(leads, admin_user, client_for, query):
    assert client_for(admin_user).get(f"{URL}?{query}").status_code == 200
    assert client_for(admin_user).get(f"{reverse('tickets:list')}?{query}").status_code == 200
