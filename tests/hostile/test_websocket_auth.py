"""WebSocket /ws/bulk-operations/{id}/ with forged credentials, a foreign origin, revoked access, junk frames.

tests/operations/test_websocket.py covers no credentials, a token that is not a JWT, another
tenant's operation and malformed ids. Run against config.asgi.application, as there.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Membership
from config.asgi import application
from operations import engine
from tests.factories import make_ticket
from tests.hostile.tokens import FORGERIES

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
UNAUTHENTICATED, NOT_FOUND = 4401, 4404


def socket(operation_id, headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/bulk-operations/{operation_id}/", headers=headers)


def bearer(token: str) -> list[tuple[bytes, bytes]]:
    return [ORIGIN, (b"authorization", f"Bearer {token}".encode())]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def new_operation(user, location):
    ticket = make_ticket(location)
    operation, _ = engine.create_operation(
        user=user,
        location=location,
        target="tickets",
        operation_type="update_status",
        params={"status": "resolved"},
        ids=[ticket.pk],
    )
    return operation


@pytest.fixture
def operation(manager, location):
    return new_operation(manager, location)


async def refused_with(communicator) -> int | None:
    connected, code = await communicator.connect(timeout=10)
    assert not connected
    return code


@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__)
async def test_a_forged_or_dead_bearer_token_is_refused(forge, manager, admin_user, operation):
    # The admin may watch the operation: a token forged to be the admin's must still be refused.
    token = await database_sync_to_async(forge)(manager, admin_user)
    assert await refused_with(socket(operation.pk, bearer(token))) == UNAUTHENTICATED


@pytest.mark.parametrize("cookie", ["garbage", "", "x" * 4096, "sessionid"])
async def test_a_made_up_session_cookie_is_refused(cookie, operation):
    headers = [ORIGIN, (b"cookie", f"sessionid={cookie}".encode())]
    assert await refused_with(socket(operation.pk, headers)) == UNAUTHENTICATED


async def test_a_genuine_session_from_another_site_is_refused(manager, operation):
    """Cross-site WebSocket hijacking: the browser sends the cookie, the Origin gives the page away."""
    cookie = await database_sync_to_async(session_cookie)(manager)
    for origin in (b"https://evil.example", b"http://testserver.evil.example", b"null"):
        headers = [(b"origin", origin), (b"cookie", f"sessionid={cookie}".encode())]
        await refused_with(socket(operation.pk, headers))
    control = socket(operation.pk, [ORIGIN, (b"cookie", f"sessionid={cookie}".encode())])
    assert (await control.connect(timeout=10))[0]
    await control.disconnect()


async def test_a_valid_token_of_a_member_removed_since_is_refused(manager, location, operation):
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(manager)))()
    await database_sync_to_async(lambda: Membership.objects.filter(user=manager, location=location).delete())()
    assert await refused_with(socket(operation.pk, bearer(token))) == NOT_FOUND


async def test_junk_frames_neither_crash_the_socket_nor_reach_another_operation(
    manager, location, outsider, other_location, operation
):
    theirs = await database_sync_to_async(new_operation)(outsider, other_location)
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(manager)))()
    communicator = socket(operation.pk, bearer(token))
    assert (await communicator.connect(timeout=10))[0]
    first = await communicator.receive_json_from(timeout=5)
    assert first["operation_id"] == str(operation.pk)

    for frame in ("{not json", "[]", "null", '"refresh"', "9" * 5000, "[" * 100_000):
        await communicator.send_to(text_data=frame)
    await communicator.send_to(bytes_data=b"\x00\xff binary")
    await communicator.send_json_to({"type": "refresh", "operation_id": str(theirs.pk)})
    await communicator.send_json_to({"type": "subscribe", "operation_id": str(theirs.pk)})
    await asyncio.sleep(0.2)

    # Still open, and about our operation only, up to its completion.
    await database_sync_to_async(engine.run_operation)(operation.pk)
    received = [await communicator.receive_json_from(timeout=5)]
    while received[-1]["type"] != "operation_completed":
        received.append(await communicator.receive_json_from(timeout=5))
    assert {message["operation_id"] for message in received} == {str(operation.pk)}
    await communicator.disconnect()
