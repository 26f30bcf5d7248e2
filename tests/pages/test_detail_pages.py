import pytest
from django.urls import reverse

from leads.models import LeadAssignment, Stage, StageChange
from operations.models import BulkOperation, BulkOperationItem, ItemStatus
from tests import factories
from tickets.models import Comment


@pytest.fixture
def lead(location, admin_user):
    owner = factories.make_agent(location)
    lead = factories.make_lead(
        location,
        first_name="Ann",
        last_name="Adams",
        phone="+14155550123",
        stage=Stage.QUALIFIED,
        score=72,
        owner=owner,
        area="Springfield",
    )
    lead.tags.add(factories.make_tag(location, "investor"))
    StageChange.objects.create(
        lead=lead, from_stage=Stage.NEW, to_stage=Stage.QUALIFIED, reason="Called back", changed_by=admin_user
    )
    LeadAssignment.objects.create(
        lead=lead, from_agent=None, to_agent=owner, reason="Round robin", assigned_by=admin_user
    )
    return lead


@pytest.fixture
def ticket(location, admin_user):
    ticket = factories.make_ticket(location, subject="Printer on fire", description="Smoke everywhere")
    Comment.objects.create(ticket=ticket, author=admin_user, body="Sent a technician")
    return ticket


def test_lead_detail_shows_fields_and_history(lead, admin_user, client_for):
    response = client_for(admin_user).get(reverse("leads:detail", args=[lead.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Ann Adams", "+14155550123", "72 / 100", "Springfield", "investor", "Called back", "Round robin"):
        assert text in html
    assert [c.to_stage for c in response.context["stage_changes"]] == [Stage.QUALIFIED]
    assert len(response.context["assignments"]) == 1


def test_lead_without_history_says_so(location, admin_user, client_for):
    lead = factories.make_lead(location)
    html = client_for(admin_user).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "has not changed" in html
    assert "never been assigned" in html


def test_outsider_gets_404_for_demo_realtys_lead(lead, outsider, client_for):
    assert client_for(outsider).get(reverse("leads:detail", args=[lead.pk])).status_code == 404


def test_member_of_two_locations_sees_leads_of_both(lead, other_lead, member_of_both, client_for):
    client = client_for(member_of_both)
    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200
    assert client.get(reverse("leads:detail", args=[other_lead.pk])).status_code == 200


def test_ticket_detail_shows_fields_comments_and_operations(ticket, location, other_location, admin_user, client_for):
    operation = BulkOperation.objects.create(
        location=location, created_by=admin_user, target="tickets", operation_type="update_status"
    )
    BulkOperationItem.objects.create(operation=operation, object_id=ticket.pk, status=ItemStatus.SUCCEEDED)
    # An operation on leads with the same object id, and one of another tenant: not this ticket's.
    on_leads = BulkOperation.objects.create(
        location=location, created_by=admin_user, target="leads", operation_type="assign_leads"
    )
    BulkOperationItem.objects.create(operation=on_leads, object_id=ticket.pk)
    foreign = BulkOperation.objects.create(
        location=other_location, created_by=admin_user, target="tickets", operation_type="delete"
    )
    BulkOperationItem.objects.create(operation=foreign, object_id=ticket.pk)

    response = client_for(admin_user).get(reverse("tickets:detail", args=[ticket.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Printer on fire" in html
    assert "Smoke everywhere" in html
    assert "Sent a technician" in html
    assert [item.operation for item in response.context["operation_items"]] == [operation]
    assert "update_status" in html
    assert f'href="{reverse("operations:detail", args=[operation.pk])}"' in html
    assert "assign_leads" not in html


def test_ticket_without_operations_says_so(ticket, admin_user, client_for):
    html = client_for(admin_user).get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "No bulk operation has touched this ticket." in html


def test_outsider_gets_404_for_demo_realtys_ticket(ticket, outsider, client_for):
    assert client_for(outsider).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404


def test_soft_deleted_ticket_is_404(location, admin_user, client_for):
    ticket = factories.make_ticket(location, is_deleted=True)
    assert client_for(admin_user).get(reverse("tickets:detail", args=[ticket.pk])).status_code == 404
