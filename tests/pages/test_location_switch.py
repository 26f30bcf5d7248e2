from django.urls import reverse

from accounts.middleware import SESSION_KEY
from tests import factories


def test_switcher_lists_only_the_users_locations(member_of_both, client_for, db):
    factories.make_location("Third Party")
    html = client_for(member_of_both).get(reverse("dashboard")).content.decode()
    assert 'action="/location/"' in html
    assert "Other Co</option>" in html
    assert "Third Party" not in html


def test_switching_to_own_location_changes_what_lists_show(location, other_location, member_of_both, client_for):
    factories.make_lead(location, first_name="Demolead")
    factories.make_lead(other_location, first_name="Otherlead")
    client = client_for(member_of_both)
    assert "Demolead" in client.get(reverse("leads:list")).content.decode()

    response = client.post(reverse("switch-location"), {"location": other_location.pk, "next": "/leads/"})

    assert response.status_code == 302
    assert response.url == "/leads/"
    assert client.session[SESSION_KEY] == other_location.pk
    html = client.get(reverse("leads:list")).content.decode()
    assert "Otherlead" in html
    assert "Demolead" not in html


def test_cannot_switch_to_a_location_you_do_not_belong_to(location, other_location, outsider, client_for):
    client = client_for(outsider)
    response = client.post(reverse("switch-location"), {"location": location.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["location"] == other_location


def test_switch_ignores_a_next_url_on_another_site(other_location, member_of_both, client_for):
    response = client_for(member_of_both).post(
        reverse("switch-location"), {"location": other_location.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard")


def test_switch_needs_post(member_of_both, client_for):
    assert client_for(member_of_both).get(reverse("switch-location")).status_code == 405
