import pytest
from django.test import Client
from django.urls import reverse

PAGES = ["dashboard", "leads:list", "tickets:list"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_login(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_renders_a_form(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_login_with_right_password_lands_on_dashboard(admin_user):
    client = Client()
    response = client.post(reverse("login"), {"username": "admin", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"] == admin_user


def test_login_with_wrong_password_shows_an_error(admin_user):
    response = Client().post(reverse("login"), {"username": "admin", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert not response.wsgi_request.user.is_authenticated


def test_logout_is_a_post_and_ends_the_session(admin_user, client_for):
    client = client_for(admin_user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_layout_has_navigation_and_a_logout_form(admin_user, client_for):
    html = client_for(admin_user).get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("leads:list")}"' in html
    assert f'href="{reverse("tickets:list")}"' in html
    assert f'action="{reverse("logout")}"' in html
    assert "Admin</a>" not in html  # not staff


def test_staff_see_the_admin_link(admin_user, client_for):
    admin_user.is_staff = True
    admin_user.save()
    assert b"Admin</a>" in client_for(admin_user).get(reverse("dashboard")).content
