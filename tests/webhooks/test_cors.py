"""CORS (django-cors-headers) for a separate front-end: listed origins, on the API only."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

FRONTEND = "https://app.example.com"


def _preflight(client, path, origin):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_a_preflight_from_a_listed_origin_on_the_api_is_allowed(client):
    response = _preflight(client, "/api/v1/webhooks", FRONTEND)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"]


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_a_real_api_request_from_a_listed_origin_gets_the_header(client, manager):
    client.force_login(manager)
    response = client.get("/api/v1/webhooks", headers={"Origin": FRONTEND})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_pages_get_no_cors_headers(client):
    for path in ("/login/", "/leads/", "/webhooks/"):
        response = _preflight(client, path, FRONTEND)
        assert "Access-Control-Allow-Origin" not in response, path


@override_settings(CORS_ALLOWED_ORIGINS=[FRONTEND])
def test_an_unlisted_origin_gets_none(client):
    response = _preflight(client, "/api/v1/webhooks", "https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in response


def test_the_default_allows_no_origin(client, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert "Access-Control-Allow-Origin" not in _preflight(client, "/api/v1/webhooks", FRONTEND)
