"""Forged, expired and mangled JWTs: a 401 JSON error on every kind of endpoint, nothing done.

tests/api/test_auth.py covers a wrong password and requests without credentials.
"""

import time

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from operations.models import BulkOperation
from tests import factories
from tests.hostile.tokens import FORGERIES, OTHER_KEY, sign, unsigned

REQUESTS = [
    ("get", "/api/v1/me", None),
    ("get", "/api/v1/leads", None),
    ("get", "/api/v1/bulk-operations", None),
    ("post", "/api/v1/bulk-operations", {"target": "tickets", "operation_type": "delete", "ids": [1]}),
    ("post", "/api/v1/tickets/bulk-operations", {"ticket_ids": [1], "operation_type": "delete"}),
]


def assert_401(response):
    assert response.status_code == 401, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{m}-{p}" for m, p, _ in REQUESTS])
@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__)
def test_a_forged_or_dead_token_is_a_401(forge, request_, manager, admin_user, location):
    ticket = factories.make_ticket(location, number=1)
    method, path, body = request_
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forge(manager, admin_user)}")
    response = getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)
    assert_401(response)
    assert "admin" not in response.content.decode() and "manager" not in response.content.decode()
    assert not BulkOperation.objects.exists()
    assert not ticket.__class__.objects.get(pk=ticket.pk).is_deleted


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer not.a.jwt", "Bearer " + "A" * 10_000, "Bearer \u00e9\u00e9"],
    ids=["no-token", "empty-token", "two-tokens", "not-a-jwt", "10-kb-token", "non-ascii"],
)
def test_a_malformed_authorization_header_is_a_401(header, manager):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_401(client.get("/api/v1/me"))


def test_the_genuine_token_of_the_same_user_works(manager):
    """The control for the forgeries: only what was changed makes them fail."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(manager)}")
    assert client.get("/api/v1/me").json()["username"] == "manager"


REFRESH_FORGERIES = {
    "expired": lambda payload: sign({**payload, "exp": int(time.time()) - 60}),
    "signed-with-another-key": lambda payload: sign(payload, key=OTHER_KEY),
    "algorithm-none": unsigned,
    "an-access-token": lambda payload: sign({**payload, "token_type": "access"}),
}


@pytest.mark.parametrize("forge", list(REFRESH_FORGERIES))
def test_refreshing_with_a_forged_refresh_token_is_a_401(forge, manager):
    forged = REFRESH_FORGERIES[forge](dict(RefreshToken.for_user(manager).payload))
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": forged}, format="json")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}
