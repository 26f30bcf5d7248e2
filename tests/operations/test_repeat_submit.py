"""A page form submitted twice (Back then submit, a double click, a reload) does its work once.

Every form that starts, retries or undoes an operation or a campaign carries a one-time key
rendered with it; the second submit of the same rendering lands where the first one led and
says so. These tests post the key the page rendered, as a browser would.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.models import Campaign, CampaignState
from operations.models import BulkOperation, OperationStatus
from tests.factories import make_operation, make_ticket, run_to_end

ALREADY = "This was already started — here is the operation it started."
HTMX = {"HTTP_HX_REQUEST": "true"}


def rendered_key(html: str, near: str = "") -> str:
    """The one-time key a page rendered (in the form that posts to `near`, if given); "" if none."""
    if near:
        html = html[html.index(near) :]
    found = re.search(r'form_key(?:&quot;|")?(?:: &quot;|: "| value=")([0-9a-f]{32})', html)
    return found.group(1) if found else ""


def followed_messages(client, response) -> str:
    return client.get(response["Location"]).content.decode()


def detail(operation) -> str:
    return reverse("operations:detail", args=[operation.pk])


# --- The tickets' bulk flow (the one flow of every target) --------------------------------

TICKETS_BULK = reverse("operations:builder", args=["tickets"])


def test_running_the_tickets_bulk_flow_twice_makes_one_operation(client_for, manager, location):
    tickets = [make_ticket(location, status="open") for _ in range(2)]
    client = client_for(manager)
    page = client.get(TICKETS_BULK, {"ids": [t.pk for t in tickets], "operation_type": "update_status"})
    data = {"operation_type": "update_status", "params-status": "resolved", "ids": [t.pk for t in tickets]}
    data["form_key"] = rendered_key(page.content.decode())

    first = client.post(TICKETS_BULK, data)
    second = client.post(TICKETS_BULK, data)

    operation = BulkOperation.objects.get()
    assert first["Location"] == second["Location"] == detail(operation)
    assert ALREADY in followed_messages(client, second)


def test_the_same_key_with_another_selection_is_refused_not_run(client_for, manager, location):
    tickets = [make_ticket(location, status="open") for _ in range(2)]
    client = client_for(manager)
    page = client.get(TICKETS_BULK, {"ids": [tickets[0].pk], "operation_type": "update_status"})
    data = {"operation_type": "update_status", "params-status": "resolved", "ids": [tickets[0].pk]}
    data["form_key"] = rendered_key(page.content.decode())
    client.post(TICKETS_BULK, data)

    other = client.post(TICKETS_BULK, {**data, "ids": [tickets[1].pk]})

    assert other.status_code == 400
    assert "This form was already submitted" in other.content.decode()
    assert BulkOperation.objects.count() == 1


# --- The live page's actions ---------------------------------------------------------------


def test_retry_failed_twice_makes_one_retry(client_for, manager, location):
    finished = run_to_end(make_operation(manager, location, [make_ticket(location).pk, 987_654]))
    client = client_for(manager)
    retry_url = reverse("operations:retry", args=[finished.pk])
    key = rendered_key(client.get(retry_url).content.decode())  # the confirmation page (no JS)

    first = client.post(retry_url, {"form_key": key})
    second = client.post(retry_url, {"form_key": key})

    retry = BulkOperation.objects.get(retry_of=finished)
    assert first["Location"] == second["Location"] == detail(retry)
    assert ALREADY in followed_messages(client, second)


def test_undo_clicked_twice_on_the_live_page_makes_one_undo(client_for, manager, location):
    operation = run_to_end(make_operation(manager, location, [make_ticket(location, status="open").pk]))
    client = client_for(manager)
    undo_url = reverse("operations:undo", args=[operation.pk])
    key = rendered_key(client.get(detail(operation)).content.decode(), near=f'hx-post="{undo_url}"')

    first = client.post(undo_url, {"form_key": key}, **HTMX)
    second = client.post(undo_url, {"form_key": key}, **HTMX)

    undo = BulkOperation.objects.get(undo_of=operation)
    assert first["HX-Redirect"] == second["HX-Redirect"] == detail(undo)
    assert ALREADY in client.get(detail(undo)).content.decode()


def test_start_of_a_draft_twice_lands_on_it_and_says_so(client_for, manager, location):
    draft = make_operation(manager, location, [make_ticket(location).pk], draft=True)
    client = client_for(manager)
    start_url = reverse("operations:start", args=[draft.pk])
    key = rendered_key(client.get(detail(draft)).content.decode(), near=f'action="{start_url}"')

    client.post(start_url, {"form_key": key})
    second = client.post(start_url, {"form_key": key})

    assert second["Location"] == detail(draft)
    page = followed_messages(client, second)
    assert ALREADY in page and "Only a draft can be started" not in page
    assert BulkOperation.objects.get().status == OperationStatus.PENDING


def test_cancel_twice_just_lands_on_the_page(client_for, manager, location):
    operation = make_operation(manager, location, [make_ticket(location).pk])
    client = client_for(manager)
    cancel_url = reverse("operations:cancel", args=[operation.pk])
    key = rendered_key(client.get(cancel_url).content.decode())

    client.post(cancel_url, {"form_key": key})
    second = client.post(cancel_url, {"form_key": key})

    assert second.status_code == 302 and second["Location"] == detail(operation)
    page = followed_messages(client, second)
    assert "already cancelled" in page and "cannot be cancelled" not in page


# --- Campaigns -----------------------------------------------------------------------------

CONTACTS = b"phone,name\n+12125550101,Ann\n+12125550102,Bob\n"


def campaign_form(key: str) -> dict:
    return {
        "file": SimpleUploadedFile("c.csv", CONTACTS),
        "name": "Spring",
        "timezone": "America/New_York",
        "pacing_seconds": "10",
        "max_retries": "0",
        "form_key": key,
    }


def test_creating_a_campaign_twice_from_one_form_makes_one(client_for, manager):
    client = client_for(manager)
    key = rendered_key(client.get(reverse("campaigns:create")).content.decode())

    first = client.post(reverse("campaigns:create"), campaign_form(key))
    second = client.post(reverse("campaigns:create"), campaign_form(key))

    campaign = Campaign.objects.get()
    assert first["Location"] == second["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert "This was already done" in followed_messages(client, second)


def test_a_campaign_form_racing_in_twice_makes_one_even_without_the_session(client_for, manager):
    """A double click sends both requests before either has remembered the key in the session:
    the database's unique key decides (here: two sessions, as two racing requests would see)."""
    key = rendered_key(client_for(manager).get(reverse("campaigns:create")).content.decode())

    first = client_for(manager).post(reverse("campaigns:create"), campaign_form(key))
    second = client_for(manager).post(reverse("campaigns:create"), campaign_form(key))

    campaign = Campaign.objects.get()
    assert first["Location"] == second["Location"] == reverse("campaigns:detail", args=[campaign.pk])


def test_starting_a_campaign_twice_starts_it_once_and_says_so(client_for, manager, location):
    client = client_for(manager)
    key = rendered_key(client.get(reverse("campaigns:create")).content.decode())
    client.post(reverse("campaigns:create"), campaign_form(key))
    campaign = Campaign.objects.get()
    page_url = reverse("campaigns:detail", args=[campaign.pk])
    start_url = reverse("campaigns:action", args=[campaign.pk, "start"])
    start_key = rendered_key(client.get(page_url).content.decode(), near=f'action="{start_url}"')

    client.post(start_url, {"form_key": start_key})
    started_at = Campaign.objects.get().started_at
    second = client.post(start_url, {"form_key": start_key})

    assert second["Location"] == page_url
    page = followed_messages(client, second)
    assert "This was already done" in page and "cannot become" not in page
    assert (Campaign.objects.get().state, Campaign.objects.get().started_at) == (CampaignState.RUNNING, started_at)


def test_a_resume_form_sent_again_after_a_pause_does_not_resume(client_for, manager):
    client = client_for(manager)
    client.post(reverse("campaigns:create"), campaign_form(rendered_key(client.get("/campaigns/new/").text)))
    campaign = Campaign.objects.get()
    campaign_services.start_campaign(campaign_id=campaign.pk)
    campaign_services.pause_campaign(campaign_id=campaign.pk)
    page_url = reverse("campaigns:detail", args=[campaign.pk])
    resume_url = reverse("campaigns:action", args=[campaign.pk, "resume"])
    key = rendered_key(client.get(page_url).content.decode(), near=f'action="{resume_url}"')
    client.post(resume_url, {"form_key": key})
    campaign_services.pause_campaign(campaign_id=campaign.pk)

    again = client.post(resume_url, {"form_key": key})  # Back to the old page, Resume again

    assert again["Location"] == page_url
    assert Campaign.objects.get().state == CampaignState.PAUSED


@pytest.mark.parametrize("key", ["", "not-a-key", "x" * 300])
def test_a_form_without_a_valid_key_still_works_once(client_for, manager, location, key):
    draft = make_operation(manager, location, [make_ticket(location).pk], draft=True)
    response = client_for(manager).post(reverse("operations:start", args=[draft.pk]), {"form_key": key})
    assert response.status_code == 302
    assert BulkOperation.objects.get().status == OperationStatus.PENDING
