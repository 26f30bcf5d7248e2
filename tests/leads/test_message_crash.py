"""Must-show 3: a worker dies mid-way through a message operation; after resuming, every lead
has exactly one message and exactly one line in the SMS file (real qcluster processes)."""

import json

import pytest
from django.db.models import Count

from leads import tasks
from leads.models import Lead, Message, MessageStatus
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.workers import running_workers, sqlite_file_database, wait_until

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]

LEADS = 600


def sms_lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def outbox_drained(operation) -> bool:
    """True once no message of operation is queued or sending. Meanwhile it runs the every-minute
    outbox schedule now instead of in a minute: what a dead worker left in sending is reconciled,
    and what that puts back in the queue is sent (nothing else would send it)."""
    tasks.run_outbox()
    return not Message.objects.filter(operation=operation, status__in=["queued", "sending"]).exists()


def test_worker_killed_mid_message_operation_sends_each_lead_exactly_once(manager, location, tmp_path, settings):
    sms_file = tmp_path / "sms.jsonl"
    # This process reconciles too (below), with the workers' backend and file.
    settings.SMS_BACKEND, settings.SMS_FILE_PATH, settings.MESSAGE_STALE_SECONDS = (
        "leads.messaging.FileSMSBackend",
        str(sms_file),
        3,
    )
    Lead.objects.bulk_create(
        Lead(location=location, first_name=f"L{i}", phone=f"+1415555{i:04d}") for i in range(LEADS)
    )
    ids = list(Lead.objects.filter(location=location).values_list("pk", flat=True))
    env = {
        "SMS_BACKEND": "leads.messaging.FileSMSBackend",
        "SMS_FILE_PATH": str(sms_file),
        "BULK_CHUNK_SIZE": "10",
        "MESSAGE_STALE_SECONDS": "3",
        "Q_WORKERS": "2",
    }
    with sqlite_file_database(tmp_path), running_workers(1, env=env, log_dir=tmp_path) as pool:
        operation, _ = engine.create_operation(
            user=manager,
            location=location,
            target="leads",
            operation_type="message",
            params={"channel": "sms", "body": "Hi {first_name}"},
            ids=ids,
        )
        wait_until(
            lambda: len(sms_lines(sms_file)) >= 50, timeout=60, message="the first messages to go out", workers=pool
        )
        pool.workers[0].crash()
        operation.refresh_from_db()
        sent_at_crash = len(sms_lines(sms_file))
        assert operation.status == OperationStatus.IN_PROGRESS
        assert sent_at_crash < LEADS, "the worker must die mid-way"

        pool.start(1)  # another machine; the watchdog re-queues the stalled operation
        engine.resume_stalled_operations(stall_seconds=0)
        wait_until(
            lambda: BulkOperation.objects.get(pk=operation.pk).status == OperationStatus.COMPLETED,
            timeout=120,
            interval=0.2,
            message="the operation to complete after the crash",
            workers=pool,
        )
        wait_until(lambda: outbox_drained(operation), timeout=60, message="the outbox to drain", workers=pool)

        per_lead = Message.objects.filter(operation=operation).values("lead_id").annotate(n=Count("id"))
        assert per_lead.count() == LEADS
        assert not per_lead.filter(n__gt=1).exists()
        assert Message.objects.filter(operation=operation, status=MessageStatus.SENT).count() == LEADS
        lines = sms_lines(sms_file)
        assert sorted(line["lead_id"] for line in lines) == sorted(ids)  # one line per lead, none twice
        operation.refresh_from_db()
        assert (operation.successful, operation.failed) == (LEADS, 0)
