"""The Webhooks page: list, create (secret shown once), edit, deactivate, delete, delivery log, redeliver."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

FORM = {"url": "http://93.184.216.34/hooks", "events": ["bulk_operation.completed", "campaign.completed"]}


def test_create_shows_the_secret_once_then_never(client_for, manager):
    client = client_for(manager)
    response = client.post(reverse("webhooks:list"), {**FORM, "is_active": "on"})
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert response["Location"] == reverse("webhooks:detail", args=[webhook.pk])
    assert (webhook.events, webhook.is_active, webhook.created_by) == (FORM["events"], True, manager)

    first = client.get(response["Location"]).content.decode()
    assert webhook.secret in first and "will not be shown again" in first
    again = client.get(response["Location"]).content.decode()
    assert webhook.secret not in again
    assert webhook.secret not in client.get(reverse("webhooks:list")).content.decode()


def test_the_list_shows_the_locations_webhooks(client_for, manager, make_webhook, location, other_location, outsider):
    make_webhook(location, "http://93.184.216.34/ours")
    make_webhook(other_location, "http://93.184.216.34/theirs", user=outsider)
    page = client_for(manager).get(reverse("webhooks:list")).content.decode()
    assert "/ours" in page and "/theirs" not in page


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
def test_a_loopback_url_is_a_form_error_and_nothing_is_saved(client_for, manager):
    response = client_for(manager).post(reverse("webhooks:list"), {**FORM, "url": "http://127.0.0.1:8000/"})
    assert response.status_code == 400
    assert "private, loopback" in response.content.decode()
    assert not Webhook.objects.exists()


def test_no_events_is_a_form_error(client_for, manager):
    response = client_for(manager).post(reverse("webhooks:list"), {"url": FORM["url"]})
    assert response.status_code == 400 and not Webhook.objects.exists()


def test_edit_deactivates(client_for, manager, make_webhook, location):
    webhook = make_webhook(location, FORM["url"])
    response = client_for(manager).post(
        reverse("webhooks:detail", args=[webhook.pk]), {"url": FORM["url"], "events": ["campaign.completed"]}
    )
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.is_active is False and webhook.events == ["campaign.completed"]


def test_delivery_log_and_redeliver(client_for, manager, make_webhook, location):
    webhook = make_webhook(location, FORM["url"])
    failed = WebhookDelivery.objects.create(
        webhook=webhook,
        event="campaign.completed",
        payload={"data": {}},
        status=DeliveryStatus.FAILED,
        attempts=7,
        response_code=502,
        last_error="The receiver answered 502: bad gateway",
    )
    client = client_for(manager)
    page = client.get(reverse("webhooks:detail", args=[webhook.pk])).content.decode()
    assert "Campaign completed" in page and "502" in page and "Failed" in page and "Redeliver" in page
    redeliver = reverse("webhooks:redeliver", args=[webhook.pk, failed.pk])
    assert client.get(redeliver).status_code == 405
    assert client.post(redeliver).status_code == 302
    copy = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (copy.status, copy.redelivery_of, copy.payload) == ("pending", failed, failed.payload)
    filtered = client.get(reverse("webhooks:detail", args=[webhook.pk]) + "?status=failed").content.decode()
    assert len(re.findall(r"badge-item-failed", filtered)) == 1


def test_delete_asks_first(client_for, manager, make_webhook, location):
    webhook = make_webhook(location, FORM["url"])
    client = client_for(manager)
    url = reverse("webhooks:delete", args=[webhook.pk])
    assert "Delete this webhook?" in client.get(url).content.decode()
    assert Webhook.objects.exists()
    assert client.post(url).status_code == 302
    assert not Webhook.objects.exists()


def test_agents_are_refused_and_another_company_is_404(client_for, agent, outsider, manager, make_webhook, location):
    webhook = make_webhook(location, FORM["url"])
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="campaign.completed", payload={})
    agent_client = client_for(agent.user)
    assert agent_client.get(reverse("webhooks:list")).status_code == 403
    assert agent_client.post(reverse("webhooks:list"), FORM).status_code == 403
    assert agent_client.get(reverse("webhooks:detail", args=[webhook.pk])).status_code == 403
    other = client_for(outsider)
    for url in (
        reverse("webhooks:detail", args=[webhook.pk]),
        reverse("webhooks:delete", args=[webhook.pk]),
        reverse("webhooks:redeliver", args=[webhook.pk, delivery.pk]),
    ):
        assert other.post(url, FORM).status_code == 404, url
    assert Webhook.objects.get().url == FORM["url"] and WebhookDelivery.objects.count() == 1
    assert Webhook.objects.count() == 1


def test_managers_see_webhooks_in_the_navigation_and_agents_do_not(client_for, manager, agent):
    link = f'href="{reverse("webhooks:list")}"'
    assert link in client_for(manager).get(reverse("dashboard")).content.decode()
    assert link not in client_for(agent.user).get(reverse("dashboard")).content.decode()


def test_a_create_form_sent_twice_makes_one_webhook(client_for, manager):
    client = client_for(manager)
    form = {**FORM, "form_key": "a" * 32}
    first = client.post(reverse("webhooks:list"), form)
    second = client.post(reverse("webhooks:list"), form)  # a double click, or Back then Create
    assert Webhook.objects.count() == 1
    assert first["Location"] == second["Location"] == reverse("webhooks:detail", args=[Webhook.objects.get().pk])
    changed = client.post(reverse("webhooks:list"), {**form, "url": "http://93.184.216.34/else"})
    assert changed.status_code == 400 and Webhook.objects.count() == 1


def test_a_redeliver_sent_twice_redelivers_once(client_for, manager, make_webhook, location):
    webhook = make_webhook(location, FORM["url"])
    original = WebhookDelivery.objects.create(webhook=webhook, event="campaign.completed", payload={})
    client = client_for(manager)
    url = reverse("webhooks:redeliver", args=[webhook.pk, original.pk])
    for _ in range(2):
        assert client.post(url, {"form_key": "b" * 32}).status_code == 302
    assert WebhookDelivery.objects.count() == 2
    client.post(url, {"form_key": "c" * 32})  # a new click is a new redelivery
    assert WebhookDelivery.objects.count() == 3
