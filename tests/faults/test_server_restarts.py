"""Faults of the servers: PostgreSQL restarted mid-operation, Redis stopped while operations run.

Each test runs against servers of its own (tests/faults/servers.py) so it can stop them.
"""

import contextlib

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, connections
from django.db.models import Count
from django.urls import reverse

from accounts.models import Role
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests import factories
from tests.faults.servers import connected_to, private_postgres, private_redis
from tests.faults.test_worker_kills import assert_every_item_processed_once
from tests.operations.test_websocket import bearer_headers, socket
from tests.workers import running_workers, sqlite_file_database, wait_until
from tickets.models import Comment

pytestmark = [pytest.mark.workers, pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def status_and_processed(operation_id) -> tuple[str, int]:
    """Read on a fresh connection: the previous one may have died with the server."""
    connections.close_all()
    return BulkOperation.objects.values_list("status", "processed").get(pk=operation_id)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Runs on PostgreSQL (DATABASE_URL=postgres://…)")
def test_postgresql_restarted_mid_operation_the_operation_resumes_and_finishes_once(tmp_path):
    with private_postgres() as server, connected_to(server):
        location = factories.make_location("Restart Co", slug="restart-co")
        user = factories.make_user("restart-manager", location=location, role=Role.MANAGER)
        ids = [factories.make_ticket(location).pk for _ in range(1500)]
        # A worker still reconnecting when its task's time runs out leaves the operation to the
        # watchdog (a loaded machine restarts PostgreSQL slowly): let it step in after 10 s, not 2 min.
        env = {"BULK_CHUNK_SIZE": "10", "BULK_STALL_SECONDS": "10"}
        with running_workers(1, env=env, log_dir=tmp_path) as pool:
            operation, _ = engine.create_operation(
                user=user,
                location=location,
                target="tickets",
                operation_type="add_comment",
                params={"body": "Survives a database restart"},
                ids=ids,
            )
            wait_until(
                lambda: status_and_processed(operation.pk)[1] >= 200,
                timeout=60,
                message="the worker to be well into the operation",
                workers=pool,
            )
            connections.close_all()
            server.restart()
            processed_after_restart = status_and_processed(operation.pk)[1]
            assert processed_after_restart < len(ids), "the restart must land mid-operation"

            wait_until(
                lambda: status_and_processed(operation.pk)[0] == OperationStatus.COMPLETED,
                timeout=180,
                interval=0.3,
                message="the operation to resume after the restart",
                workers=pool,
            )
        assert_every_item_processed_once(operation, ids)
        assert Comment.objects.filter(operation=operation).count() == len(ids)
        connections.close_all()


async def _socket_state(operation_id, headers) -> dict:
    communicator = socket(operation_id, headers)
    connected, _ = await communicator.connect(timeout=10)
    assert connected, "the socket must still open while Redis is down"
    message = await communicator.receive_json_from(timeout=10)
    await communicator.disconnect()
    return message


@contextlib.contextmanager
def enqueueing_to(redis_url: str):
    """Make this process queue tasks on django-q2's Redis broker at redis_url, as the web does with REDIS_URL."""
    from django_q.conf import Conf

    saved = Conf.ORM, Conf.REDIS
    Conf.ORM, Conf.REDIS = None, redis_url
    try:
        yield
    finally:
        Conf.ORM, Conf.REDIS = saved


def test_redis_stopped_while_operations_run_progress_is_polled_and_nothing_is_lost(
    manager, location, tmp_path, settings, client_for
):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": []}}
    }  # replaced below, once the server's port is known
    ids = [factories.make_ticket(location).pk for _ in range(1500)]
    with sqlite_file_database(tmp_path), private_redis(tmp_path) as redis_server, enqueueing_to(redis_server.url):
        settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [{"address": redis_server.url, "socket_timeout": 2}]
        env = {"REDIS_URL": redis_server.url, "BULK_CHUNK_SIZE": "10"}
        with running_workers(1, env=env, log_dir=tmp_path) as pool:
            operation, _ = engine.create_operation(
                user=manager,
                location=location,
                target="tickets",
                operation_type="add_comment",
                params={"body": "Survives Redis going away"},
                ids=ids,
            )
            wait_until(
                lambda: status_and_processed(operation.pk)[1] >= 100,
                timeout=60,
                message="the worker to be into the operation",
                workers=pool,
            )
            redis_server.stop()

            # The live page's fallbacks read the database: its htmx poll and the socket's own poll.
            before = status_and_processed(operation.pk)[1]
            response = client_for(manager).get(reverse("operations:progress", args=[operation.pk]))
            assert response.status_code == 200
            message = async_to_sync(_socket_state)(operation.pk, bearer_headers(manager))
            assert message["type"] in {"progress_update", "operation_completed"}
            assert message["processed_tickets"] >= before

            redis_server.start()  # back on the same port; the watchdog re-queues what stalled
            if status_and_processed(operation.pk)[0] != OperationStatus.COMPLETED:
                if not pool.workers[0].is_running():
                    pool.start(1)
                engine.resume_stalled_operations(stall_seconds=0)
            wait_until(
                lambda: status_and_processed(operation.pk)[0] == OperationStatus.COMPLETED,
                timeout=90,
                interval=0.3,
                message="the operation to finish once Redis is back",
                workers=pool,
            )
        assert_every_item_processed_once(operation, ids)
        per_ticket = Comment.objects.filter(operation=operation).values("ticket_id").annotate(n=Count("id"))
        assert per_ticket.count() == len(ids) and not per_ticket.filter(n__gt=1).exists()
