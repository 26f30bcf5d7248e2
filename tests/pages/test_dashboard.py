from django.urls import reverse

from agents.models import Availability
from leads.models import Classification, Stage
from tests import factories
from tickets.models import Status


def counts(response, kind: str) -> dict:
    rows = response.context[kind]
    key = {"leads": "by_stage", "tickets": "by_status", "agents": "by_availability"}[kind]
    return {value: n for value, _, n in rows[key]}


def test_dashboard_counts_the_current_locations_records(location, other_location, admin_user, client_for):
    factories.make_lead(location, stage=Stage.NEW, classification=Classification.HOT)
    factories.make_lead(location, stage=Stage.NEW)
    factories.make_lead(location, stage=Stage.WON, classification=Classification.HOT)
    factories.make_lead(other_location, stage=Stage.WON, classification=Classification.HOT)
    factories.make_ticket(location, status=Status.OPEN)
    factories.make_ticket(location, status=Status.PENDING)
    factories.make_ticket(location, status=Status.CLOSED)
    factories.make_ticket(location, status=Status.OPEN, is_deleted=True)
    factories.make_ticket(other_location, status=Status.OPEN)
    factories.make_agent(location, availability=Availability.BUSY)
    factories.make_agent(other_location, availability=Availability.BUSY)

    response = client_for(admin_user).get(reverse("dashboard"))

    assert response.status_code == 200
    assert counts(response, "leads") == {
        "new": 2,
        "contacted": 0,
        "qualified": 0,
        "proposal": 0,
        "negotiation": 0,
        "won": 1,
        "lost": 0,
    }
    assert response.context["leads"]["hot"] == 2
    assert counts(response, "tickets") == {"open": 1, "pending": 1, "resolved": 0, "closed": 1}
    assert response.context["tickets"]["open"] == 2  # open + pending; the deleted one is not counted
    assert counts(response, "agents")["busy"] == 1
    assert "Nothing here yet" not in response.content.decode()


def test_empty_location_shows_zeros_and_an_empty_state(admin_user, client_for):
    response = client_for(admin_user).get(reverse("dashboard"))
    html = response.content.decode()
    assert response.context["leads"]["total"] == 0
    assert response.context["tickets"]["total"] == 0
    assert "Nothing here yet" in html


def test_user_without_location_gets_an_empty_state(db, client_for):
    response = client_for(factories.make_user("loner")).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "not a member of any location" in response.content.decode()


def test_outsider_sees_none_of_demo_realtys_counts(location, outsider, client_for):
    for _ in range(3):
        factories.make_lead(location, classification=Classification.HOT)
        factories.make_ticket(location)
    factories.make_agent(location)
    response = client_for(outsider).get(reverse("dashboard"))
    assert response.context["location"].slug == "other-co"
    assert response.context["leads"]["total"] == 0
    assert response.context["leads"]["hot"] == 0
    assert response.context["tickets"]["total"] == 0
    assert response.context["agents"]["total"] == 0
    assert "Demo Realty" not in response.content.decode()
