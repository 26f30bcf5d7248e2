"""The WebSocket from any client: a plain `websockets` client against daphne, as a server-side integration.

A bearer-token socket needs no Origin header (no browser sends a bearer token on its own); a
socket authenticated by the session cookie keeps the origin check against cross-site hijacking.
A socket that carries `Authorization: Bearer` is authenticated by the token alone, never the cookie.
"""

import json
import os
import urllib.error
import urllib.request

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from accounts.models import Role
from operations.models import BulkOperation, OperationStatus
from tests import factories
from tests.faults.servers import private_redis
from tests.operations.test_pages_browser import web_server
from tests.operations.test_websocket import COMPLETED_FIELDS, PROGRESS_FIELDS
from tests.workers import running_workers, sqlite_file_database

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-integration"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def api(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """A plain HTTP JSON request: no browser headers, no cookie."""
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with NO_PROXY.open(request, timeout=30) as response:
        return json.loads(response.read())


def token_for(base: str, user) -> str:
    return api(base, "POST", "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})["access"]


def socket_url(base: str, operation_id) -> str:
    return base.replace("http://", "ws://") + f"/ws/bulk-operations/{operation_id}/"


def session_cookie(user) -> str:
    # A login on the server may have upgraded the password hash, and a session carries a hash of it.
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def open_socket(url: str, headers: dict[str, str]):
    return connect(url, additional_headers=headers, proxy=None, open_timeout=15)


def refusal_status(url: str, headers: dict[str, str]) -> int:
    """The HTTP status daphne answers the handshake with, when it refuses the socket."""
    with pytest.raises(InvalidStatus) as refused:
        open_socket(url, headers).close()
    return refused.value.response.status_code


@pytest.fixture
def integrator(location):
    return factories.make_user("integration", location=location, role=Role.MANAGER, password=PASSWORD)


@pytest.mark.workers
def test_a_plain_client_with_a_bearer_token_and_no_origin_follows_an_operation(integrator, location, tmp_path):
    tickets = [factories.make_ticket(location) for _ in range(200)]
    with sqlite_file_database(tmp_path), private_redis(tmp_path) as redis:
        # As in production: Redis carries the tasks and the live messages. Each of the 100 chunks
        # publishes its progress, since the whole work can take less than the default interval.
        env = {"REDIS_URL": redis.url, "BULK_CHUNK_SIZE": "2", "BULK_PROGRESS_INTERVAL": "0"}
        with (
            running_workers(1, env=env) as pool,
            web_server(tmp_path, cluster_name=pool.cluster_name, env={**os.environ, "REDIS_URL": redis.url}) as base,
        ):
            token = token_for(base, integrator)
            draft = api(
                base,
                "POST",
                "/api/v1/bulk-operations",
                {
                    "target": "tickets",
                    "operation_type": "add_comment",
                    "parameters": {"body": "Seen by the integration"},
                    "ids": [t.pk for t in tickets],
                    "draft": True,
                },
                token=token,
            )
            operation_id = draft["operation_id"]
            received = []
            with open_socket(socket_url(base, operation_id), {"Authorization": f"Bearer {token}"}) as ws:
                assert "origin" not in {name.lower() for name in ws.request.headers}
                received.append(json.loads(ws.recv(timeout=15)))
                api(base, "POST", f"/api/v1/bulk-operations/{operation_id}/start", token=token)
                while received[-1]["type"] != "operation_completed":
                    received.append(json.loads(ws.recv(timeout=60)))
            assert BulkOperation.objects.get(pk=operation_id).status == OperationStatus.COMPLETED, pool.output()

    progress = [m for m in received if m["type"] == "progress_update"]
    assert progress and all(set(m) >= PROGRESS_FIELDS and m["operation_id"] == operation_id for m in progress)
    assert progress[0]["processed_tickets"] == 0  # the draft's state, sent on connect
    processed = [m["processed_tickets"] for m in progress]
    assert processed == sorted(processed)
    assert any(0 < count < 200 for count in processed), processed  # progress while the worker ran
    completed = received[-1]
    assert set(completed) >= COMPLETED_FIELDS
    assert (completed["final_status"], completed["successful_tickets"], completed["failed_tickets"]) == (
        "completed",
        200,
        0,
    )


def test_only_a_valid_bearer_token_or_a_same_origin_session_opens_a_socket(integrator, outsider, location, tmp_path):
    ticket = factories.make_ticket(location)
    outsider.set_password(PASSWORD)
    outsider.save(update_fields=["password"])
    with sqlite_file_database(tmp_path), web_server(tmp_path) as base:
        token = token_for(base, integrator)
        operation = api(
            base,
            "POST",
            "/api/v1/bulk-operations",
            {"target": "tickets", "operation_type": "add_comment", "parameters": {"body": "x"}, "ids": [ticket.pk]},
            token=token,
        )
        url = socket_url(base, operation["operation_id"])
        cookie = session_cookie(integrator)
        bearer = {"Authorization": f"Bearer {token}"}

        # Bearer: no Origin needed, and a foreign one does not matter (no browser sends the token).
        for headers in (bearer, {**bearer, "Origin": "https://evil.example"}):
            with open_socket(url, headers) as ws:
                assert json.loads(ws.recv(timeout=15))["operation_id"] == operation["operation_id"]
        # A wrong token is refused, even beside a valid session cookie: the cookie is not consulted.
        assert refusal_status(url, {"Authorization": "Bearer not-a-token"}) == 403
        assert refusal_status(url, {"Authorization": "Bearer not-a-token", "Cookie": cookie, "Origin": base}) == 403
        # Another tenant's token: the operation is not theirs to see.
        assert refusal_status(url, {"Authorization": f"Bearer {token_for(base, outsider)}"}) == 403

        # Session cookie: from the site's own origin only.
        with open_socket(url, {"Cookie": cookie, "Origin": base}) as ws:
            assert json.loads(ws.recv(timeout=15))["operation_id"] == operation["operation_id"]
        assert refusal_status(url, {"Cookie": cookie, "Origin": "https://evil.example"}) == 403
        assert refusal_status(url, {"Cookie": cookie}) == 403
