"""The scale-out configuration: PostgreSQL, Redis as django-q2 broker and channel layer, several workers.

Progress reaches a socket from worker processes through channels-redis alone (the
consumer's database poll is slowed to a minute here), and no item is processed twice.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection

from accounts.models import Role
from operations import engine
from operations.consumers import BulkOperationConsumer
from operations.models import BulkOperation, OperationStatus
from tests import factories
from tests.faults.servers import private_redis
from tests.faults.test_server_restarts import enqueueing_to
from tests.faults.test_worker_kills import assert_every_item_processed_once
from tests.operations.test_websocket import bearer_headers, socket
from tests.workers import running_workers, wait_until
from tickets.models import Comment

pytestmark = [
    pytest.mark.workers,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Runs on PostgreSQL (DATABASE_URL=postgres://…)"),
]

USERS, TICKETS = 4, 400


async def layer_messages_until_completed(operation_id, headers) -> list[dict]:
    communicator = socket(operation_id, headers)
    assert (await communicator.connect(timeout=10))[0]
    received = [await communicator.receive_json_from(timeout=10)]
    while received[-1]["type"] != "operation_completed":
        received.append(await communicator.receive_json_from(timeout=60))
    await communicator.disconnect()
    return received


async def watch(operations, users) -> list[list[dict]]:
    headers = [await database_sync_to_async(bearer_headers)(user) for user in users]
    pairs = zip(operations, headers, strict=True)
    return await asyncio.gather(*(layer_messages_until_completed(o.pk, h) for o, h in pairs))


def test_several_workers_on_postgresql_and_redis_drain_users_operations_once(location, tmp_path, settings, monkeypatch):
    monkeypatch.setattr(BulkOperationConsumer, "POLL_SECONDS", 60)  # progress must come through Redis
    users = [factories.make_user(f"scale{n}", location=location, role=Role.MANAGER) for n in range(USERS)]
    tickets = {user.pk: [factories.make_ticket(location).pk for _ in range(TICKETS)] for user in users}
    with private_redis(tmp_path) as redis_server, enqueueing_to(redis_server.url):
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": redis_server.url, "socket_timeout": None}]},
            }
        }
        env = {"REDIS_URL": redis_server.url, "BULK_CHUNK_SIZE": "20", "BULK_PROGRESS_INTERVAL": "0.1"}
        with running_workers(3, env=env, log_dir=tmp_path) as pool:
            operations = [
                engine.create_operation(
                    user=user,
                    location=location,
                    target="tickets",
                    operation_type="add_comment",
                    params={"body": f"From {user.username}"},
                    ids=tickets[user.pk],
                )[0]
                for user in users
            ]
            streams = async_to_sync(watch)(operations, users)
            wait_until(
                lambda: BulkOperation.objects.filter(status=OperationStatus.COMPLETED).count() == USERS,
                timeout=60,
                message="every operation to complete",
                workers=pool,
            )
            runs = list(_tasks(operations).values_list("started", "stopped"))

    for operation, stream in zip(operations, streams, strict=True):
        assert_every_item_processed_once(operation, tickets[operation.created_by_id])
        assert Comment.objects.filter(operation=operation).count() == TICKETS
        assert stream[-1]["type"] == "operation_completed"
        assert stream[-1]["final_status"] == "completed"
    # The first message of a stream is the state read at connect; later ones came from workers via Redis.
    assert sum(m["type"] == "progress_update" for stream in streams for m in stream[1:]) > 0
    # Each worker runs one task at a time (Q_WORKERS=1): tasks that overlap ran on different workers.
    assert any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(runs) for b in runs[i + 1 :])


def _tasks(operations):
    from django_q.models import Task

    return Task.objects.filter(name__in=[f"bulk-operation-{o.pk}" for o in operations])
