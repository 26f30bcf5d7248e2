"""WebSocket /ws/bulk-operations/{id}/: seed 003's progress_update and operation_completed messages.

Run against config.asgi.application (origin check, session/Bearer auth, routing). The
consumer threads use their own database connections, so the data must be committed.
"""

import asyncio
import os
import socket as socket_module
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from config.asgi import application
from operations import engine
from operations.consumers import BulkOperationConsumer
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_ticket
from tests.workers import running_workers, sqlite_file_database

pytestmark = pytest.mark.django_db(transaction=True)

PROGRESS_FIELDS = {"type", "operation_id", "processed_tickets", "progress_percentage", "current_ticket_id", "timestamp"}
COMPLETED_FIELDS = {"type", "operation_id", "final_status", "successful_tickets", "failed_tickets", "completed_at"}
ORIGIN = (b"origin", b"http://testserver")


def session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    return [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


def bearer_headers(user) -> list[tuple[bytes, bytes]]:
    return [ORIGIN, (b"authorization", f"Bearer {RefreshToken.for_user(user).access_token}".encode())]


async def headers_for(user, kind=bearer_headers) -> list[tuple[bytes, bytes]]:
    return await database_sync_to_async(kind)(user)


def socket(operation_id, headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/bulk-operations/{operation_id}/", headers=headers)


def new_operation(user, location, count=4, operation_type="update_status", params=None) -> BulkOperation:
    tickets = [make_ticket(location) for _ in range(count)]
    operation, _ = engine.create_operation(
        user=user,
        location=location,
        target="tickets",
        operation_type=operation_type,
        params=params if params is not None else {"status": "resolved"},
        ids=[t.pk for t in tickets],
    )
    return operation


async def messages_until_completed(communicator, timeout=20) -> list[dict]:
    """Every message up to and including operation_completed."""
    received = []
    while not received or received[-1]["type"] != "operation_completed":
        received.append(await communicator.receive_json_from(timeout=timeout))
    return received


@pytest.fixture
def operation(manager, location):
    return new_operation(manager, location)


@pytest.fixture
def redis_layer(settings):
    """channels-redis as the layer, on a database and prefix of this test's own."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    address = f"{base}/13"
    try:
        redis.Redis.from_url(address, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"Redis is not reachable at {address}")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": address, "socket_timeout": None}],
                "prefix": f"test-{uuid.uuid4().hex[:8]}",
            },
        }
    }


@pytest.mark.parametrize("headers", [session_headers, bearer_headers], ids=["session-cookie", "bearer"])
async def test_authenticated_member_gets_the_current_state_at_once(headers, manager, operation):
    communicator = socket(operation.pk, await headers_for(manager, headers))
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    message = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    assert set(message) >= PROGRESS_FIELDS
    assert message["type"] == "progress_update"
    assert message["operation_id"] == str(operation.pk)
    assert (message["processed_tickets"], message["progress_percentage"], message["total_tickets"]) == (0, 0, 4)


async def test_without_credentials_the_socket_is_refused(operation):
    connected, code = await socket(operation.pk, [ORIGIN]).connect(timeout=10)
    assert not connected
    assert code == 4401


async def test_a_bad_bearer_token_is_refused(operation):
    connected, code = await socket(operation.pk, [ORIGIN, (b"authorization", b"Bearer not-a-token")]).connect(
        timeout=10
    )
    assert not connected
    assert code == 4401


async def test_another_tenants_operation_is_refused(outsider, operation):
    for kind in (session_headers, bearer_headers):
        connected, code = await socket(operation.pk, await headers_for(outsider, kind)).connect(timeout=10)
        assert not connected
        assert code == 4404


@pytest.mark.parametrize(
    "operation_id",
    ["not-a-uuid", "123", "c005d07d-987d-417e-b5b0-536acf2f5f3d"],
    ids=["not-a-uuid", "number", "unknown-uuid"],
)
async def test_malformed_or_unknown_ids_are_refused(operation_id, manager):
    connected, code = await socket(operation_id, await headers_for(manager)).connect(timeout=10)
    assert not connected
    assert code == 4404


async def test_a_finished_operation_answers_operation_completed_and_closes(manager, operation):
    await database_sync_to_async(engine.run_operation)(operation.pk)
    communicator = socket(operation.pk, await headers_for(manager))
    assert (await communicator.connect(timeout=10))[0]
    message = await communicator.receive_json_from(timeout=5)
    closed = await communicator.receive_output(timeout=5)

    assert set(message) >= COMPLETED_FIELDS
    assert message["type"] == "operation_completed"
    assert (message["final_status"], message["successful_tickets"], message["failed_tickets"]) == ("completed", 4, 0)
    assert message["completed_at"]
    assert closed["type"] == "websocket.close"


async def _progress_through_the_layer(manager, location, settings, monkeypatch):
    settings.BULK_CHUNK_SIZE = 5
    settings.BULK_PROGRESS_INTERVAL = 0  # publish after every chunk
    monkeypatch.setattr(BulkOperationConsumer, "POLL_SECONDS", 60)  # so only the layer can deliver
    operation = await database_sync_to_async(new_operation)(manager, location, count=20)
    communicator = socket(operation.pk, await headers_for(manager))
    assert (await communicator.connect(timeout=10))[0]
    first = await communicator.receive_json_from(timeout=5)

    await database_sync_to_async(engine.run_operation)(operation.pk)
    received = await messages_until_completed(communicator)
    await communicator.disconnect()
    await get_channel_layer().flush()

    assert first["processed_tickets"] == 0
    progress = [m for m in received if m["type"] == "progress_update"]
    assert [m["processed_tickets"] for m in progress] == [5, 10, 15, 20]
    assert [m["progress_percentage"] for m in progress] == [25, 50, 75, 100]
    assert all(set(m) >= PROGRESS_FIELDS and m["operation_id"] == str(operation.pk) for m in progress)
    assert all(isinstance(m["current_ticket_id"], int) for m in progress)
    completed = received[-1]
    assert set(completed) >= COMPLETED_FIELDS
    assert (completed["final_status"], completed["successful_tickets"], completed["failed_tickets"]) == (
        "completed",
        20,
        0,
    )


async def test_progress_updates_then_completion_through_the_in_memory_layer(manager, location, settings, monkeypatch):
    await _progress_through_the_layer(manager, location, settings, monkeypatch)


async def test_progress_updates_then_completion_through_channels_redis(
    redis_layer, manager, location, settings, monkeypatch
):
    await _progress_through_the_layer(manager, location, settings, monkeypatch)


async def test_database_polling_carries_progress_when_nothing_is_published(manager, location, settings, monkeypatch):
    """A worker in another process cannot reach the in-memory layer: the consumer reads the database."""
    settings.BULK_CHUNK_SIZE = 2
    monkeypatch.setattr(BulkOperationConsumer, "POLL_SECONDS", 0.05)
    operation = await database_sync_to_async(new_operation)(manager, location, count=6)
    communicator = socket(operation.pk, await headers_for(manager))
    assert (await communicator.connect(timeout=10))[0]
    assert (await communicator.receive_json_from(timeout=5))["processed_tickets"] == 0

    await database_sync_to_async(BulkOperation.objects.filter(pk=operation.pk).update)(
        status=OperationStatus.IN_PROGRESS
    )
    seen = []
    for _ in range(3):
        await database_sync_to_async(engine.process_next_chunk)(operation.pk)  # publishes nothing
        seen.append(await communicator.receive_json_from(timeout=5))
    await database_sync_to_async(BulkOperation.objects.filter(pk=operation.pk).update)(status=OperationStatus.COMPLETED)
    completed = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    assert [(m["type"], m["processed_tickets"], m["progress_percentage"]) for m in seen] == [
        ("progress_update", 2, 33),
        ("progress_update", 4, 66),
        ("progress_update", 6, 100),
    ]
    assert (completed["type"], completed["final_status"], completed["successful_tickets"]) == (
        "operation_completed",
        "completed",
        6,
    )


@pytest.mark.workers
def test_a_worker_in_another_process_reports_to_the_socket(manager, location, tmp_path, monkeypatch):
    """The embedded default: SQLite file, ORM broker, in-memory layer, a real qcluster (PostgreSQL too)."""
    monkeypatch.setattr(BulkOperationConsumer, "POLL_SECONDS", 0.1)
    tickets = [make_ticket(location) for _ in range(40)]
    headers = bearer_headers(manager)

    async def watch(operation_id):
        communicator = socket(operation_id, headers)
        connected, code = await communicator.connect(timeout=10)
        assert connected, code
        received = await messages_until_completed(communicator, timeout=60)
        await communicator.disconnect()
        return received

    with sqlite_file_database(tmp_path), running_workers(1, env={"BULK_CHUNK_SIZE": "2"}):
        operation, _ = engine.create_operation(
            user=manager,
            location=location,
            target="tickets",
            operation_type="add_comment",
            params={"body": "Seen"},
            ids=[t.pk for t in tickets],
        )
        received = asyncio.run(watch(operation.pk))

    processed = [m["processed_tickets"] for m in received]
    assert processed == sorted(processed)
    completed = received[-1]
    assert (completed["type"], completed["final_status"], completed["successful_tickets"]) == (
        "operation_completed",
        "completed",
        40,
    )


async def test_socket_keeps_carrying_progress_from_the_database_when_redis_is_down(
    manager, location, settings, monkeypatch
):
    with socket_module.socket() as probe:  # a port nothing listens on: Redis is down
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": f"redis://127.0.0.1:{closed_port}/0", "socket_timeout": 1}]},
        }
    }
    settings.BULK_CHUNK_SIZE = 2
    monkeypatch.setattr(BulkOperationConsumer, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(BulkOperationConsumer, "LAYER_RETRY_SECONDS", 0.05)
    operation = await database_sync_to_async(new_operation)(manager, location, count=4)
    communicator = socket(operation.pk, await headers_for(manager))
    assert (await communicator.connect(timeout=10))[0]
    assert (await communicator.receive_json_from(timeout=5))["processed_tickets"] == 0

    await database_sync_to_async(BulkOperation.objects.filter(pk=operation.pk).update)(
        status=OperationStatus.IN_PROGRESS
    )
    await asyncio.sleep(0.3)  # the layer's receive fails meanwhile, again and again
    await database_sync_to_async(engine.process_next_chunk)(operation.pk)
    update = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    assert (update["type"], update["processed_tickets"]) == ("progress_update", 2)
