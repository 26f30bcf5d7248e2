"""Events become signed deliveries to a real local receiver; failures are tried again with backoff."""

import itertools
import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from operations import engine
from tests import factories
from tests.webhooks.conftest import verify_signature
from webhooks import delivery, events
from webhooks.models import DeliveryStatus, Event, WebhookDelivery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]


@pytest.fixture
def allow_private():
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True):
        yield


def _finished_operation(manager, location, tickets):
    operation = factories.make_operation(manager, location, [t.pk for t in tickets])
    return factories.run_to_end(operation)


def test_an_operation_that_ends_is_delivered_once_signed_to_the_receiver(
    receiver, make_webhook, manager, location, tickets
):
    webhook = make_webhook(location, receiver.url, [Event.BULK_OPERATION_COMPLETED])
    operation = _finished_operation(manager, location, tickets)
    engine.run_operation(operation.pk)  # a repeated run of a finished operation sends nothing more

    (row,) = WebhookDelivery.objects.filter(webhook=webhook)
    assert row.event == "bulk_operation.completed" and row.status == DeliveryStatus.PENDING
    assert delivery.attempt(row.pk) == DeliveryStatus.SUCCEEDED

    (request,) = receiver.requests
    assert request.path == "/hooks?source=bulkops"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Webhook-Event"] == "bulk_operation.completed"
    assert request.headers["X-Webhook-Delivery"] == str(row.pk)
    assert verify_signature(webhook.secret, request.headers["X-Signature"], request.body)
    assert not verify_signature(webhook.secret, request.headers["X-Signature"], request.body + b" ")
    assert not verify_signature("whsec_other", request.headers["X-Signature"], request.body)
    timestamp = int(dict(p.split("=", 1) for p in request.headers["X-Signature"].split(","))["t"])
    assert abs(timestamp - timezone.now().timestamp()) < 60

    body = request.json()
    assert body["event"] == "bulk_operation.completed"
    data = body["data"]  # the operation as GET /api/v1/bulk-operations/{id} shows it
    assert data["operation_id"] == str(operation.pk)
    assert data["status"] == "completed" and data["total"] == 3 and data["successful"] == 3
    assert data["created_by"] == manager.username

    row.refresh_from_db()
    assert (row.status, row.response_code, row.attempts, row.next_attempt_at) == ("succeeded", 200, 1, None)
    assert delivery.attempt(row.pk) is None  # a finished delivery is not sent again
    assert len(receiver.requests) == 1


def test_a_receiver_answering_500_gets_retries_with_growing_pauses_then_the_delivery_fails(
    receiver, make_webhook, manager, location, tickets
):
    receiver.status = 500
    make_webhook(location, receiver.url)
    _finished_operation(manager, location, tickets)
    row = WebhookDelivery.objects.get()
    pauses = []
    for _ in range(delivery.MAX_ATTEMPTS):
        before = timezone.now()
        assert delivery.attempt(row.pk) in (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
        row.refresh_from_db()
        assert row.response_code == 500 and "answered 500" in row.last_error
        if row.status == DeliveryStatus.PENDING:
            pauses.append(row.next_attempt_at - before)
            assert delivery.attempt(row.pk) is None  # not due yet: nobody tries it early
            WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # time passes
    assert row.status == DeliveryStatus.FAILED and row.next_attempt_at is None
    assert row.attempts == delivery.MAX_ATTEMPTS >= 6
    assert len(receiver.requests) == delivery.MAX_ATTEMPTS
    assert all(later > earlier for earlier, later in itertools.pairwise(pauses)), pauses
    assert sum(pauses, timedelta()) >= timedelta(hours=1)
    assert [round(p.total_seconds() / 60) for p in pauses] == [1, 2, 5, 10, 20, 30]
    bodies = {r.body for r in receiver.requests}
    assert len(bodies) == 1  # every try sends the same body, freshly signed


def test_a_receiver_that_recovers_gets_the_delivery(receiver, make_webhook, manager, location, tickets):
    receiver.status = 503
    make_webhook(location, receiver.url)
    _finished_operation(manager, location, tickets)
    row = WebhookDelivery.objects.get()
    assert delivery.attempt(row.pk) == DeliveryStatus.PENDING
    receiver.status = 204
    WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.attempt(row.pk) == DeliveryStatus.SUCCEEDED
    row.refresh_from_db()
    assert (row.attempts, row.response_code, row.last_error) == (2, 204, "")


def test_redirects_are_not_followed(receiver, make_webhook, manager, location, tickets):
    receiver.status = 302
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    make_webhook(location, receiver.url)
    _finished_operation(manager, location, tickets)
    row = WebhookDelivery.objects.get()
    assert delivery.attempt(row.pk) == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert row.response_code == 302
    assert len(receiver.requests) == 1


def test_an_unreachable_receiver_is_tried_again(make_webhook, manager, location, tickets, receiver):
    url = receiver.url
    receiver.server.shutdown()
    receiver.server.server_close()  # nothing listens on the port any more
    make_webhook(location, url)
    _finished_operation(manager, location, tickets)
    row = WebhookDelivery.objects.get()
    assert delivery.attempt(row.pk) == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert row.response_code is None and row.last_error.startswith("Could not reach the receiver")
    assert row.next_attempt_at > timezone.now()


def test_cancelled_and_failed_operations_have_their_own_events(make_webhook, manager, location, tickets, receiver):
    cancelled_hook = make_webhook(location, receiver.url, [Event.BULK_OPERATION_CANCELLED])
    failed_hook = make_webhook(location, receiver.url, [Event.BULK_OPERATION_FAILED])
    operation = factories.make_operation(manager, location, [t.pk for t in tickets])
    engine.cancel_operation(operation=operation)
    _finished_operation(manager, location, tickets)  # completed: neither hook wants it

    (row,) = WebhookDelivery.objects.all()
    assert (row.webhook, row.event) == (cancelled_hook, "bulk_operation.cancelled")
    assert row.payload["data"]["status"] == "cancelled"
    assert not failed_hook.deliveries.exists()


def test_a_failed_operation_sends_bulk_operation_failed(
    make_webhook, manager, location, tickets, receiver, monkeypatch
):
    from operations.registry import get_type

    hook = make_webhook(location, receiver.url, [Event.BULK_OPERATION_FAILED])
    operation = factories.make_operation(manager, location, [t.pk for t in tickets])
    op_type = get_type(operation.target, operation.operation_type)

    def finish_fails(op):
        raise RuntimeError("the type's finish step broke")

    monkeypatch.setattr(op_type, "finish", finish_fails)  # the only way an operation fails
    operation = factories.run_to_end(operation)
    assert operation.status == "failed"
    (row,) = hook.deliveries.all()
    assert row.event == "bulk_operation.failed"
    assert row.payload["data"]["error_message"] == "the type's finish step broke"


def test_inactive_webhooks_get_nothing_and_deactivation_stops_retries(
    make_webhook, manager, location, tickets, receiver
):
    active = make_webhook(location, receiver.url)
    inactive = make_webhook(location, receiver.url)
    inactive.is_active = False
    inactive.save()
    _finished_operation(manager, location, tickets)
    row = WebhookDelivery.objects.get()
    assert row.webhook == active
    active.is_active = False
    active.save()
    assert delivery.attempt(row.pk) == DeliveryStatus.FAILED
    assert receiver.requests == []


def test_events_of_one_company_never_reach_another_companys_webhooks(
    make_webhook, manager, outsider, location, other_location, tickets, receiver
):
    ours = make_webhook(location, receiver.url)
    theirs = make_webhook(other_location, receiver.url, user=outsider)
    _finished_operation(manager, location, tickets)
    events.emit(location, Event.LEAD_IMPORT_COMPLETED, {"import_id": "x"})
    assert ours.deliveries.count() == 2
    assert not theirs.deliveries.exists()


def test_a_completed_campaign_is_delivered_as_the_api_shows_it(make_webhook, manager, location, receiver):
    from campaigns import services as campaign_services
    from campaigns.models import ContactStatus

    hook = make_webhook(location, receiver.url, [Event.CAMPAIGN_COMPLETED])
    campaign, _ = campaign_services.create_campaign(
        location=location, user=manager, file_bytes=b"phone\n+14155550101\n", filename="c.csv", name="Spring"
    )
    campaign_services.start_campaign(campaign_id=campaign.pk)
    campaign.contacts.update(status=ContactStatus.COMPLETED)
    assert campaign_services.complete_campaign(campaign_id=campaign.pk)
    assert not campaign_services.complete_campaign(campaign_id=campaign.pk)  # once
    (row,) = hook.deliveries.all()
    assert row.event == "campaign.completed"
    assert row.payload["data"]["id"] == campaign.pk and row.payload["data"]["state"] == "completed"
    assert delivery.attempt(row.pk) == DeliveryStatus.SUCCEEDED
    assert json.loads(receiver.requests[0].body)["data"]["name"] == "Spring"


def test_lead_import_completed_is_emitted_by_the_public_function(make_webhook, location, receiver):
    hook = make_webhook(location, receiver.url, [Event.LEAD_IMPORT_COMPLETED])
    (row,) = events.emit(location, "lead_import.completed", {"import_id": "42", "created": 3})
    assert row.webhook == hook and row.payload["data"] == {"import_id": "42", "created": 3}
    with pytest.raises(ValueError):
        events.emit(location, "lead_import.exploded", {})


def test_the_sweep_queues_only_due_pending_deliveries(make_webhook, location, receiver):
    hook = make_webhook(location, receiver.url)
    now = timezone.now()
    due = WebhookDelivery.objects.create(webhook=hook, event="campaign.completed", payload={}, next_attempt_at=now)
    WebhookDelivery.objects.create(
        webhook=hook, event="campaign.completed", payload={}, next_attempt_at=now + timedelta(minutes=5)
    )
    WebhookDelivery.objects.create(webhook=hook, event="campaign.completed", payload={}, status="succeeded")
    from django_q.models import OrmQ

    queued_before = OrmQ.objects.count()
    assert delivery.deliver_due() == 1
    assert OrmQ.objects.count() == queued_before + 1
    assert str(due.pk) in str(OrmQ.objects.order_by("-pk").first().task)


def test_emitting_queues_the_delivery_when_the_transaction_commits(
    make_webhook, location, receiver, django_capture_on_commit_callbacks
):
    make_webhook(location, receiver.url)
    with django_capture_on_commit_callbacks() as callbacks:
        events.emit(location, Event.LEAD_IMPORT_COMPLETED, {"import_id": "1"})
    assert len(callbacks) == 1
