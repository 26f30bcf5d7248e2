"""The SSRF guard: private, loopback, link-local, multicast and reserved destinations are refused
(unless allowed) when a webhook is saved, and again after DNS resolution at every delivery."""

import ipaddress

import pytest
from django.test import override_settings

from operations import engine
from tests import factories
from webhooks import delivery, destinations
from webhooks.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",  # a name: refused for what it resolves to
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
        "http://100.64.0.1/",  # shared address space
        "http://0.0.0.0/",
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://2130706433/",  # 127.0.0.1 as one number
    ],
)
@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
def test_private_destinations_are_a_400_on_url(api_for, manager, error_fields, url):
    response = api_for(manager).post("/api/v1/webhooks", {"url": url, "events": ["campaign.completed"]}, format="json")
    assert response.status_code == 400, response.content
    assert error_fields(response) == {"url"}


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
def test_the_refusal_says_why(api_for, manager):
    response = api_for(manager).post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1/", "events": ["campaign.completed"]}, format="json"
    )
    (error,) = response.json()["errors"]
    assert "private, loopback" in error["message"] and "WEBHOOKS_ALLOW_PRIVATE_NETWORKS" in error["message"]


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True)
def test_private_destinations_are_allowed_when_configured(api_for, manager):
    response = api_for(manager).post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["campaign.completed"]}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("198.18.0.1", False),
        ("ff02::1", False),
    ],
)
def test_is_public(address, public):
    assert destinations.is_public(ipaddress.ip_address(address)) is public


def test_a_name_resolving_to_loopback_is_refused_at_delivery(receiver, make_webhook, manager, location, tickets):
    """Saved while private networks were allowed, delivered after they are not: the resolved address
    is checked when the connection is made, so nothing reaches the receiver."""
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True):
        make_webhook(location, receiver.localhost_url)
    operation = factories.make_operation(manager, location, [t.pk for t in tickets])
    engine.cancel_operation(operation=operation)
    row = WebhookDelivery.objects.get()
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False):
        assert delivery.attempt(row.pk) == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert row.last_error.startswith("Refused: localhost resolves to")
    assert row.response_code is None
    assert receiver.requests == []

    with override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True):  # the same name, allowed: it arrives
        WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
        assert delivery.attempt(row.pk) == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["Host"] == f"localhost:{receiver.server.server_port}"
