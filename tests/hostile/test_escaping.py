"""HTML and JS in every text field that a page renders: shown as text, never as markup.

Every record of the fixture carries the payload in each of its free-text fields; each page that
shows them is fetched and must hold the payload escaped (so the field was rendered) and never raw.
"""

import csv
import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns import services as campaigns
from leads.models import MessageTemplate
from operations import engine
from operations.models import BulkOperation, BulkOperationItem, ItemStatus, OperationStatus
from tests import factories
from tests.hostile.payloads import ATTRIBUTE_BREAK, XSS, assert_shown_escaped
from tickets.models import Comment

# Pasted IDs are split on white space and stripped of quotes: this one has neither.
TOKEN = "<script>alert(1)</script>"


def contact_file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def hostile(location, manager, agent):
    """One of every record, the payload in each of its text fields."""
    for user in (manager, agent.user):
        user.first_name = user.last_name = XSS
        user.save()
    team = factories.make_team(location, XSS)
    tag = factories.make_tag(location, XSS)
    lead = factories.make_lead(location, first_name=XSS, last_name=XSS, area=XSS, source=XSS, owner=agent, team=team)
    lead.tags.add(tag)
    ticket = factories.make_ticket(location, subject=XSS, description=XSS, requester_name=XSS)
    Comment.objects.create(ticket=ticket, author=manager, body=XSS)
    template = MessageTemplate.objects.create(location=location, name=XSS, subject=XSS, body=f"{XSS} {{first_name}}")

    # A stage change with the payload as its reason and its description (the lead's history).
    stage, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="change_stage",
        params={"stage": "contacted", "reason": XSS},
        ids=[lead.pk],
        metadata={"description": XSS},
    )
    engine.run_operation(stage.pk)
    # A running ticket operation whose failed item carries the payload as its error message.
    failing, _ = engine.create_operation(
        user=manager,
        location=location,
        target="tickets",
        operation_type="add_comment",
        params={"body": XSS},
        ids=[ticket.pk],
        metadata={"description": XSS},
    )
    BulkOperationItem.objects.filter(operation=failing).update(status=ItemStatus.FAILED, error_message=XSS)
    BulkOperation.objects.filter(pk=failing.pk).update(status=OperationStatus.IN_PROGRESS, processed=1, failed=1)

    campaign, _ = campaigns.create_campaign(
        location=location,
        user=manager,
        name=XSS,
        file_bytes=contact_file([["phone", "name", "notes"], ["+12125550101", XSS, XSS], [XSS, "Bad", "row"]]),
        filename=f"{ATTRIBUTE_BREAK}.csv",
    )
    return {
        "lead": lead,
        "ticket": ticket,
        "template": template,
        "campaign": campaign,
        "contact": campaign.contacts.get(),
        "stage_operation": stage,
        "failing_operation": failing,
    }


PAGES = [
    "/",
    "/leads/",
    "/leads/?q={xss}",
    "/leads/{lead.pk}/",
    "/tickets/",
    "/tickets/?q={xss}",
    "/tickets/{ticket.pk}/",
    "/agents/",
    "/leads/bulk/templates/",
    "/leads/bulk/templates/{template.pk}/",
    "/leads/bulk/templates/{template.pk}/preview/?lead={lead.pk}",
    "/campaigns/",
    "/campaigns/{campaign.pk}/",
    "/campaigns/{campaign.pk}/contacts/{contact.pk}/",
    "/operations/",
    "/operations/{stage_operation.pk}/",
    "/operations/{failing_operation.pk}/",
    "/operations/{failing_operation.pk}/items/?status=failed",
    "/analytics/",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_user_text_escaped(page, hostile, client_for, manager):
    response = client_for(manager).get(page.format(xss=quote(XSS), **hostile))
    assert response.status_code == 200
    assert_shown_escaped(response.content.decode())


ADMIN_PAGES = [
    "/admin/leads/lead/",
    "/admin/leads/lead/{lead.pk}/change/",
    "/admin/tickets/ticket/",
    "/admin/tickets/ticket/{ticket.pk}/change/",
    "/admin/leads/messagetemplate/",
    "/admin/campaigns/campaign/",
    "/admin/campaigns/campaign/{campaign.pk}/change/",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_show_user_text_escaped(page, hostile, client_for):
    root = factories.make_user("root", is_superuser=True, is_staff=True)
    response = client_for(root).get(page.format(**hostile))
    assert response.status_code == 200
    assert_shown_escaped(response.content.decode())


# --- Input reflected in error messages and notices ------------------------------------------------


BUILDER = {"operation_type": "change_stage", "params-stage": "won", "params-reason": ""}


def test_unknown_pasted_ids_are_listed_escaped(client_for, manager, location):
    lead = factories.make_lead(location)
    response = client_for(manager).post(
        "/leads/bulk/count/", {**BUILDER, "method": "ids", "pasted_ids": f"{lead.pk} {TOKEN}"}
    )
    assert response.context["selection"].unknown == [TOKEN]
    assert_shown_escaped(response.content.decode(), TOKEN)


@pytest.mark.parametrize("path", ["/leads/bulk/count/", "/leads/bulk/"])
def test_an_uploaded_file_name_in_a_builder_error_is_escaped(path, client_for, manager):
    upload = SimpleUploadedFile(f"{ATTRIBUTE_BREAK}.csv", b"nobody@example.com\n")
    response = client_for(manager).post(path, {**BUILDER, "method": "file", "upload": upload, "action": "run"})
    assert any(ATTRIBUTE_BREAK in error for error in response.context["errors"])
    assert_shown_escaped(response.content.decode(), ATTRIBUTE_BREAK)


@pytest.mark.parametrize("preview", [False, True], ids=["create", "preview"])
def test_an_uploaded_file_name_in_a_campaign_error_is_escaped(preview, client_for, manager):
    upload = SimpleUploadedFile(f"{ATTRIBUTE_BREAK}.xlsx", b"phone\n+12125550101\n")
    data = {"file": upload, **({"preview": "1"} if preview else {})}
    response = client_for(manager).post("/campaigns/new/", data)
    assert response.status_code == (200 if preview else 400)
    assert_shown_escaped(response.content.decode(), ATTRIBUTE_BREAK)


def test_the_campaign_preview_shows_contact_cells_escaped(client_for, manager):
    data = contact_file([["phone", "name", "notes"], ["+12125550101", XSS, XSS], [XSS, "Bad", "row"]])
    response = client_for(manager).post(
        "/campaigns/new/", {"preview": "1", "file": SimpleUploadedFile("c.csv", data)}, HTTP_HX_REQUEST="true"
    )
    assert response.context["preview"]["errors"][0]["value"] == XSS
    assert_shown_escaped(response.content.decode())


def test_the_notice_after_creating_a_campaign_is_escaped(client_for, manager):
    response = client_for(manager).post(
        "/campaigns/new/",
        {"name": XSS, "file": SimpleUploadedFile("c.csv", b"phone\n+12125550101\n")},
        follow=True,
    )
    assert response.redirect_chain and response.status_code == 200
    assert_shown_escaped(response.content.decode())


def test_the_notice_after_saving_a_template_is_escaped(client_for, manager):
    response = client_for(manager).post(
        "/leads/bulk/templates/new/",
        {"name": XSS, "category": "general", "subject": "", "body": "Hello {first_name}"},
        follow=True,
    )
    assert response.redirect_chain and response.status_code == 200
    assert_shown_escaped(response.content.decode())


def test_the_message_dry_run_shows_the_rendered_text_escaped(client_for, manager, location):
    lead = factories.make_lead(location, first_name=XSS, phone="+14155550123")
    response = client_for(manager).post(
        "/leads/bulk/preview/",
        {
            "operation_type": "message",
            "method": "ids",
            "pasted_ids": str(lead.pk),
            "params-channel": "sms",
            "params-body": "Hi {first_name}",
        },
    )
    assert response.context["preview"] is not None
    assert_shown_escaped(response.content.decode())


def test_the_ticket_bulk_preview_shows_the_comment_escaped(client_for, manager, location):
    ticket = factories.make_ticket(location)
    response = client_for(manager).post(
        "/operations/tickets/bulk/preview/",
        {"operation_type": "add_comment", "method": "ids", "pasted_ids": str(ticket.pk), "params-body": XSS},
    )
    assert response.status_code == 200 and response.context["preview"].sample
    assert_shown_escaped(response.content.decode())
