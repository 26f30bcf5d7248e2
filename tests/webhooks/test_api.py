"""/api/v1/webhooks: create (secret once), list, detail, update, delete, the delivery log, redeliver."""

import pytest
from django.test import override_settings

from webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

PUBLIC_URL = "http://93.184.216.34/hooks"  # an address literal: no DNS needed to check it


def _create(client, **body):
    return client.post(
        "/api/v1/webhooks", {"url": PUBLIC_URL, "events": ["bulk_operation.completed"], **body}, format="json"
    )


def test_create_shows_the_secret_once(api_for, manager, location):
    client = api_for(manager)
    response = _create(client, events=["campaign.completed", "bulk_operation.completed"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) == 6 + 64
    assert body["events"] == ["bulk_operation.completed", "campaign.completed"]
    assert (body["url"], body["is_active"], body["location"], body["created_by"]) == (
        PUBLIC_URL,
        True,
        location.pk,
        "manager",
    )
    assert Webhook.objects.get(pk=body["id"]).secret == body["secret"]

    detail = client.get(f"/api/v1/webhooks/{body['id']}")
    assert detail.status_code == 200 and "secret" not in detail.json()
    listing = client.get("/api/v1/webhooks")
    assert listing.json()["count"] == 1 and "secret" not in listing.json()["results"][0]
    assert body["secret"] not in client.get("/api/v1/schema/").content.decode()


def test_two_webhooks_have_different_secrets(api_for, manager):
    client = api_for(manager)
    assert _create(client).json()["secret"] != _create(client).json()["secret"]


def test_list_is_paginated(api_for, manager):
    client = api_for(manager)
    for _ in range(3):
        _create(client)
    page = client.get("/api/v1/webhooks?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def test_update_and_delete(api_for, manager):
    client = api_for(manager)
    webhook_id = _create(client).json()["id"]
    patched = client.patch(f"/api/v1/webhooks/{webhook_id}", {"is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert patched.json()["url"] == PUBLIC_URL
    replaced = client.put(
        f"/api/v1/webhooks/{webhook_id}",
        {"url": "https://93.184.216.34/other", "events": ["lead_import.completed"]},
        format="json",
    )
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["events"] == ["lead_import.completed"] and replaced.json()["is_active"] is False
    incomplete = client.put(f"/api/v1/webhooks/{webhook_id}", {"url": PUBLIC_URL}, format="json")
    assert incomplete.status_code == 400
    assert client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 204
    assert not Webhook.objects.exists()
    assert client.get(f"/api/v1/webhooks/{webhook_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["bulk_operation.exploded"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "bulk_operation.completed"}, "events"),
        ({"events": [1]}, "events"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://93.184.216.34/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://user:pw@93.184.216.34/"}, "url"),
        ({"url": "http://93.184.216.34:99999/"}, "url"),
        ({"url": "http:///nohost"}, "url"),
        ({"url": "https://" + "a" * 2000 + ".com/"}, "url"),
        ({"url": None}, "url"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"location": 987654}, "location"),
    ],
)
def test_bad_input_is_a_400_on_its_field(api_for, manager, error_fields, body, field):
    response = _create(api_for(manager), **body)
    assert response.status_code == 400, response.content
    assert field in {name.split(".")[0] for name in error_fields(response)}  # events.0: the list's first item
    assert not Webhook.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(api_for, manager):
    response = api_for(manager).post("/api/v1/webhooks", ["x"], format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_agents_may_not_manage_webhooks(api_for, agent, manager):
    webhook_id = _create(api_for(manager)).json()["id"]
    client = api_for(agent.user)
    assert _create(client).status_code == 403
    assert client.get("/api/v1/webhooks").json()["count"] == 0
    assert client.get(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    assert Webhook.objects.count() == 1


def test_another_companys_webhook_is_404_everywhere(api_for, manager, outsider, location):
    client = api_for(manager)
    webhook_id = _create(client).json()["id"]
    delivery = WebhookDelivery.objects.create(webhook_id=webhook_id, event="campaign.completed", payload={})
    other = api_for(outsider)
    base = f"/api/v1/webhooks/{webhook_id}"
    assert other.get("/api/v1/webhooks").json()["count"] == 0
    for method, url in [
        ("get", base),
        ("patch", base),
        ("put", base),
        ("delete", base),
        ("get", f"{base}/deliveries"),
        ("get", f"{base}/deliveries/{delivery.pk}"),
        ("post", f"{base}/deliveries/{delivery.pk}/redeliver"),
    ]:
        assert getattr(other, method)(url, {"is_active": False}, format="json").status_code == 404, (method, url)
    assert _create(other, location=location.pk).status_code == 400  # not one of their locations
    assert Webhook.objects.get().is_active and WebhookDelivery.objects.count() == 1


def test_delivery_log_and_redeliver(api_for, manager):
    client = api_for(manager)
    webhook_id = _create(client).json()["id"]
    failed = WebhookDelivery.objects.create(
        webhook_id=webhook_id,
        event="bulk_operation.completed",
        payload={"event": "bulk_operation.completed", "data": {"operation_id": "x"}},
        status=DeliveryStatus.FAILED,
        attempts=7,
        response_code=500,
        last_error="The receiver answered 500",
    )
    log = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()
    assert log["count"] == 1
    row = log["results"][0]
    assert (row["status"], row["attempts"], row["response_code"]) == ("failed", 7, 500)
    assert client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?status=succeeded").json()["count"] == 0
    assert client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?status=bogus").status_code == 400

    response = client.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{failed.pk}/redeliver")
    assert response.status_code == 202, response.content
    again = response.json()
    assert (again["status"], again["attempts"], again["redelivery_of"]) == ("pending", 0, str(failed.pk))
    assert again["payload"] == failed.payload
    assert client.get(f"/api/v1/webhooks/{webhook_id}/deliveries").json()["count"] == 2

    client.patch(f"/api/v1/webhooks/{webhook_id}", {"is_active": False}, format="json")
    refused = client.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{failed.pk}/redeliver")
    assert refused.status_code == 409 and set(refused.json()) == {"detail", "errors"}


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
def test_a_patch_to_a_private_url_is_refused(api_for, manager):
    client = api_for(manager)
    webhook_id = _create(client).json()["id"]
    response = client.patch(f"/api/v1/webhooks/{webhook_id}", {"url": "http://10.0.0.8/"}, format="json")
    assert response.status_code == 400
    assert Webhook.objects.get().url == PUBLIC_URL
