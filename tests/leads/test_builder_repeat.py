"""The lead builder submitted twice (Back then Execute, a double click, a reload) runs once.

The page renders a one-time key into the form; the operation it starts keeps it as its
idempotency key, so the same form sent again lands on that operation and says so.
"""

import pytest
from django.urls import reverse

from leads.models import Channel, Stage
from operations.models import BulkOperation, OperationStatus
from tests import factories
from tests.operations.test_repeat_submit import ALREADY, rendered_key

URL = reverse("lead_bulk:builder")


def builder_form(client, **fields) -> dict:
    """What the browser sends: the rendered form's key and the fields the user filled in."""
    key = rendered_key(client.get(URL).content.decode())
    return {"form_key": key, "operation_type": "change_stage", "method": "ids", "params-stage": "qualified", **fields}


@pytest.mark.parametrize("action", ["run", "draft"])
def test_execute_twice_with_the_same_form_makes_one_operation(client_for, manager, location, action):
    lead = factories.make_lead(location)
    client = client_for(manager)
    data = builder_form(client, pasted_ids=str(lead.pk), action=action)

    first = client.post(URL, data)
    second = client.post(URL, data)

    operation = BulkOperation.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("operations:detail", args=[operation.pk])
    assert ALREADY in client.get(second["Location"]).content.decode()


def test_the_same_sms_is_not_sent_twice(client_for, manager, location):
    lead = factories.make_lead(location, phone="+12125550101")
    client = client_for(manager)
    data = builder_form(
        client,
        operation_type="message",
        pasted_ids=str(lead.pk),
        **{"params-channel": Channel.SMS, "params-body": "Hi {first_name}"},
    )

    client.post(URL, data)
    client.post(URL, data)

    assert BulkOperation.objects.filter(operation_type="message").count() == 1


def test_the_same_form_changed_after_back_is_refused_with_a_clear_error(client_for, manager, location):
    first_lead, other_lead = factories.make_lead(location), factories.make_lead(location)
    client = client_for(manager)
    data = builder_form(client, pasted_ids=str(first_lead.pk), action="run")
    client.post(URL, data)

    changed = client.post(URL, {**data, "pasted_ids": str(other_lead.pk)})

    assert changed.status_code == 400
    assert "This form was already submitted" in changed.content.decode()
    assert BulkOperation.objects.count() == 1
    # The page it shows is a fresh form: sending it on purpose starts the other operation.
    again = client.post(URL, {**data, "pasted_ids": str(other_lead.pk), "form_key": rendered_key(changed.text)})
    assert again.status_code == 302 and BulkOperation.objects.count() == 2


def test_two_renders_of_the_builder_are_two_operations(client_for, manager, location):
    lead = factories.make_lead(location)
    client = client_for(manager)

    client.post(URL, builder_form(client, pasted_ids=str(lead.pk)))
    client.post(URL, builder_form(client, pasted_ids=str(lead.pk)))

    assert BulkOperation.objects.count() == 2


def test_keys_are_per_user(client_for, manager, admin_user, location):
    lead = factories.make_lead(location)
    data = builder_form(client_for(manager), pasted_ids=str(lead.pk))

    client_for(manager).post(URL, data)
    client_for(admin_user).post(URL, data)

    assert BulkOperation.objects.count() == 2


# --- In a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_then_execute_again_lands_on_the_first_operation(tmp_path, location, browser_page):
    from tests.operations.test_pages_browser import log_in, web_server
    from tests.workers import sqlite_file_database

    page = browser_page
    user = factories.make_user("repeat-manager", location=location, role="manager", password="pw-browser")
    lead = factories.make_lead(location, stage=Stage.NEW)
    with sqlite_file_database(tmp_path), web_server(tmp_path) as base:
        log_in(page, base, user)
        page.goto(base + URL)
        page.fill("#id_pasted_ids", str(lead.pk))
        page.select_option("select[name=params-stage]", "contacted")
        page.click("button[value=run]")
        page.wait_for_url("**/operations/*/")
        first_url = page.url

        page.go_back()
        page.wait_for_url(base + URL)
        page.click("button[value=run]")
        page.wait_for_url("**/operations/*/")

        operation = BulkOperation.objects.get()
        assert page.url == first_url == base + reverse("operations:detail", args=[operation.pk])
        assert ALREADY in page.inner_text("body")
        assert operation.status == OperationStatus.PENDING  # no worker: nothing ran, nothing ran twice
