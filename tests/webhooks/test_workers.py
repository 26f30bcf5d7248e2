"""End to end with real django-q2 workers: subscribe over the API, run an operation through the API,
and the worker delivers one signed request to a local receiver."""

import pytest

from tests.webhooks.conftest import verify_signature
from tests.workers import running_workers, sqlite_file_database, wait_until
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = [pytest.mark.workers, pytest.mark.django_db(transaction=True)]


def test_a_worker_delivers_a_signed_event_when_an_operation_ends(tmp_path, api_for, manager, tickets, receiver):
    env = {"WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true"}
    with sqlite_file_database(tmp_path), running_workers(1, env=env, log_dir=tmp_path) as pool:
        client = api_for(manager)
        created = client.post(
            "/api/v1/webhooks", {"url": receiver.url, "events": ["bulk_operation.completed"]}, format="json"
        )
        assert created.status_code == 201, created.content
        secret = created.json()["secret"]
        response = client.post(
            "/api/v1/bulk-operations",
            {
                "target": "tickets",
                "operation_type": "update_status",
                "parameters": {"status": "resolved"},
                "ids": [t.pk for t in tickets],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        operation_id = response.json()["operation_id"]
        wait_until(lambda: receiver.requests, timeout=60, message="the delivery to arrive", workers=pool)
        wait_until(
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists(),
            timeout=30,
            message="the delivery to be recorded",
            workers=pool,
        )
        row = WebhookDelivery.objects.get()  # (in the workers' database file)
        assert (row.attempts, row.response_code, row.event) == (1, 200, "bulk_operation.completed")

    (request,) = receiver.requests
    assert verify_signature(secret, request.headers["X-Signature"], request.body)
    body = request.json()
    assert body["event"] == "bulk_operation.completed"
    assert body["data"]["operation_id"] == operation_id and body["data"]["status"] == "completed"
