"""Pages answer refused requests with a page that says why, in the site's layout."""

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

CONFIRM = reverse("operations:tickets-bulk-confirm")


def test_a_form_over_the_size_limit_is_a_413_page_saying_so(client_for, manager):
    body = {"operation_type": "add_comment", "params-body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}

    response = client_for(manager).post(CONFIRM, body)

    assert response.status_code == 413
    html = response.content.decode()
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    assert f"larger than {limit:g} MB" in html
    assert "Nothing was saved." in html
    assert 'class="topbar"' in html


def test_a_form_with_too_many_fields_is_a_400_page_saying_so(client_for, manager):
    body = {"operation_type": "delete", "ids": [str(n) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]}

    response = client_for(manager).post(CONFIRM, body)

    assert response.status_code == 400
    assert "too many fields" in response.content.decode()


def test_the_api_gets_the_same_refusal_in_json(client_for, manager):
    response = client_for(manager).post(
        "/api/v1/tickets/bulk-operations",
        data="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is larger than")


def test_an_unknown_page_is_a_404_in_the_layout(client_for, manager):
    response = client_for(manager).get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no such page" in html
    assert 'class="topbar"' in html


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_a_403_page_saying_it_expired():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a", "password": "b"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_the_server_error_page_renders_without_a_request_or_a_database():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
