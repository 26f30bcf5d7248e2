"""The SMS sending rate per sender number (SMS_RATE_PER_SECOND): slots taken from the database, so the
rate holds with several workers; measured from the file SMS backend's send times, never by a timed
assertion (a slow machine only spreads the sends further apart)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from leads import messaging, sending_rate
from leads.models import Message, MessageStatus, SenderPace
from operations import engine
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_lead

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def sent_times(path) -> list[float]:
    return sorted(json.loads(line)["sent_at"] for line in path.read_text().splitlines() if line.strip())


def assert_paced(times: list[float], rate: float) -> None:
    """The k-th send is at least k-1 intervals after the first: slots never overlap, only the first
    send may be late on its slot (hence k-1, not k)."""
    gaps = [times[k] - times[0] - (k - 1) / rate for k in range(1, len(times))]
    assert min(gaps) >= 0, f"{len(times)} SMS sent faster than {rate} a second: {times}"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "leads.messaging.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def queue_sms(location, count: int) -> list[Message]:
    return [
        Message.objects.create(lead=make_lead(location, phone=f"+1415555{i:04d}"), channel="sms", to="+1", body="Hi")
        for i in range(count)
    ]


def test_slots_of_one_number_never_overlap_whoever_asks(settings, db):
    """A fake clock: two workers asking at the same moment get slots one interval apart."""
    settings.SMS_RATE_PER_SECOND = 2
    slots = [sending_rate.take_slot("+15550001", now=T0) for _ in range(4)]
    assert slots == [T0 + timedelta(seconds=0.5 * k) for k in range(4)]
    # Another number has its own pace; an idle number sends at once again.
    assert sending_rate.take_slot("+15550002", now=T0) == T0
    later = T0 + timedelta(seconds=10)
    assert sending_rate.take_slot("+15550001", now=later) == later
    assert SenderPace.objects.get(sender="+15550001").next_slot_at == later + timedelta(seconds=0.5)


def test_the_send_loop_keeps_the_rate(settings, sms_file, location):
    settings.SMS_RATE_PER_SECOND = 20
    queue_sms(location, 8)
    assert messaging.send_queued() == 8
    times = sent_times(sms_file)
    assert len(times) == 8
    assert_paced(times, 20)


def test_sms_that_would_wait_past_the_time_slice_go_back_to_the_queue(settings, sms_file, location):
    settings.SMS_RATE_PER_SECOND = 1
    queue_sms(location, 5)
    sent = messaging.send_queued(seconds=1.5)  # slots at 0 s and 1 s fit; the one at 2 s does not
    assert 1 <= sent <= 2
    assert Message.objects.filter(status=MessageStatus.SENT).count() == sent
    back = Message.objects.filter(status=MessageStatus.QUEUED, claimed_at__isnull=True)
    assert back.count() == 5 - sent  # unsent, not failed: the next slice sends them
    assert not Message.objects.filter(status__in=[MessageStatus.SENDING, MessageStatus.FAILED]).exists()


def test_the_operations_page_shows_the_rate_and_the_time_left(settings, client_for, manager, location, run_op):
    import re

    from django.utils import timezone

    settings.SMS_RATE_PER_SECOND = 1
    # The number is busy for another minute (other operations' SMS): the run's slice sends nothing.
    SenderPace.objects.create(sender=sending_rate.sender(), next_slot_at=timezone.now() + timedelta(seconds=60))
    leads = [make_lead(location, phone=f"+1415555{i:04d}") for i in range(3)]
    operation = run_op(manager, location, "message", {"channel": "sms", "body": "Hi"}, [lead.pk for lead in leads])
    assert operation.status == OperationStatus.COMPLETED
    assert Message.objects.filter(operation=operation, status=MessageStatus.QUEUED).count() == 3

    page = client_for(manager).get(f"/operations/{operation.pk}/items/?status=").text
    assert "SMS waiting to send: <strong>3</strong>" in page
    assert "Sending rate (SMS per second per number): <strong>1</strong>" in page
    left = int(re.search(r"Time left at that rate \(seconds\): <strong>(\d+)</strong>", page).group(1))
    assert 60 < left <= 63  # the minute the number is busy, then 3 SMS at 1 a second

    SenderPace.objects.update(next_slot_at=timezone.now())
    settings.SMS_RATE_PER_SECOND = 100
    assert messaging.send_queued() == 3
    page = client_for(manager).get(f"/operations/{operation.pk}/items/?status=").text
    assert "Sending rate" not in page  # nothing waits: no rate to show


def test_rate_must_be_positive(settings):
    from leads import conf

    settings.SMS_RATE_PER_SECOND = 0
    with pytest.raises(ValueError, match="above 0"):
        conf.sms_rate_per_second()


@pytest.mark.workers
@pytest.mark.django_db(transaction=True)
def test_two_workers_together_keep_one_numbers_rate(manager, location, tmp_path, settings):
    from tests.workers import running_workers, sqlite_file_database, wait_until

    rate, per_operation = 10, 15
    sms_file = tmp_path / "sms.jsonl"
    env = {
        "SMS_BACKEND": "leads.messaging.FileSMSBackend",
        "SMS_FILE_PATH": str(sms_file),
        "SMS_RATE_PER_SECOND": str(rate),
        "Q_WORKERS": "1",
    }
    groups = [[make_lead(location, phone=f"+1415556{g}{i:03d}").pk for i in range(per_operation)] for g in range(2)]
    with sqlite_file_database(tmp_path), running_workers(2, env=env, log_dir=tmp_path) as pool:
        operations = [
            engine.create_operation(
                user=manager,
                location=location,
                target="leads",
                operation_type="message",
                params={"channel": "sms", "body": "Hi {first_name}"},
                ids=ids,
            )[0]
            for ids in groups
        ]
        wait_until(
            lambda: Message.objects.filter(status=MessageStatus.SENT).count() == 2 * per_operation,
            timeout=90,
            interval=0.2,
            message="every SMS to be sent",
            workers=pool,
        )
    lines = [json.loads(line) for line in sms_file.read_text().splitlines() if line.strip()]
    assert len(lines) == 2 * per_operation  # each once
    assert_paced(sorted(line["sent_at"] for line in lines), rate)
    # Both workers were sending at the same time (the operations' sends interleave).
    by_lead = {line["lead_id"]: line["sent_at"] for line in lines}
    spans = [(min(by_lead[i] for i in ids), max(by_lead[i] for i in ids)) for ids in groups]
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1], spans
    assert all(
        op.status == OperationStatus.COMPLETED for op in BulkOperation.objects.filter(pk__in=[o.pk for o in operations])
    )
