"""Fault trials: a worker SIGKILLed at a random point of an operation of every registered type.

Each trial starts an operation on a real qcluster, kills the worker's whole process group
once a random share of the items is done (plus a random few milliseconds, so the kill lands
inside a chunk as often as between chunks), starts another worker, lets the watchdog re-queue
the operation as it would after its stall period, and checks that every item was processed
exactly once: no item left pending, counters equal to the item rows, and each record's side
effect (comment, history row, message, file row...) present exactly once.

    FAULT_TRIALS=10 bin/test tests/faults        # ten trials per type (the suite runs one)
"""

import csv
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count

from agents.models import Agent
from campaigns.models import Campaign
from leads.import_models import LeadImportRow
from leads.models import Lead, LeadAssignment, Message, StageChange, Tag
from operations import engine
from operations.models import BulkOperation, BulkOperationItem, ItemStatus, OperationStatus
from operations.registry import targets, types_for
from tests import factories
from tests.leads.test_message_crash import outbox_drained
from tests.workers import running_workers, sqlite_file_database, wait_until
from tickets.models import Comment, Ticket, TicketAssignment

pytestmark = [pytest.mark.workers, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TRIALS = int(os.environ.get("FAULT_TRIALS", "1"))
RECORDS = 300
CHUNK = 10


@dataclass
class Case:
    """How to make the records and parameters of one operation type, and check its side effects."""

    target: str
    key: str

    def records(self, location) -> list[int]:
        if self.target == "tickets":
            return [factories.make_ticket(location, status="open").pk for _ in range(RECORDS)]
        if self.target == "lead_import_rows":  # one import of a file of RECORDS new people
            first = factories.make_import_row(location)
            LeadImportRow.objects.bulk_create(
                LeadImportRow(
                    lead_import=first.lead_import,
                    row_number=n + 3,
                    cells=[f"Row{n}", f"row{n}@example.com"],
                    values={"first_name": f"Row{n}", "email": f"row{n}@example.com"},
                )
                for n in range(RECORDS - 1)
            )
            return sorted(first.lead_import.rows.values_list("pk", flat=True))
        Lead.objects.bulk_create(
            Lead(location=location, first_name=f"L{n}", phone=f"+1415555{n:04d}", email=f"l{n}@example.com")
            for n in range(RECORDS)
        )
        leads = Lead.objects.filter(location=location).order_by("-pk")[:RECORDS]
        ids = sorted(leads.values_list("pk", flat=True))
        if self.key == "remove_tags":
            tag = Tag.objects.get_or_create(location=location, name="stale")[0]
            tag.leads.add(*ids)
        return ids

    def params(self, location) -> dict:
        if self.key == "add_to_campaign":
            return {"campaign_id": factories.make_campaign(location).pk}
        agent = Agent.objects.filter(location=location).first() or factories.make_agent(location, max_capacity=10**6)
        return {
            ("tickets", "update_status"): {"status": "resolved"},
            ("tickets", "update_priority"): {"priority": "urgent"},
            ("tickets", "update_category"): {"category": "billing"},
            ("tickets", "assign"): {"agent_id": agent.pk},
            ("tickets", "add_comment"): {"body": "Checked in bulk"},
            ("tickets", "delete"): {},
            ("leads", "change_stage"): {"stage": "contacted", "reason": "fault trial"},
            ("leads", "assign"): {"agent_id": agent.pk},
            ("leads", "add_tags"): {"tags": ["trial"]},
            ("leads", "remove_tags"): {"tags": ["stale"]},
            ("leads", "score"): {},
            ("leads", "message"): {"channel": "sms", "body": "Hi {first_name}"},
            ("leads", "export"): {"format": "csv", "fields": ["id", "first_name"]},
            ("lead_import_rows", "lead_import"): {},
        }[(self.target, self.key)]

    def check_side_effects(self, operation: BulkOperation, ids: list[int], sms_file: Path) -> None:
        once_per_record = {
            ("tickets", "add_comment"): (Comment, "ticket_id"),
            ("tickets", "assign"): (TicketAssignment, "ticket_id"),
            ("leads", "change_stage"): (StageChange, "lead_id"),
            ("leads", "assign"): (LeadAssignment, "lead_id"),
            ("leads", "message"): (Message, "lead_id"),
        }.get((self.target, self.key))
        if once_per_record:
            model, column = once_per_record
            per_record = dict(
                model.objects.filter(operation=operation).values_list(column).annotate(n=Count("id")).order_by()
            )
            assert per_record == dict.fromkeys(ids, 1), f"{model.__name__} rows per record"
        if self.target == "tickets":
            assert Ticket.objects.filter(pk__in=ids, last_operation=operation).count() == len(ids)
        if self.key == "message":
            lines = sms_file.read_text().splitlines()
            assert len(lines) == len(ids), "one SMS per lead, none twice"
        if self.key == "add_to_campaign":  # one contact per lead, none twice, and counted once
            campaign = Campaign.objects.get(pk=operation.parameters["campaign_id"])
            per_lead = dict(campaign.contacts.filter(lead__isnull=False).values_list("lead_id").annotate(n=Count("id")))
            assert per_lead == dict.fromkeys(ids, 1), "contacts per lead"
            assert campaign.total_contacts == campaign.contacts.count()
        if self.key == "add_tags":
            assert Lead.tags.through.objects.filter(lead_id__in=ids, tag__name="trial").count() == len(ids)
        if self.key == "remove_tags":
            assert not Lead.tags.through.objects.filter(lead_id__in=ids, tag__name="stale").exists()
        if self.key == "lead_import":  # one lead per row of the file, none twice
            emails = LeadImportRow.objects.filter(pk__in=ids).values_list("values__email", flat=True)
            created = Lead.objects.filter(email__in=list(emails)).values_list("email").annotate(n=Count("id"))
            assert dict(created) == dict.fromkeys(emails, 1), "leads per imported row"
        if self.key == "export":
            with open(Path(settings.MEDIA_ROOT) / operation.result_file.name, newline="") as handle:
                exported = [int(row["id"]) for row in csv.DictReader(handle)]
            assert exported == ids


CASES = [Case(target.key, op_type.key) for target in targets() for op_type in types_for(target.key)]


def assert_every_item_processed_once(operation: BulkOperation, ids: list[int]) -> None:
    operation.refresh_from_db()
    by_status = dict(
        BulkOperationItem.objects.filter(operation=operation).values_list("status").annotate(n=Count("id")).order_by()
    )
    assert operation.status == OperationStatus.COMPLETED
    assert ItemStatus.PENDING not in by_status
    assert sum(by_status.values()) == operation.total == len(ids)
    assert operation.processed == operation.total
    assert (operation.successful, operation.failed, operation.skipped) == (
        by_status.get(ItemStatus.SUCCEEDED, 0),
        by_status.get(ItemStatus.FAILED, 0),
        by_status.get(ItemStatus.SKIPPED, 0),
    )
    assert operation.successful == len(ids), by_status


def crash_mid_operation(case: Case, *, user, location, rng, env: dict, log_dir: Path):
    """One trial: run an operation, SIGKILL its worker part-way, finish it on another; return (operation, ids)."""
    ids = case.records(location)
    kill_after = rng.randint(1, RECORDS - CHUNK)
    with running_workers(1, env=env, log_dir=log_dir) as pool:
        operation, _ = engine.create_operation(
            user=user,
            location=location,
            target=case.target,
            operation_type=case.key,
            params=case.params(location),
            ids=ids,
        )

        def done() -> BulkOperation:
            return BulkOperation.objects.get(pk=operation.pk)

        wait_until(lambda: done().processed >= kill_after, timeout=60, message=f"{kill_after} items", workers=pool)
        time.sleep(rng.random() * 0.05)
        pool.workers[0].crash()

        pool.start(1)
        engine.resume_stalled_operations(stall_seconds=0)  # the watchdog, its stall period over
        wait_until(
            lambda: done().status == OperationStatus.COMPLETED,
            timeout=120,
            interval=0.2,
            message="the operation to complete after the crash",
            workers=pool,
        )
        if case.key == "message":
            wait_until(lambda: outbox_drained(operation), timeout=60, message="the outbox to drain", workers=pool)
    return operation, ids


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.target}.{case.key}")
def test_worker_killed_at_a_random_point_every_item_is_processed_exactly_once(
    case, manager, location, tmp_path, settings
):
    rng = random.Random(f"{case.target}.{case.key}")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SMS_BACKEND, settings.MESSAGE_STALE_SECONDS = "leads.messaging.FileSMSBackend", 2
    env = {
        "BULK_CHUNK_SIZE": str(CHUNK),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "SMS_BACKEND": "leads.messaging.FileSMSBackend",
        "MESSAGE_STALE_SECONDS": "2",
    }
    with sqlite_file_database(tmp_path):
        for trial in range(TRIALS):
            sms_file = tmp_path / f"sms-{trial}.jsonl"
            sms_file.touch()
            settings.SMS_FILE_PATH = str(sms_file)  # this process reconciles with the workers' file
            operation, ids = crash_mid_operation(
                case,
                user=manager,
                location=location,
                rng=rng,
                env={**env, "SMS_FILE_PATH": str(sms_file)},
                log_dir=tmp_path,
            )
            assert_every_item_processed_once(operation, ids)
            case.check_side_effects(operation, ids, sms_file)
