"""WebSocket /ws/notifications/: the user's unread count on connect, then on every change,
from the channel layer or from the database when the layer cannot carry it (another process)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import Role
from config.asgi import application
from notifications import services
from notifications.models import Notification
from operations import engine
from tests import factories
from tests.operations.test_websocket import headers_for, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(headers):
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


def _operation(user, location):
    return factories.make_operation(user, location, [factories.make_ticket(location).pk], params={"status": "resolved"})


async def test_the_count_arrives_on_connect_and_when_an_operation_ends(manager, location):
    operation = await database_sync_to_async(_operation)(manager, location)
    socket = _socket(await headers_for(manager, session_headers))
    connected, _ = await socket.connect(timeout=10)
    assert connected
    assert await socket.receive_json_from(timeout=5) == {"type": "notifications", "unread": 0, "latest": None}

    await database_sync_to_async(factories.run_to_end)(operation)  # publishes to the user's group
    message = await socket.receive_json_from(timeout=5)
    notification = await database_sync_to_async(Notification.objects.get)()
    assert message["unread"] == 1
    assert message["latest"]["id"] == notification.pk
    assert message["latest"]["operation_id"] == str(operation.pk)

    await database_sync_to_async(services.mark_all_read)(user=manager)
    assert (await socket.receive_json_from(timeout=5))["unread"] == 0
    await socket.disconnect()


async def test_a_change_the_layer_never_carried_arrives_from_the_database(manager, location):
    """A worker in another process on the in-memory layer: only the database knows."""
    operation = await database_sync_to_async(_operation)(manager, location)
    socket = _socket(await headers_for(manager, session_headers))
    await socket.connect(timeout=10)
    await socket.receive_json_from(timeout=5)
    await database_sync_to_async(Notification.objects.create)(
        recipient=manager, location=location, operation=operation, kind="completed", text="done"
    )
    assert (await socket.receive_json_from(timeout=10))["unread"] == 1
    await socket.disconnect()


async def test_another_users_change_is_not_sent(manager, location):
    colleague = await database_sync_to_async(factories.make_user)("colleague", location=location, role=Role.MANAGER)
    boss = await database_sync_to_async(factories.make_user)("boss", location=location, role=Role.ADMIN)
    operation = await database_sync_to_async(_operation)(colleague, location)
    socket = _socket(await headers_for(manager, session_headers))
    await socket.connect(timeout=10)
    await socket.receive_json_from(timeout=5)
    await database_sync_to_async(engine.cancel_operation)(operation=operation, user=boss)
    assert await database_sync_to_async(Notification.objects.filter(recipient=colleague).count)() == 1
    assert await socket.receive_nothing(timeout=3)
    await socket.disconnect()


async def test_signed_out_is_refused():
    socket = _socket([(b"origin", b"http://testserver")])
    connected, code = await socket.connect(timeout=10)
    assert not connected and code == 4401


async def test_a_bearer_token_socket_gets_the_count(manager, location):
    from tests.operations.test_websocket import bearer_headers

    socket = _socket(await headers_for(manager, bearer_headers))
    connected, _ = await socket.connect(timeout=10)
    assert connected
    assert (await socket.receive_json_from(timeout=5))["unread"] == 0
    await socket.disconnect()
