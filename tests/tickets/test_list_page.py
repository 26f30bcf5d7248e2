import pytest
from django.urls import reverse

from tests import factories
from tickets.models import Category, Priority, Status

URL = reverse("tickets:list")


def subjects(response) -> list[str]:
    return [ticket.subject for ticket in response.context["page"].rows]


@pytest.fixture
def tickets(location):
    agent = factories.make_agent(location)
    return {
        "printer": factories.make_ticket(
            location,
            number=1,
            subject="Printer on fire",
            status=Status.OPEN,
            priority=Priority.URGENT,
            category=Category.TECHNICAL,
            assignee=agent,
            requester_name="Pat Jones",
        ),
        "invoice": factories.make_ticket(
            location,
            number=2,
            subject="Invoice wrong",
            status=Status.PENDING,
            priority=Priority.HIGH,
            category=Category.BILLING,
            requester_email="pay@example.com",
        ),
        "login": factories.make_ticket(
            location,
            number=3,
            subject="Cannot log in",
            status=Status.RESOLVED,
            priority=Priority.LOW,
            category=Category.ACCOUNT,
        ),
        "deleted": factories.make_ticket(location, number=4, subject="Deleted one", is_deleted=True),
        "agent": agent,
    }


def test_list_shows_live_tickets_newest_first(tickets, admin_user, client_for):
    response = client_for(admin_user).get(URL)
    assert subjects(response) == ["Cannot log in", "Invoice wrong", "Printer on fire"]
    assert response.context["count"].value == 3
    assert "Deleted one" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", {"Printer on fire"}),
        ("priority=high", {"Invoice wrong"}),
        ("category=account", {"Cannot log in"}),
        ("q=invoice", {"Invoice wrong"}),
        ("q=jones", {"Printer on fire"}),
        ("q=pay%40example", {"Invoice wrong"}),
        ("q=%233", {"Cannot log in"}),
        ("q=deleted", set()),
    ],
)
def test_filters_narrow_the_list(tickets, admin_user, client_for, query, expected):
    assert set(subjects(client_for(admin_user).get(f"{URL}?{query}"))) == expected


def test_filter_by_assignee(tickets, admin_user, client_for):
    response = client_for(admin_user).get(f"{URL}?assignee={tickets['agent'].pk}")
    assert subjects(response) == ["Printer on fire"]


def test_sort_by_number(tickets, admin_user, client_for):
    client = client_for(admin_user)
    assert subjects(client.get(f"{URL}?sort=number")) == ["Printer on fire", "Invoice wrong", "Cannot log in"]
    assert subjects(client.get(f"{URL}?sort=-number")) == ["Cannot log in", "Invoice wrong", "Printer on fire"]


def test_invalid_filter_shows_errors(tickets, admin_user, client_for):
    response = client_for(admin_user).get(f"{URL}?status=exploded")
    assert response.context["page"] is None
    assert "Some filters are not valid" in response.content.decode()


def test_htmx_request_gets_only_the_results_partial(tickets, admin_user, client_for):
    response = client_for(admin_user).get(f"{URL}?status=open", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="bulk-form"' in html
    assert 'name="target" value="tickets"' in html
    assert subjects(response) == ["Printer on fire"]


def test_empty_location_shows_an_empty_state(admin_user, client_for):
    response = client_for(admin_user).get(URL)
    assert "has no tickets yet" in response.content.decode()


def test_outsider_sees_none_of_demo_realtys_tickets(tickets, other_ticket, outsider, client_for):
    response = client_for(outsider).get(URL)
    html = response.content.decode()
    assert subjects(response) == ["Other tenant's private ticket"]
    for subject in ("Printer on fire", "Invoice wrong", "Cannot log in"):
        assert subject not in html
    assert client_for(outsider).get(f"{URL}?assignee={tickets['agent'].pk}").context["page"] is None
